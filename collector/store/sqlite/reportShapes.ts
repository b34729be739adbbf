/**
 * Per host, the shapes of its last reports and the series id of each sample by position. An agent
 * sends the same series in the same order every cycle, so a report whose shape text (ReportRecord.
 * shape) equals one of its host's last two takes those ids without a label being canonicalised or
 * looked up; any other report resolves its series in the series table. Two shapes, because agents
 * with a slower probe alternate between two.
 *
 * A shape text's first line names the host (reportShape); the rest, its body, is the same for every
 * host of one role (the same agent labels and series), so bodies are interned and shared: a host
 * costs its first line, its ids (as runs of consecutive ids, mostly one: IdRuns) and a reference, not a copy
 * of its series' labels (which made this cache the largest part of the collector's memory at
 * 10,000 agents, and the per-host copy of the body the next largest: 3.7 kB a host).
 */
import type { ReportShape } from '../store.js';

export interface ReportShapes {
  /** The series ids of the host's report of this shape, if it is one of its last two. */
  idsOf(hostId: number, shape: ReportShape): ArrayLike<number> | undefined;
  /** Records the ids of the host's report of this shape as its newest. */
  remember(hostId: number, shape: ReportShape, ids: readonly number[]): void;
  /** Forgets everything (ids minted in a rolled-back transaction no longer exist). */
  clear(): void;
}

interface Known {
  /** The shape's first line (its host), and the rest, interned. */
  head: string;
  body: string;
  /** The ids by position: as runs of consecutive ids (IdRuns), or each in 4 bytes (8 beyond 32 bits). */
  ids: IdRuns | Uint32Array | Float64Array;
  /** The host's other shape, if it has two: a field rather than an array of two, which cost 64 bytes a host. */
  older: Known | undefined;
}

/** How many hosts' shapes an interned body is shared by. */
interface Interned {
  text: string;
  hosts: number;
}

export function createReportShapes(): ReportShapes {
  const byHost = new Map<number, Known>();
  const bodies = new Map<string, Interned>();
  const intern = (body: string): string => {
    let entry = bodies.get(body);
    if (entry === undefined) bodies.set(body, (entry = { text: flat(body), hosts: 0 }));
    entry.hosts += 1;
    return entry.text;
  };
  const release = (body: string): void => {
    const entry = bodies.get(body);
    if (entry === undefined) return;
    entry.hosts -= 1;
    if (entry.hosts === 0) bodies.delete(body);
  };
  const same = (known: Known | undefined, shape: ReportShape): boolean => known !== undefined && known.head === shape.head && known.body === shape.body;
  return {
    idsOf(hostId, shape) {
      const newest = byHost.get(hostId);
      if (newest === undefined) return undefined;
      if (same(newest, shape)) return idsByPosition(newest.ids);
      const older = newest.older;
      if (older === undefined || !same(older, shape)) return undefined;
      // The newest first.
      newest.older = undefined;
      older.older = newest;
      byHost.set(hostId, older);
      return idsByPosition(older.ids);
    },
    remember(hostId, shape, ids) {
      const newest = byHost.get(hostId);
      // The one shape of the host's two kept beside the new one: not one of this text, and one at most.
      let kept = newest;
      if (newest !== undefined && same(newest, shape)) {
        release(newest.body);
        kept = newest.older;
      }
      if (kept?.older !== undefined) {
        release(kept.older.body);
        kept.older = undefined;
      }
      byHost.set(hostId, { head: flat(shape.head), body: intern(shape.body), ids: compactIds(ids), older: kept });
    },
    clear() {
      byHost.clear();
      bodies.clear();
    },
  };
}

/**
 * A copy of `text` that holds no reference to the string it was sliced from (V8 keeps the whole
 * parent of a sliced string alive): kept texts must not pin the report's whole shape.
 */
function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * Ids as runs of consecutive ones, `[first, count, first, count, ...]` in a plain array: a host's
 * series are minted together, in the order of its first report's samples, so its ids are one run,
 * or a few once it adds series. About 48 bytes and 16 a run, where a typed array of 60 ids took 424
 * (240 of ids, 184 of the ArrayBuffer and its view): a twentieth of what the collector keeps an
 * agent (see "Session 45" in docs/performance-history.md).
 */
type IdRuns = number[];

/**
 * The ids as runs where that is smaller than a typed array (fewer runs than 8 and a quarter of the
 * ids), else in 4 bytes each when all fit, else in 8.
 */
function compactIds(ids: readonly number[]): IdRuns | Uint32Array | Float64Array {
  const runs: IdRuns = [];
  let integers = true;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isSafeInteger(id)) integers = false;
    const last = runs.length - 2;
    if (last >= 0 && id === runs[last]! + runs[last + 1]!) runs[last + 1]! += 1;
    else runs.push(id, 1);
  }
  if (integers && runs.length / 2 < 8 + ids.length / 4) return runs;
  for (const id of ids) if (!(id >= 0 && id <= 0xffff_ffff && Number.isInteger(id))) return Float64Array.from(ids);
  return Uint32Array.from(ids);
}

/** The ids by position: runs made a new array (the caller's for the report it stores), the others as kept. */
function idsByPosition(ids: IdRuns | Uint32Array | Float64Array): ArrayLike<number> {
  if (!Array.isArray(ids)) return ids;
  const out: number[] = [];
  for (let r = 0; r < ids.length; r += 2) for (let id = ids[r]!, end = id + ids[r + 1]!; id < end; id++) out.push(id);
  return out;
}
