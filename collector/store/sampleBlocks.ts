/**
 * Stored history for replays as columns (issue 15): each block of history (BLOCK_MS) as the
 * sources its engine reads it from, in the engine's stored order (each series' compressed chunk,
 * then the block's hot samples), every source a run of samples in time order held in arrays, not an
 * object per sample. A BlockCursor hands a block's samples on step by step in the order
 * `Store.iterateSamples` promises (time, then stored order among samples of one time) without
 * sorting them: each source is in time order already, so a step's samples are merged by sorting its
 * runs of equal time (a host's report is one run), a few dozen numbers a step.
 */
import { createColumnArena } from '../history/columnArena.js';
import { type ChunkTimes, decodeSeriesChunk, decodeSeriesChunkTimes } from '../history/seriesChunkCodec.js';
import type { HotChunk, SeriesChunkRow } from './historyBlocks.js';
import { decodeChunk, decodeTexts } from './sampleChunk.js';
import type { StoredSample } from './store.js';

/** What a stored series is, for samples read by series id. */
export interface StoredSeries {
  metric: string;
  /** The series' labels, `host` included; one object per series. */
  labels: Record<string, string>;
}

/** One source of a block's samples, in time order: a series' compressed chunk, or the block's hot samples. */
export interface SampleSource {
  /** The series of every sample of a chunk; -1 when `seriesIds` names each sample's. */
  seriesId: number;
  seriesIds: Uint32Array | undefined;
  times: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Texts by position in `times`, when any sample has one. */
  texts: ReadonlyMap<number, string> | undefined;
  /** The positions of the samples within the block's window: [start, end). */
  start: number;
  end: number;
}

/** The samples of one block within [fromMs, toMs] (a window inside the block), by source in stored order. */
export interface SampleBlock {
  fromMs: number;
  toMs: number;
  sources: SampleSource[];
}

/** Every stored sample of a range as blocks of columns, and the series they belong to. */
export interface SampleBlocks {
  series: ReadonlyMap<number, StoredSeries>;
  blocks: Iterable<SampleBlock>;
}

/** Receives a sample of series `seriesId` (unknown ids included: the caller skips them). */
export type SampleVisitor = (seriesId: number, atMs: number, value: number, text: string | undefined) => void;

/** The widest window a block may have: its times less fromMs and a run number must make an exact key (see BlockCursor). */
const MAX_WINDOW_MS = 2 ** 22;
const RUN_SHIFT = 2 ** 31;

/**
 * The chunks of one block as sources of the window [fromMs, toMs], in their stored order: each
 * chunk's source, or undefined when none of its samples lie there. A chunk's times are decoded at
 * once, its values the first time they are read: a replay that needs only when a series reported
 * (the series no rule reads) never decodes them. Their columns come from one column arena
 * (columnArena.ts), and a chunk with the times of the chunk decoded before it (the next series of
 * the same host) shares that chunk's times array (see decodeSeriesChunkTimes), which the
 * BlockCursor then walks once for both.
 */
export function createChunkSources(fromMs: number, toMs: number): (chunk: SeriesChunkRow) => SampleSource | undefined {
  const allocate = createColumnArena();
  let previous: ChunkTimes | undefined;
  return (chunk) => {
    if (chunk.last_at_ms < fromMs || chunk.first_at_ms > toMs) return undefined;
    const decoded = decodeSeriesChunkTimes(chunk.data, allocate, previous);
    previous = decoded;
    let times: ArrayLike<number> = decoded.times;
    let values: ArrayLike<number> | undefined;
    let texts = chunk.texts === null ? undefined : decodeTexts(chunk.texts);
    if (!isSorted(times)) ({ times, values, texts } = sortedColumns(times, decoded.values(), texts));
    // Binary searches of the sorted times: a chunk mostly lies in the window whole.
    const start = firstPast(times, 0, fromMs, false);
    const end = firstPast(times, start, toMs, true);
    if (start === end) return undefined;
    return values === undefined ? new ChunkSource(chunk.series_id, times, decoded.values, texts, start, end) : { seriesId: chunk.series_id, seriesIds: undefined, times, values, texts, start, end };
  };
}

/** The first position from `low` on of the sorted `times` past `limit` (or at it, unless `pastOnly`); times.length when none. */
function firstPast(times: ArrayLike<number>, low: number, limit: number, pastOnly: boolean): number {
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const time = times[middle]!;
    if (time < limit || (pastOnly && time === limit)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A chunk's samples whose values are decoded when first read (see createChunkSources; `readValues` decodes once). */
class ChunkSource implements SampleSource {
  readonly seriesIds = undefined;

  constructor(
    readonly seriesId: number,
    readonly times: ArrayLike<number>,
    private readonly readValues: () => ArrayLike<number>,
    readonly texts: ReadonlyMap<number, string> | undefined,
    readonly start: number,
    readonly end: number,
  ) {}

  get values(): ArrayLike<number> {
    return this.readValues();
  }
}

/** The samples of hot rows (in their stored order) within [fromMs, toMs], as one source in time order (stored order among equal times). */
export function hotSource(rows: Iterable<HotChunk>, fromMs: number, toMs: number): SampleSource | undefined {
  const ids: number[] = [];
  const times: number[] = [];
  const values: number[] = [];
  let texts: Map<number, string> | undefined;
  for (const row of rows) {
    const rowTexts = row.texts === null ? undefined : decodeTexts(row.texts);
    for (const s of decodeChunk(row.base_at_ms, row.samples)) {
      if (s.atMs < fromMs || s.atMs > toMs) continue;
      const text = rowTexts?.get(s.index);
      if (text !== undefined) (texts ??= new Map()).set(times.length, text);
      ids.push(s.seriesId);
      times.push(s.atMs);
      values.push(s.value);
    }
  }
  if (times.length === 0) return undefined;
  if (isSorted(times)) return { seriesId: -1, seriesIds: Uint32Array.from(ids), times, values, texts, start: 0, end: times.length };
  const order = stableTimeOrder(times);
  const sorted = sortedColumns(times, values, texts, order);
  return { seriesId: -1, seriesIds: Uint32Array.from(order, (i) => ids[i]!), times: sorted.times, values: sorted.values, texts: sorted.texts, start: 0, end: times.length };
}

/**
 * Hands a block's samples on in time order, samples of one time in the order of their sources
 * (and of their positions in a source): the order of a stable sort of the sources' samples
 * concatenated, which is the store's order. Call `visitUntil` with rising bounds.
 *
 * Why no sort of the samples is needed: in one call, the sources are walked in order and each
 * source's samples below the bound taken in time order; consecutive samples of one time form a run.
 * The samples of one time then appear in stored order across the runs that hold them, so sorting
 * the runs by (time, run number) gives the stable order. A run's key is (time - fromMs) * 2^31 + its
 * number, exact in a double for a window under 2^22 ms; one Float64Array sort per call.
 *
 * Consecutive sources with the same times in their windows (a host's series, which share its report
 * times) are walked as one group: the walk takes the group's positions below the bound once, in its
 * first source's window, and each of them stands for the sample at that place of every source's
 * window, handed on source by source. That is the order above: among samples of one time, a group's
 * sources come in their stored order, after the sources before the group and before those after it.
 * A block of 100 hosts' 12 series is walked as 100 groups, and a step reads one time a host rather
 * than one a series. The windows may lie at different places of their columns (a block unpacked
 * from another thread's buffer: see blockTransport.ts).
 */
export class BlockCursor {
  // Per group: its first source (and, one past its end, the next group's), its times (those of each
  // of its sources), where its samples end and the next one not handed on yet.
  private readonly groupFirst: Int32Array;
  private readonly groupTimes: Array<ArrayLike<number>>;
  private readonly groupEnds: Int32Array;
  private readonly positions: Int32Array;
  /** A source's series, or -1 when its `seriesIds` names each sample's. */
  private readonly seriesIds: Float64Array;
  /** Where a source's window starts less where its group's first source's does (positions are the first's). */
  private readonly shifts: Int32Array;
  /** Each source's values once a sample of it was handed on (read then: see createChunkSources). */
  private readonly values: Array<ArrayLike<number> | undefined>;
  private readonly hasTexts: boolean;
  private entryGroups = new Int32Array(256);
  private entryPositions = new Int32Array(256);
  private runFirst = new Int32Array(64);
  private runKeys = new Float64Array(64);
  /** The time of the next sample, once a visit found it (positions move only there); NaN before. */
  private next = NaN;
  /** The time of the last sample handed on; -Infinity before the first. */
  lastAtMs = -Infinity;

  constructor(private readonly block: SampleBlock) {
    if (!(block.toMs - block.fromMs < MAX_WINDOW_MS)) throw new RangeError(`a sample block spans ${block.toMs - block.fromMs} ms, more than ${MAX_WINDOW_MS}`);
    const { sources } = block;
    const first: number[] = [];
    for (let s = 0; s < sources.length; s++) if (s === 0 || !sameTimes(sources[s - 1]!, sources[s]!)) first.push(s);
    first.push(sources.length);
    this.groupFirst = Int32Array.from(first);
    this.groupTimes = first.slice(0, -1).map((s) => sources[s]!.times);
    this.groupEnds = Int32Array.from(first.slice(0, -1), (s) => sources[s]!.end);
    this.positions = Int32Array.from(first.slice(0, -1), (s) => sources[s]!.start);
    this.seriesIds = Float64Array.from(sources, (source) => (source.seriesIds === undefined ? source.seriesId : -1));
    this.shifts = new Int32Array(sources.length);
    for (let g = 0; g + 1 < first.length; g++) for (let s = first[g]!; s < first[g + 1]!; s++) this.shifts[s] = sources[s]!.start - sources[first[g]!]!.start;
    this.values = new Array<ArrayLike<number> | undefined>(sources.length).fill(undefined);
    this.hasTexts = sources.some((source) => source.texts !== undefined);
  }

  /** The time of the next sample, Infinity when every sample was handed on. */
  nextAtMs(): number {
    if (!Number.isNaN(this.next)) return this.next;
    let next = Infinity;
    const { positions, groupTimes, groupEnds } = this;
    for (let g = 0; g < groupTimes.length; g++) {
      const p = positions[g]!;
      if (p < groupEnds[g]! && groupTimes[g]![p]! < next) next = groupTimes[g]![p]!;
    }
    return (this.next = next);
  }

  /** Hands every sample before `endMs` not handed on yet to `visit`, in order; returns how many. */
  visitUntil(endMs: number, visit: SampleVisitor): number {
    const { fromMs } = this.block;
    const { positions, groupTimes, groupEnds } = this;
    let entries = 0;
    let runs = 0;
    let runTime = NaN;
    let ordered = true;
    let lastKey = -Infinity;
    // The next sample's time, found on the way: the first time of each group not handed on.
    let next = Infinity;
    for (let g = 0; g < groupTimes.length; g++) {
      const times = groupTimes[g]!;
      const end = groupEnds[g]!;
      let p = positions[g]!;
      for (; p < end; p++) {
        const atMs = times[p]!;
        if (!(atMs < endMs)) {
          if (atMs < next) next = atMs;
          break;
        }
        if (atMs !== runTime) {
          runTime = atMs;
          if (runs + 1 >= this.runKeys.length) this.growRuns();
          const key = (atMs - fromMs) * RUN_SHIFT + runs;
          if (key < lastKey) ordered = false;
          lastKey = key;
          this.runKeys[runs] = key;
          this.runFirst[runs++] = entries;
        }
        if (entries >= this.entryGroups.length) this.growEntries();
        this.entryGroups[entries] = g;
        this.entryPositions[entries++] = p;
      }
      positions[g] = p;
    }
    this.next = next;
    this.runFirst[runs] = entries;
    const keys = this.runKeys.subarray(0, runs);
    if (!ordered) keys.sort();
    if (runs > 0) this.lastAtMs = fromMs + Math.floor(keys[runs - 1]! / RUN_SHIFT);
    let visited = 0;
    for (let k = 0; k < runs; k++) {
      const key = keys[k]!;
      const run = ordered ? k : key - Math.floor(key / RUN_SHIFT) * RUN_SHIFT;
      // The run's entries, a stretch of positions per group, each group's sources in turn.
      for (let e = this.runFirst[run]!, last = this.runFirst[run + 1]!; e < last; ) {
        const g = this.entryGroups[e]!;
        let stretch = e + 1;
        while (stretch < last && this.entryGroups[stretch] === g) stretch++;
        visited += this.visitGroup(g, e, stretch, visit);
        e = stretch;
      }
    }
    return visited;
  }

  /** Hands on the samples of group `g` at the positions of entries [first, last), source by source; returns how many. */
  private visitGroup(g: number, first: number, last: number, visit: SampleVisitor): number {
    const times = this.groupTimes[g]!;
    const sourcesEnd = this.groupFirst[g + 1]!;
    for (let s = this.groupFirst[g]!; s < sourcesEnd; s++) {
      const values = this.values[s] ?? this.valuesOf(s);
      const seriesId = this.seriesIds[s]!;
      const shift = this.shifts[s]!;
      for (let e = first; e < last; e++) {
        const p = this.entryPositions[e]!;
        const own = p + shift;
        visit(seriesId >= 0 ? seriesId : this.block.sources[s]!.seriesIds![own]!, times[p]!, values[own]!, this.hasTexts ? this.block.sources[s]!.texts?.get(own) : undefined);
      }
    }
    return (sourcesEnd - this.groupFirst[g]!) * (last - first);
  }

  private valuesOf(s: number): ArrayLike<number> {
    const values = this.block.sources[s]!.values;
    this.values[s] = values;
    return values;
  }

  private growEntries(): void {
    this.entryGroups = doubled(this.entryGroups);
    this.entryPositions = doubled(this.entryPositions);
  }

  private growRuns(): void {
    this.runFirst = doubled(this.runFirst);
    this.runKeys = doubled(this.runKeys);
  }
}

/** Whether two sources' windows hold the same times (checked time by time: a host's chunks may decode into arrays of their own). */
function sameTimes(a: SampleSource, b: SampleSource): boolean {
  const length = a.end - a.start;
  if (b.end - b.start !== length) return false;
  if (a.times === b.times && a.start === b.start) return true;
  for (let k = 0; k < length; k++) if (a.times[a.start + k] !== b.times[b.start + k]) return false;
  return true;
}

/** A typed array of twice the length holding `array` at its start. */
function doubled<T extends Int32Array | Float64Array>(array: T): T {
  const grown = new (array.constructor as new (length: number) => T)(array.length * 2);
  grown.set(array);
  return grown;
}

/** The block without the samples of series that `known` does not know (a source drops out, or the hot source loses those samples). */
export function knownSamples(block: SampleBlock, known: (seriesId: number) => boolean): SampleBlock {
  const sources: SampleSource[] = [];
  for (const source of block.sources) {
    if (source.seriesIds === undefined) {
      if (known(source.seriesId)) sources.push(source);
      continue;
    }
    const keep: number[] = [];
    for (let p = source.start; p < source.end; p++) if (known(source.seriesIds[p]!)) keep.push(p);
    if (keep.length === source.end - source.start) sources.push(source);
    else if (keep.length > 0) {
      const { times, values, texts } = sortedColumns(source.times, source.values, source.texts, keep);
      sources.push({ seriesId: -1, seriesIds: Uint32Array.from(keep, (p) => source.seriesIds![p]!), times, values, texts, start: 0, end: keep.length });
    }
  }
  return sources.length === block.sources.length && sources.every((source, i) => source === block.sources[i]) ? block : { ...block, sources };
}

/** The samples of `blocks` as Store.iterateSamples hands them out (samples of unknown series left out). */
export function* samplesOfBlocks({ series, blocks }: SampleBlocks): Iterable<StoredSample> {
  for (const block of blocks) {
    const samples: StoredSample[] = [];
    new BlockCursor(block).visitUntil(Infinity, (seriesId, atMs, value, text) => {
      const known = series.get(seriesId);
      if (known === undefined) return;
      samples.push(text === undefined ? { metric: known.metric, labels: known.labels, value, atMs } : { metric: known.metric, labels: known.labels, value, atMs, text });
    });
    yield* samples;
  }
}

function isSorted(times: ArrayLike<number>): boolean {
  for (let i = 1; i < times.length; i++) if (times[i]! < times[i - 1]!) return false;
  return true;
}

/** Positions ordered by time, equal times in position order. */
function stableTimeOrder(times: ArrayLike<number>): number[] {
  return Array.from({ length: times.length }, (_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
}

/** The samples at the positions `order` lists (by default all, in a stable order by time), texts moved with them. */
function sortedColumns(times: ArrayLike<number>, values: ArrayLike<number>, texts: ReadonlyMap<number, string> | undefined, order = stableTimeOrder(times)) {
  const moved = texts === undefined ? undefined : new Map<number, string>();
  order.forEach((from, to) => {
    const text = texts?.get(from);
    if (text !== undefined) moved!.set(to, text);
  });
  return { times: order.map((i) => times[i]!), values: order.map((i) => values[i]!), texts: moved };
}
