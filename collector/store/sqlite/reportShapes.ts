/**
 * Per host, the shapes of its last reports and the series id of each sample by position. An agent
 * sends the same series in the same order every cycle, so a report whose shape text (ReportRecord.
 * shape) equals one of its host's last two takes those ids without a label being canonicalised or
 * looked up; any other report resolves its series in the series table. Two shapes, because agents
 * with a slower probe alternate between two.
 *
 * A shape text's first line names the host (reportShape); the rest, its body, is the same for every
 * host of one role (the same agent labels and series), so bodies are interned and shared: a host
 * costs its first line, its ids (4 bytes a sample while ids fit 32 bits) and a reference, not a copy
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
  ids: Uint32Array | Float64Array;
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
      if (same(newest, shape)) return newest.ids;
      const older = newest.older;
      if (older === undefined || !same(older, shape)) return undefined;
      // The newest first.
      newest.older = undefined;
      older.older = newest;
      byHost.set(hostId, older);
      return older.ids;
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

/** Ids in 4 bytes each when all fit, else in 8. */
function compactIds(ids: readonly number[]): Uint32Array | Float64Array {
  for (const id of ids) if (!(id >= 0 && id <= 0xffff_ffff && Number.isInteger(id))) return Float64Array.from(ids);
  return Uint32Array.from(ids);
}
