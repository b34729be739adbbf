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

/** A decoded sample and its position in the chunk, which keys its text (see encodeTexts). */
export interface DecodedSample extends ChunkSample {
  index: number;
}

/**
 * The widest span of sample times one chunk can hold: offsets are signed 32-bit milliseconds
 * (24.8 days). Intake refuses sample times outside `collector.intake` (at most 1 day ahead and 20
 * days behind the collector clock, checked in config), so no report that reaches the store spans
 * more; the encoder still checks, and a report that fails here fails alone (a savepoint per report).
 */
export const MAX_CHUNK_SPAN_MS = 0x7fffffff;

/** Encodes samples relative to `baseAtMs`; offsets must fit in MAX_CHUNK_SPAN_MS either way. */
export function encodeChunk(baseAtMs: number, samples: readonly ChunkSample[]): Buffer {
  const buffer = Buffer.allocUnsafe(samples.length * SAMPLE_BYTES);
  samples.forEach((sample, index) => {
    const offset = index * SAMPLE_BYTES;
    const delta = sample.atMs - baseAtMs;
    if (!(delta <= MAX_CHUNK_SPAN_MS && delta >= -MAX_CHUNK_SPAN_MS)) throw new RangeError(`sample time ${Number.isFinite(sample.atMs) ? new Date(sample.atMs).toISOString() : sample.atMs} is more than 24.8 days from the report's other samples`);
    buffer.writeUInt32LE(sample.seriesId, offset);
    buffer.writeInt32LE(delta, offset + 4);
    buffer.writeDoubleLE(sample.value, offset + 8);
  });
  return buffer;
}

/** Decodes a chunk; `wanted`, when given, keeps only samples of that series id (or of those ids). */
export function decodeChunk(baseAtMs: number, buffer: Buffer, wanted?: number | ReadonlySet<number>): DecodedSample[] {
  const samples: DecodedSample[] = [];
  const one = typeof wanted === 'number' ? wanted : undefined;
  const some = typeof wanted === 'object' ? wanted : undefined;
  for (let offset = 0, index = 0; offset + SAMPLE_BYTES <= buffer.length; offset += SAMPLE_BYTES, index++) {
    const seriesId = buffer.readUInt32LE(offset);
    if ((one !== undefined && seriesId !== one) || (some !== undefined && !some.has(seriesId))) continue;
    samples.push({ seriesId, atMs: baseAtMs + buffer.readInt32LE(offset + 4), value: buffer.readDoubleLE(offset + 8), index });
  }
  return samples;
}

/**
 * The texts of a chunk's samples (a check's output line on `check_status`) as stored beside it:
 * JSON of `{ "<position in the chunk>": text }`, or null when no sample has one, which is most
 * reports' case and costs nothing.
 */
export function encodeTexts(samples: ReadonlyArray<{ text?: string }>): string | null {
  let texts: Record<number, string> | undefined;
  samples.forEach((sample, index) => {
    if (sample.text !== undefined) (texts ??= {})[index] = sample.text;
  });
  return texts === undefined ? null : JSON.stringify(texts);
}

/** The texts of a chunk by position; empty for null. */
export function decodeTexts(json: string | null): ReadonlyMap<number, string> {
  if (json === null) return new Map();
  return new Map(Object.entries(JSON.parse(json) as Record<string, string>).map(([index, text]) => [Number(index), text]));
}
