/**
 * Per host, the shapes of its last reports and the series id of each sample by position. An agent
 * sends the same series in the same order every cycle, so a report whose shape text (ReportRecord.
 * shape) equals one of its host's last two takes those ids without a label being canonicalised or
 * looked up; any other report resolves its series in the series table. Two shapes, because agents
 * with a slower probe alternate between two.
 *
 * Shape texts are interned: hosts of one role send equal shapes and share one copy, so a host costs
 * its ids (8 bytes a sample) and a reference, not a copy of its labels (which made this cache the
 * largest part of the collector's memory at 10,000 agents).
 */

export interface ReportShapes {
  /** The series ids of the host's report of this shape, if it is one of its last two. */
  idsOf(hostId: number, shape: string): Float64Array | undefined;
  /** Records the ids of the host's report of this shape as its newest. */
  remember(hostId: number, shape: string, ids: readonly number[]): void;
  /** Forgets everything (ids minted in a rolled-back transaction no longer exist). */
  clear(): void;
}

interface Known {
  shape: string;
  ids: Float64Array;
}

/** How many hosts' shapes an interned text is shared by. */
interface Interned {
  text: string;
  hosts: number;
}

export function createReportShapes(): ReportShapes {
  const byHost = new Map<number, Known[]>();
  const texts = new Map<string, Interned>();
  const intern = (shape: string): string => {
    let entry = texts.get(shape);
    if (entry === undefined) texts.set(shape, (entry = { text: shape, hosts: 0 }));
    entry.hosts += 1;
    return entry.text;
  };
  const release = (shape: string): void => {
    const entry = texts.get(shape);
    if (entry === undefined) return;
    entry.hosts -= 1;
    if (entry.hosts === 0) texts.delete(shape);
  };
  return {
    idsOf(hostId, shape) {
      const known = byHost.get(hostId);
      if (known === undefined) return undefined;
      if (known[0]?.shape === shape) return known[0].ids;
      if (known[1]?.shape !== shape) return undefined;
      known.reverse(); // the newest first
      return known[0]!.ids;
    },
    remember(hostId, shape, ids) {
      const known = byHost.get(hostId) ?? [];
      const same = known.findIndex((k) => k.shape === shape);
      if (same >= 0) release(known.splice(same, 1)[0]!.shape);
      known.unshift({ shape: intern(shape), ids: Float64Array.from(ids) });
      while (known.length > 2) release(known.pop()!.shape);
      byHost.set(hostId, known);
    },
    clear() {
      byHost.clear();
      texts.clear();
    },
  };
}
