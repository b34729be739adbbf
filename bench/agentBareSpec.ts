/**
 * What the bare agent (agentBare.ts) reads, from the running agent itself: the `/proc` and `/sys`
 * files it keeps open (its file descriptors' targets, its own `/proc/PID/...` as `/proc/self/...`),
 * the mount points its report has filesystems of, and its number of observations a report.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import type { Report } from '../contract/report.js';

export interface BareSpec {
  files: string[];
  mounts: string[];
  values: number;
}

/** The spec from the targets of the agent's descriptors (`links`), its pid and one full report of it. */
export function bareSpecOf(links: readonly string[], pid: number, report: Report): BareSpec {
  const own = `/proc/${pid}/`;
  const files = [...new Set(links.filter((link) => link.startsWith('/proc/') || link.startsWith('/sys/')).map((link) => (link.startsWith(own) ? `/proc/self/${link.slice(own.length)}` : link)))].sort();
  const mounts = [...new Set(report.observations.filter((o) => o.metric === 'filesystem_size_bytes').map((o) => o.labels?.mount).filter((mount): mount is string => typeof mount === 'string'))].sort();
  if (files.length === 0) throw new Error(`the agent (pid ${pid}) has no /proc or /sys file open: nothing for the bare agent to read`);
  return { files, mounts, values: report.observations.length };
}

/** The targets of process `pid`'s open file descriptors (those that are gone by the time they are read left out). */
export function descriptorTargets(pid: number): string[] {
  const targets: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      targets.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // Closed between the listing and the read.
    }
  }
  return targets;
}
