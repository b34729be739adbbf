/**
 * The binary layout of one report's samples, stored as a single row per report so that ingest
 * costs one insert per report rather than one per sample (the design target is ~670 reports/s of
 * 60 samples each on two cores). Per sample, 16 bytes, little-endian:
 *
 * | bytes | field |
 * |---|---|
 * | 0-3   | series id (u32), from the series dictionary |
 * | 4-7   | time offset from the chunk's base time, milliseconds (i32) |
 * | 8-15  | value (f64) |
 */
export const SAMPLE_BYTES = 16;

export interface ChunkSample {
  seriesId: number;
  atMs: number;
  value: number;
}

/** Encodes samples relative to `baseAtMs`; offsets must fit in ±24 days. */
export function encodeChunk(baseAtMs: number, samples: readonly ChunkSample[]): Buffer {
  const buffer = Buffer.allocUnsafe(samples.length * SAMPLE_BYTES);
  samples.forEach((sample, index) => {
    const offset = index * SAMPLE_BYTES;
    const delta = sample.atMs - baseAtMs;
    if (delta > 0x7fffffff || delta < -0x80000000) throw new RangeError(`sample time ${sample.atMs} too far from chunk base ${baseAtMs}`);
    buffer.writeUInt32LE(sample.seriesId, offset);
    buffer.writeInt32LE(delta, offset + 4);
    buffer.writeDoubleLE(sample.value, offset + 8);
  });
  return buffer;
}

/** Decodes a chunk; `wanted`, when given, keeps only samples of that series id. */
export function decodeChunk(baseAtMs: number, buffer: Buffer, wanted?: number): ChunkSample[] {
  const samples: ChunkSample[] = [];
  for (let offset = 0; offset + SAMPLE_BYTES <= buffer.length; offset += SAMPLE_BYTES) {
    const seriesId = buffer.readUInt32LE(offset);
    if (wanted !== undefined && seriesId !== wanted) continue;
    samples.push({ seriesId, atMs: baseAtMs + buffer.readInt32LE(offset + 4), value: buffer.readDoubleLE(offset + 8) });
  }
  return samples;
}
