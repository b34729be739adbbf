/**
 * Blocks of stored history handed to another thread without a structured clone of their sources
 * (issue 15). A block of a hundred hosts' hour is about 12,000 chunk sources, each an object with
 * two typed arrays: cloned one by one, the reader spent about 6 s and the replay thread about 10 s
 * (copying, then collecting the copies) of a 7-day, 100-host comparison that takes 24 s of CPU on
 * one thread.
 *
 * Here the columns of a block are copied into one SharedArrayBuffer (a slot the reader reuses once
 * the other thread is done with its block: see replayThread.ts), times in its first half and values
 * at the same places in its second, and the message carries the slot and a flat index of five
 * numbers a source. The other thread makes two views of the slot for the whole block: each source
 * is a window [start, end) of them, so no array is made per source. Sources that name a series per
 * sample (the hot samples, a few) go by structured clone, as they did.
 */
import type { SampleBlock, SampleSource } from '../store/sampleBlocks.js';

/** A block as it crosses to another thread (structured-cloneable; `data` is shared, not copied). */
export interface PackedBlock {
  fromMs: number;
  toMs: number;
  /** Times at [0, `half`), each source's values at its times' places plus `half`, as float64s. */
  data: SharedArrayBuffer;
  half: number;
  /**
   * Per source, in the block's order: its series id (-1: the source is in `loose`), where its times
   * begin in the slot, its start and end (as the source's own), and 1 when its values were sent.
   */
  index: Float64Array;
  /** Sources that name a series per sample, by position in the block's order (cloned whole). */
  loose: Array<[number, SampleSource]>;
  /** Texts of packed sources by position in the block's order (keys: positions in the source's own times). */
  texts: Array<[number, ReadonlyMap<number, string>]>;
}

/** Numbers per source in PackedBlock.index. */
const FIELDS = 5;
/** The values of a source whose values were not sent (its series is not read: see unreadSeries.ts). */
const NO_VALUES = new Float64Array(0);

/**
 * Packs `block` into `slot` (grown when too small; the caller has made sure the other thread no
 * longer reads it). The values of chunk sources of series `read` says the other thread does not read
 * are not sent (nor decoded: a replay asks only for the times of those, see unreadSeries.ts).
 */
export function packBlock(block: SampleBlock, read: (seriesId: number) => boolean, slot: { data: SharedArrayBuffer | undefined }): PackedBlock {
  const { sources } = block;
  let half = 0;
  for (const source of sources) if (source.seriesIds === undefined) half += source.times.length;
  let data = slot.data;
  if (data === undefined || data.byteLength < 2 * half * Float64Array.BYTES_PER_ELEMENT) {
    // A quarter more than this block needs: the blocks of one history are about the same size.
    data = new SharedArrayBuffer(2 * Math.ceil(half * 1.25) * Float64Array.BYTES_PER_ELEMENT);
    slot.data = data;
  }
  const times = new Float64Array(data, 0, half);
  const values = new Float64Array(data, half * Float64Array.BYTES_PER_ELEMENT, half);
  const index = new Float64Array(sources.length * FIELDS);
  const loose: Array<[number, SampleSource]> = [];
  const texts: Array<[number, ReadonlyMap<number, string>]> = [];
  let offset = 0;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    const at = i * FIELDS;
    if (source.seriesIds !== undefined) {
      const { seriesId, seriesIds, times: ownTimes, values: ownValues, texts: ownTexts, start, end } = source;
      loose.push([i, { seriesId, seriesIds, times: ownTimes, values: ownValues, texts: ownTexts, start, end }]);
      index[at] = -1;
      continue;
    }
    const sent = read(source.seriesId);
    index[at] = source.seriesId;
    index[at + 1] = offset;
    index[at + 2] = source.start;
    index[at + 3] = source.end;
    index[at + 4] = sent ? 1 : 0;
    copyInto(times, offset, source.times);
    if (sent) copyInto(values, offset, source.values);
    if (source.texts !== undefined) texts.push([i, source.texts]);
    offset += source.times.length;
  }
  return { fromMs: block.fromMs, toMs: block.toMs, data, half, index, loose, texts };
}

/** The block `packBlock` packed, its columns views of the shared slot (valid until the slot is reused). */
export function unpackBlock(packed: PackedBlock): SampleBlock {
  const { index, data, half } = packed;
  const times = new Float64Array(data, 0, half);
  const values = new Float64Array(data, half * Float64Array.BYTES_PER_ELEMENT, half);
  const count = index.length / FIELDS;
  const sources = new Array<SampleSource>(count);
  for (const [i, source] of packed.loose) sources[i] = source;
  let nextText = 0;
  for (let i = 0; i < count; i++) {
    const at = i * FIELDS;
    const seriesId = index[at]!;
    if (seriesId === -1) continue;
    const offset = index[at + 1]!;
    let texts: Map<number, string> | undefined;
    if (nextText < packed.texts.length && packed.texts[nextText]![0] === i) {
      texts = new Map();
      for (const [position, text] of packed.texts[nextText++]![1]) texts.set(position + offset, text);
    }
    sources[i] = { seriesId, seriesIds: undefined, times, values: index[at + 4] === 1 ? values : NO_VALUES, texts, start: offset + index[at + 2]!, end: offset + index[at + 3]! };
  }
  return { fromMs: packed.fromMs, toMs: packed.toMs, sources };
}

/** Copies `from` into `columns` at `offset`. */
function copyInto(columns: Float64Array, offset: number, from: ArrayLike<number>): void {
  if (from instanceof Float64Array) columns.set(from, offset);
  else for (let i = 0; i < from.length; i++) columns[offset + i] = from[i]!;
}
