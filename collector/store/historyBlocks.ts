/**
 * The engine-neutral part of stored history (issue 15): how hot report chunks of one host and one
 * block become per-series compressed chunks and rollups, and how rows of either form decode into
 * points. The SQLite and PostgreSQL engines differ only in the SQL around these.
 */
import { type RollupBucket, ROLLUP_BUCKET_MS, type SeriesPoint } from '../domain/history.js';
import { addToBuckets, bucketStart } from '../history/rollupBuckets.js';
import { decodeSeriesChunk, encodeSeriesChunk } from '../history/seriesChunkCodec.js';
import { decodeChunk, decodeTexts, forEachSample } from './sampleChunk.js';

/** The block of time one compressed chunk covers (by the base time of the reports it came from). */
export const BLOCK_MS = 3_600_000;
/**
 * A hot row whose samples reach this far past its base time or further is "spanning": the engines
 * find those through a partial index that holds only them; the rest by base time.
 */
export const SPANNING_MS = 3_600_000;
/** How many of a host's newest hot reports are searched at a time for a series missing from its last one (then the rest). */
export const LATEST_SEARCH_REPORTS = 40;

/** A sample with the series it belongs to, as the time-ordered replay reads them. */
export interface SeriesSampleRow extends SeriesPoint {
  seriesId: number;
}

/** A hot row: one report's samples (sampleChunk.ts) and their texts. */
export interface HotChunk {
  host_id?: number;
  sequence?: number;
  base_at_ms: number;
  samples: Buffer;
  texts: string | null;
}

/** A compressed chunk of one series (seriesChunkCodec.ts). */
export interface SeriesChunkRow {
  series_id: number;
  first_at_ms: number;
  last_at_ms: number;
  data: Buffer;
  texts: string | null;
}

/** One series' compressed chunk of one block of sample time, and its rollups, as compaction writes them. */
export interface CompactedSeries {
  seriesId: number;
  /** The block of sample time the chunk holds (a report's samples may reach past its base block). */
  blockStartMs: number;
  firstAtMs: number;
  lastAtMs: number;
  sampleCount: number;
  data: Buffer;
  texts: string | null;
  rollups5m: RollupBucket[];
  rollups1h: RollupBucket[];
}

/** What compacting one host's block of hot rows produces. */
export interface CompactedBlock {
  chunks: CompactedSeries[];
  /** How many series the chunks are of. */
  series: number;
  /** The chunk part: the first report sequence it holds. */
  part: number;
  /** Consecutive runs of the compacted sequences, as [first, last]. */
  sequenceRuns: Array<[number, number]>;
  reports: number;
  samples: number;
}

/** A host's hot rows of one block, read outside any transaction for a compaction in steps (Store.readHotBlock). */
export interface HotBlock {
  hostId: number;
  blockStartMs: number;
  rows: Array<HotChunk & { sequence: number }>;
}

/** Room for a series' points that compaction starts with (240 is an hour of a report every 15 s). */
const FIRST_ROOM = 256;
/** Hot rows decoded per step of compactRowsInSteps before it yields. */
const ROWS_PER_STEP = 64;

/**
 * Groups hot rows by series and block of sample time, so a chunk never holds a sample outside its
 * block, and encodes each group's points (time-ordered) with its rollups.
 */
export function compactRows(rows: ReadonlyArray<HotChunk & { sequence: number }>): CompactedBlock {
  const steps = compactRowsInSteps(rows);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * The points of one series in one block as compaction gathers them: columns outside V8's heap
 * (about 3.8 kB for a series' hour at 15 s) rather than an object a sample. A host's hour stays in
 * memory across the steps of its compaction, long enough for the young generation's collections
 * to promote what is on the heap: 14,400 point objects a host-hour of 60 series made the old
 * generation grow by about 25 MB a second while a pass ran at 10,000 agents, and its collections
 * held the event loop 100-200 ms every 6 s (docs/performance-history.md, "Ingest while a pass runs").
 */
interface GatheredPoints {
  times: Float64Array;
  values: Float64Array;
  length: number;
  /** Texts by position in the columns, when any sample has one. */
  texts?: Map<number, string>;
}

/**
 * compactRows in steps: yields after every ROWS_PER_STEP rows decoded and after every chunk
 * encoded, so that a caller can give the event loop back between steps (ingest goes on meanwhile);
 * returns the block.
 */
export function* compactRowsInSteps(rows: ReadonlyArray<HotChunk & { sequence: number }>): Generator<void, CompactedBlock> {
  const bySeries = new Map<number, Map<number, GatheredPoints>>();
  // A series has a sample in most of a block's reports: room for one each (an hour at 15 s), doubled
  // when a series has more; at most FIRST_ROOM, so that a host of many sparse series does not hold
  // an hour's room for each.
  const firstRoom = Math.min(Math.max(rows.length, 1), FIRST_ROOM);
  let samples = 0;
  let texts: ReadonlyMap<number, string> = new Map();
  const gather = (seriesId: number, atMs: number, value: number, index: number): void => {
    let blocks = bySeries.get(seriesId);
    if (blocks === undefined) bySeries.set(seriesId, (blocks = new Map()));
    const block = bucketStart(atMs, BLOCK_MS);
    let points = blocks.get(block);
    if (points === undefined) blocks.set(block, (points = { times: new Float64Array(firstRoom), values: new Float64Array(firstRoom), length: 0 }));
    else if (points.length === points.times.length) {
      points.times = grown(points.times, points.length);
      points.values = grown(points.values, points.length);
    }
    const text = texts.get(index);
    if (text !== undefined) (points.texts ??= new Map()).set(points.length, text);
    points.times[points.length] = atMs;
    points.values[points.length++] = value;
    samples++;
  };
  for (const [rowIndex, row] of rows.entries()) {
    if (rowIndex > 0 && rowIndex % ROWS_PER_STEP === 0) yield;
    texts = decodeTexts(row.texts);
    forEachSample(row.base_at_ms, row.samples, gather);
  }
  const sequences = rows.map((r) => r.sequence).sort((a, b) => a - b);
  const chunks: CompactedSeries[] = [];
  for (const [seriesId, blocks] of bySeries) {
    for (const [blockStartMs, points] of blocks) {
      yield;
      // Plain arrays for the encoder, made and dropped within this step.
      const { times, values, texts: pointTexts } = inTimeOrderColumns(points);
      chunks.push({
        seriesId,
        blockStartMs,
        firstAtMs: times[0]!,
        lastAtMs: times[times.length - 1]!,
        sampleCount: times.length,
        data: encodeSeriesChunk({ times, values }),
        texts: pointTexts === undefined ? null : JSON.stringify(Object.fromEntries(pointTexts)),
        rollups5m: [...addToBuckets(new Map(), times, values, ROLLUP_BUCKET_MS['5m']).values()],
        rollups1h: [...addToBuckets(new Map(), times, values, ROLLUP_BUCKET_MS['1h']).values()],
      });
    }
  }
  return { chunks, series: bySeries.size, part: sequences[0] ?? 0, sequenceRuns: runs(sequences), reports: rows.length, samples };
}

/** A column twice as long, with the first `length` numbers of `column`. */
function grown(column: Float64Array, length: number): Float64Array {
  const more = new Float64Array(column.length * 2);
  more.set(column.subarray(0, length));
  return more;
}

/**
 * Gathered points as plain arrays in time order; points of one time keep the order they were
 * gathered in (a stable sort, only when the rows were not in time order already).
 */
function inTimeOrderColumns(points: GatheredPoints): { times: number[]; values: number[]; texts?: Map<number, string> } {
  const { length } = points;
  let ordered = true;
  for (let i = 1; i < length && ordered; i++) ordered = points.times[i - 1]! <= points.times[i]!;
  if (ordered) {
    const columns = { times: Array.from(points.times.subarray(0, length)), values: Array.from(points.values.subarray(0, length)) };
    return points.texts === undefined ? columns : { ...columns, texts: points.texts };
  }
  const order = Array.from({ length }, (_, i) => i).sort((a, b) => points.times[a]! - points.times[b]!);
  const times = order.map((i) => points.times[i]!);
  const values = order.map((i) => points.values[i]!);
  if (points.texts === undefined) return { times, values };
  const texts = new Map<number, string>();
  order.forEach((from, to) => {
    const text = points.texts!.get(from);
    if (text !== undefined) texts.set(to, text);
  });
  return { times, values, texts };
}

/** The samples of a hot row with `fromMs <= atMs <= toMs` (of `wanted` series when given), each with its series id. */
export function pushHotPoints(rows: SeriesSampleRow[], chunk: HotChunk, fromMs: number, toMs: number, wanted?: number | ReadonlySet<number>): void {
  const texts = decodeTexts(chunk.texts);
  for (const s of decodeChunk(chunk.base_at_ms, chunk.samples, wanted)) {
    if (s.atMs >= fromMs && s.atMs <= toMs) rows.push(withText({ atMs: s.atMs, value: s.value, seriesId: s.seriesId }, texts.get(s.index)));
  }
}

/** Orders rows by time, keeping the stored order among rows of one time (grouping by time, then sorting the distinct times). */
export function inTimeOrder(rows: SeriesSampleRow[]): SeriesSampleRow[] {
  const byTime = new Map<number, SeriesSampleRow[]>();
  for (const row of rows) {
    const list = byTime.get(row.atMs);
    if (list === undefined) byTime.set(row.atMs, [row]);
    else list.push(row);
  }
  const times = Float64Array.from(byTime.keys()).sort();
  const ordered: SeriesSampleRow[] = [];
  for (const time of times) for (const row of byTime.get(time)!) ordered.push(row);
  return ordered;
}

/** Decodes a chunk's points within [fromMs, toMs] onto `points`, each with `seriesId` when given. */
export function pushChunkPoints(points: SeriesPoint[], chunk: SeriesChunkRow, fromMs: number, toMs: number): void;
export function pushChunkPoints(points: SeriesSampleRow[], chunk: SeriesChunkRow, fromMs: number, toMs: number, seriesId: number): void;
export function pushChunkPoints(points: Array<SeriesPoint | SeriesSampleRow>, chunk: SeriesChunkRow, fromMs: number, toMs: number, seriesId?: number): void {
  const { times, values } = decodeSeriesChunk(chunk.data);
  const texts = chunk.texts === null ? undefined : (JSON.parse(chunk.texts) as Record<string, string>);
  for (let i = 0; i < times.length; i++) {
    const atMs = times[i]!;
    if (atMs < fromMs || atMs > toMs) continue;
    const point: SeriesPoint | SeriesSampleRow = seriesId === undefined ? { atMs, value: values[i]! } : { atMs, value: values[i]!, seriesId };
    const text = texts?.[i];
    if (text !== undefined) point.text = text;
    points.push(point);
  }
}

/**
 * One series' samples as columns, in time order: what a long read of one series hands on without
 * an object per sample (a week of a 15 s series is 40,320 of them). `texts` by index, when any.
 */
export interface SeriesColumns {
  times: number[];
  values: number[];
  texts?: Map<number, string>;
}

/**
 * The samples within [fromMs, toMs] of series `seriesId` in its compressed chunks (in block order)
 * and its host's hot rows, as columns in time order (samples of one time in the order read).
 */
export function collectSeriesColumns(chunks: Iterable<SeriesChunkRow>, hot: Iterable<HotChunk>, seriesId: number, fromMs: number, toMs: number): SeriesColumns {
  const times: number[] = [];
  const values: number[] = [];
  let texts: Map<number, string> | undefined;
  const addText = (text: string | undefined) => {
    if (text !== undefined) (texts ??= new Map()).set(times.length - 1, text);
  };
  for (const chunk of chunks) {
    if (chunk.last_at_ms < fromMs || chunk.first_at_ms > toMs) continue;
    const decoded = decodeSeriesChunk(chunk.data);
    const chunkTexts = chunk.texts === null ? undefined : (JSON.parse(chunk.texts) as Record<string, string>);
    for (let i = 0; i < decoded.times.length; i++) {
      const atMs = decoded.times[i]!;
      if (atMs < fromMs || atMs > toMs) continue;
      times.push(atMs);
      values.push(decoded.values[i]!);
      if (chunkTexts !== undefined) addText(chunkTexts[i]);
    }
  }
  for (const row of hot) {
    const samples = decodeChunk(row.base_at_ms, row.samples, seriesId);
    if (samples.length === 0) continue;
    const rowTexts = row.texts === null ? undefined : decodeTexts(row.texts);
    for (const s of samples) {
      if (s.atMs < fromMs || s.atMs > toMs) continue;
      times.push(s.atMs);
      values.push(s.value);
      addText(rowTexts?.get(s.index));
    }
  }
  return inOrder({ times, values, ...(texts === undefined ? {} : { texts }) });
}

/** Columns sorted by time (a stable sort, done only when they are out of order: chunks and hot rows mostly come in order). */
function inOrder(columns: SeriesColumns): SeriesColumns {
  const { times } = columns;
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) sorted = times[i - 1]! <= times[i]!;
  if (sorted) return columns;
  const order = Array.from(times.keys()).sort((a, b) => times[a]! - times[b]! || a - b);
  const texts = columns.texts === undefined ? undefined : new Map<number, string>();
  order.forEach((from, to) => {
    const text = columns.texts?.get(from);
    if (text !== undefined) texts!.set(to, text);
  });
  return { times: order.map((i) => times[i]!), values: order.map((i) => columns.values[i]!), ...(texts === undefined ? {} : { texts }) };
}

/** Columns as points (for the reads that want objects). */
export function columnsToPoints(columns: SeriesColumns): SeriesPoint[] {
  const points = new Array<SeriesPoint>(columns.times.length);
  for (let i = 0; i < points.length; i++) {
    const text = columns.texts?.get(i);
    points[i] = text === undefined ? { atMs: columns.times[i]!, value: columns.values[i]! } : { atMs: columns.times[i]!, value: columns.values[i]!, text };
  }
  return points;
}

/** Hands a compressed chunk's points within [fromMs, toMs] to `visit` (no rows built). */
export function visitChunkPoints(chunk: SeriesChunkRow, seriesId: number, fromMs: number, toMs: number, visit: (seriesId: number, atMs: number, value: number) => void): void {
  if (chunk.last_at_ms < fromMs || chunk.first_at_ms > toMs) return;
  const { times, values } = decodeSeriesChunk(chunk.data);
  for (let i = 0; i < times.length; i++) if (times[i]! >= fromMs && times[i]! <= toMs) visit(seriesId, times[i]!, values[i]!);
}

/** Rows of several series (rollup steps) by series id, in their order, without the id. */
export function groupBySeries<T extends { seriesId: number }>(rows: readonly T[]): Map<number, Array<Omit<T, 'seriesId'>>> {
  const bySeries = new Map<number, Array<Omit<T, 'seriesId'>>>();
  for (const { seriesId, ...rest } of rows) {
    let list = bySeries.get(seriesId);
    if (list === undefined) bySeries.set(seriesId, (list = []));
    list.push(rest);
  }
  return bySeries;
}

/** Hands a hot row's samples of `seriesIds` within [fromMs, toMs] to `visit` (no rows built). */
export function visitHotPoints(chunk: HotChunk, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number, visit: (seriesId: number, atMs: number, value: number) => void): void {
  for (const s of decodeChunk(chunk.base_at_ms, chunk.samples, seriesIds)) if (s.atMs >= fromMs && s.atMs <= toMs) visit(s.seriesId, s.atMs, s.value);
}

/** Keeps, per wanted series, the newest sample of a hot row. */
export function takeNewest(found: Map<number, SeriesPoint>, row: HotChunk, wanted: ReadonlySet<number>): void {
  // One wanted series (a metric across the fleet) is compared as a number, not looked up in a set, per sample.
  const filter = wanted.size === 1 ? wanted.values().next().value! : wanted;
  const samples = decodeChunk(row.base_at_ms, row.samples, filter);
  if (samples.length === 0) return;
  const texts = decodeTexts(row.texts);
  for (const s of samples) {
    const current = found.get(s.seriesId);
    if (current === undefined || s.atMs > current.atMs) found.set(s.seriesId, withText({ atMs: s.atMs, value: s.value }, texts.get(s.index)));
  }
}

/** The newest point of a compressed chunk, if it has one. */
export function newestOfChunk(chunk: SeriesChunkRow): SeriesPoint | undefined {
  const points: SeriesPoint[] = [];
  pushChunkPoints(points, chunk, -Infinity, Infinity);
  return points.reduce<SeriesPoint | undefined>((best, p) => (best === undefined || p.atMs >= best.atMs ? p : best), undefined);
}

/** The point with its text, when it has one (no `text` key otherwise). */
export function withText<T extends SeriesPoint>(point: T, text: string | undefined): T {
  if (text !== undefined) point.text = text;
  return point;
}

/** Consecutive runs of sorted integers as [first, last] pairs. */
function runs(sorted: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}
