/**
 * Blocks of stored history handed to another thread without a structured clone of their sources
 * (issue 15). A block of a hundred hosts' hour is about 12,000 chunk sources, each an object with
 * two typed arrays: cloned one by one, the reader spent about 6 s and the replay thread about 10 s
 * (copying, then collecting the copies) of a 7-day, 100-host comparison that takes 24 s of CPU on
 * one thread.
 *
 * Here the columns of a block are copied into one SharedArrayBuffer (a slot the reader reuses once
 * every other thread is done with its block: see replayThread.ts), its times first (once for the
 * sources that share them: a host's series share its report times) and then the values sent, and
 * the message carries the slot and a flat index of five numbers a source. The other thread makes one
 * view of the times for the whole block, each source a window [start, end) of it, and one view of
 * values a source. Sources that name a series per sample (the hot samples, a few) go by structured
 * clone, as they did.
 */
import type { SampleBlock, SampleSource } from '../store/sampleBlocks.js';

/** A block as it crosses to another thread (structured-cloneable; `data` is shared, not copied). */
export interface PackedBlock {
  fromMs: number;
  toMs: number;
  /** The block's times at [0, `timesLength`), then the values sent, as float64s. */
  data: SharedArrayBuffer;
  timesLength: number;
  /**
   * Per source, in the block's order: its series id (-1: the source is in `loose`), where its times
   * begin in the slot, its start and end (as the source's own), and where its values begin (-1: not sent).
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
 * longer reads it). A source whose times are those of the source before it (a host's series share
 * its report times) shares their copy, so the other thread's BlockCursor walks them as one group, as
 * this thread's does. The values of chunk sources of series `read` says the other thread does not
 * read are not sent (nor decoded: a replay asks only for the times of those, see unreadSeries.ts).
 */
export function packBlock(block: SampleBlock, read: (seriesId: number) => boolean, slot: { data: SharedArrayBuffer | undefined }): PackedBlock {
  const { sources } = block;
  // Where each packed source's times go (the offset of the source before it when they are the same).
  const timesAt = new Float64Array(sources.length);
  let timesLength = 0;
  let valuesLength = 0;
  let previous = -1;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    if (source.seriesIds !== undefined) continue;
    if (previous !== -1 && sameColumn(sources[previous]!.times, source.times)) timesAt[i] = timesAt[previous]!;
    else {
      timesAt[i] = timesLength;
      timesLength += source.times.length;
    }
    if (read(source.seriesId)) valuesLength += source.times.length;
    previous = i;
  }
  const needed = (timesLength + valuesLength) * Float64Array.BYTES_PER_ELEMENT;
  let data = slot.data;
  if (data === undefined || data.byteLength < needed) {
    // A quarter more than this block needs: the blocks of one history are about the same size.
    data = new SharedArrayBuffer(Math.ceil(needed * 1.25 / Float64Array.BYTES_PER_ELEMENT) * Float64Array.BYTES_PER_ELEMENT);
    slot.data = data;
  }
  const columns = new Float64Array(data);
  const index = new Float64Array(sources.length * FIELDS);
  const loose: Array<[number, SampleSource]> = [];
  const texts: Array<[number, ReadonlyMap<number, string>]> = [];
  let copiedTimes = 0;
  let valuesAt = timesLength;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    const at = i * FIELDS;
    if (source.seriesIds !== undefined) {
      const { seriesId, seriesIds, times, values, texts: ownTexts, start, end } = source;
      loose.push([i, { seriesId, seriesIds, times, values, texts: ownTexts, start, end }]);
      index[at] = -1;
      continue;
    }
    if (timesAt[i] === copiedTimes) {
      copyInto(columns, copiedTimes, source.times);
      copiedTimes += source.times.length;
    }
    index[at] = source.seriesId;
    index[at + 1] = timesAt[i]!;
    index[at + 2] = source.start;
    index[at + 3] = source.end;
    if (read(source.seriesId)) {
      index[at + 4] = valuesAt;
      copyInto(columns, valuesAt, source.values);
      valuesAt += source.times.length;
    } else index[at + 4] = -1;
    if (source.texts !== undefined) texts.push([i, source.texts]);
  }
  return { fromMs: block.fromMs, toMs: block.toMs, data, timesLength, index, loose, texts };
}

/**
 * The block `packBlock` packed, its columns views of the shared slot (valid until the slot is
 * reused): every source's times are one view of the block's times, each source a window of it
 * (sources that shared times share a window), and a source's values a view placed so that they sit
 * at the positions of its times.
 */
export function unpackBlock(packed: PackedBlock): SampleBlock {
  const { index, data } = packed;
  const times = new Float64Array(data, 0, packed.timesLength);
  const count = index.length / FIELDS;
  const sources = new Array<SampleSource>(count);
  for (const [i, source] of packed.loose) sources[i] = source;
  let nextText = 0;
  for (let i = 0; i < count; i++) {
    const at = i * FIELDS;
    const seriesId = index[at]!;
    if (seriesId === -1) continue;
    const timesAt = index[at + 1]!;
    const end = timesAt + index[at + 3]!;
    const valuesAt = index[at + 4]!;
    let texts: Map<number, string> | undefined;
    if (nextText < packed.texts.length && packed.texts[nextText]![0] === i) {
      texts = new Map();
      for (const [position, text] of packed.texts[nextText++]![1]) texts.set(position + timesAt, text);
    }
    // values[timesAt + p] is the value at the source's own position p: the view starts timesAt before its values.
    const values = valuesAt === -1 ? NO_VALUES : new Float64Array(data, (valuesAt - timesAt) * Float64Array.BYTES_PER_ELEMENT, end);
    sources[i] = { seriesId, seriesIds: undefined, times, values, texts, start: timesAt + index[at + 2]!, end };
  }
  return { fromMs: packed.fromMs, toMs: packed.toMs, sources };
}

/** Whether two columns of times hold the same times (the same array, or equal element by element). */
function sameColumn(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies `from` into `columns` at `offset`. */
function copyInto(columns: Float64Array, offset: number, from: ArrayLike<number>): void {
  if (from instanceof Float64Array) columns.set(from, offset);
  else for (let i = 0; i < from.length; i++) columns[offset + i] = from[i]!;
}
