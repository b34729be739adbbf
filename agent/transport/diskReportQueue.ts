/**
 * The on-disk `ReportQueue` (the spool): one file per report, `<sequence>.json.gz`, holding the
 * gzip body exactly as it will be POSTed, so a report keeps its original timestamps and sequence
 * number across an agent restart. Each file is written atomically (temporary file, fsync, rename,
 * fsync of the directory), so a crash leaves a report either whole or absent, never torn.
 *
 * Bounded by count and bytes: when over a bound, the oldest reports are deleted first (the newest
 * is always kept). The caller counts the drops (`agent_reports_dropped_total{reason="spool_full"}`).
 * The index of what is spooled is kept in memory, so `peek` and `size` cost no directory scan.
 */
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueuedReport, ReportQueue } from './reportQueue.js';

/** Where and how much to spool. */
export interface DiskReportQueueOptions {
  /** The spool directory; created (mode 0700) when missing. */
  directory: string;
  maxReports: number;
  /** Sum of the spooled (compressed) files. */
  maxBytes: number;
  /**
   * Where reports the collector refused for good are kept (mode 0700), the newest
   * MAX_REJECTED_KEPT of them; without it they are deleted.
   */
  rejectedDirectory?: string;
}

/** How many refused reports the rejected directory keeps (the oldest go first). */
export const MAX_REJECTED_KEPT = 100;

const FILE_PATTERN = /^(\d{1,16})\.json\.gz$/;
const TEMPORARY_SUFFIX = '.tmp';

interface Entry {
  sequence: number;
  bytes: number;
}

/** The name of the spool file of a report. */
export function spoolFileName(sequence: number): string {
  return `${String(sequence).padStart(16, '0')}.json.gz`;
}

/**
 * Opens the spool, indexing what an earlier run left in it (oldest first) and deleting temporary
 * files a crash left behind. Applies the bounds at once, so a smaller configured bound takes effect.
 */
export async function openDiskReportQueue({ directory, maxReports, maxBytes, rejectedDirectory }: DiskReportQueueOptions): Promise<ReportQueue & { droppedAtOpen: number }> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const entries: Entry[] = [];
  for (const name of await readdir(directory)) {
    if (name.endsWith(TEMPORARY_SUFFIX)) {
      await unlink(join(directory, name)).catch(() => undefined);
      continue;
    }
    const match = FILE_PATTERN.exec(name);
    if (match === null) continue;
    const info = await stat(join(directory, name));
    entries.push({ sequence: Number(match[1]), bytes: info.size });
  }
  entries.sort((a, b) => a.sequence - b.sequence);
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  const path = (sequence: number) => join(directory, spoolFileName(sequence));

  async function dropOldestOverBounds(): Promise<number> {
    let dropped = 0;
    while (entries.length > 1 && (entries.length > maxReports || bytes > maxBytes)) {
      const oldest = entries.shift()!;
      bytes -= oldest.bytes;
      await unlink(path(oldest.sequence)).catch(ignoreMissing);
      dropped += 1;
    }
    return dropped;
  }

  const droppedAtOpen = await dropOldestOverBounds();
  /** Pushes still writing their file: until they are done, `entries` does not count them yet. */
  let pushing = 0;
  return {
    droppedAtOpen,
    async push(report) {
      pushing += 1;
      try {
        await writeAtomically(directory, path(report.sequence), report.gzipBody);
      } finally {
        pushing -= 1;
      }
      const existing = entries.findIndex((e) => e.sequence === report.sequence);
      if (existing >= 0) bytes -= entries.splice(existing, 1)[0]!.bytes;
      entries.push({ sequence: report.sequence, bytes: report.gzipBody.length });
      if (entries.length > 1 && entries[entries.length - 2]!.sequence > report.sequence) entries.sort((a, b) => a.sequence - b.sequence);
      bytes += report.gzipBody.length;
      return dropOldestOverBounds();
    },
    async peek(): Promise<QueuedReport | undefined> {
      while (entries.length > 0) {
        const head = entries[0]!;
        try {
          return { sequence: head.sequence, gzipBody: await readFile(path(head.sequence)) };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          entries.shift();
          bytes -= head.bytes;
        }
      }
      return undefined;
    },
    async remove(sequence) {
      const index = entries.findIndex((e) => e.sequence === sequence);
      if (index < 0) return;
      bytes -= entries.splice(index, 1)[0]!.bytes;
      await unlink(path(sequence)).catch(ignoreMissing);
    },
    async setAside(report) {
      const index = entries.findIndex((e) => e.sequence === report.sequence);
      if (index >= 0) bytes -= entries.splice(index, 1)[0]!.bytes;
      if (rejectedDirectory === undefined) return unlink(path(report.sequence)).catch(ignoreMissing);
      await mkdir(rejectedDirectory, { recursive: true, mode: 0o700 });
      const aside = join(rejectedDirectory, spoolFileName(report.sequence));
      await rename(path(report.sequence), aside).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        await writeAtomically(rejectedDirectory, aside, report.gzipBody);
      });
      const kept = (await readdir(rejectedDirectory)).filter((name) => FILE_PATTERN.test(name)).sort();
      for (const name of kept.slice(0, Math.max(0, kept.length - MAX_REJECTED_KEPT))) await unlink(join(rejectedDirectory, name)).catch(ignoreMissing);
    },
    async size() {
      return entries.length;
    },
    sizeNow: () => (pushing === 0 ? entries.length : undefined),
  };
}

async function writeAtomically(directory: string, file: string, body: Buffer): Promise<void> {
  const temporary = `${file}.${process.pid}${TEMPORARY_SUFFIX}`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

/**
 * A disk queue that opens on first use, so the agent can be built synchronously. Reports an
 * earlier run spooled beyond the bounds count as dropped on the first push.
 */
export function createDiskReportQueue(options: DiskReportQueueOptions): ReportQueue {
  let opened: Promise<ReportQueue & { droppedAtOpen: number }> | undefined;
  /** The queue once open, for `sizeNow`. */
  let ready: ReportQueue | undefined;
  let droppedAtOpen = 0;
  const queue = () => {
    opened ??= openDiskReportQueue(options).then((q) => {
      droppedAtOpen = q.droppedAtOpen;
      ready = q;
      return q;
    });
    return opened;
  };
  return {
    async push(report) {
      const dropped = await (await queue()).push(report);
      const earlier = droppedAtOpen;
      droppedAtOpen = 0;
      return dropped + earlier;
    },
    peek: async () => (await queue()).peek(),
    remove: async (sequence) => (await queue()).remove(sequence),
    setAside: async (report) => (await queue()).setAside(report),
    size: async () => (await queue()).size(),
    sizeNow: () => ready?.sizeNow?.(),
  };
}
