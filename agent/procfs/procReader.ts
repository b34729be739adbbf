/**
 * Reads files under a proc root. The root is a dependency so that tests feed fixtures and an agent
 * in a container can read the host's `/proc` mounted elsewhere (as node_exporter's --path.procfs).
 *
 * The real reader reads synchronously on purpose: `/proc` and `/sys` files are generated in memory
 * by the kernel and a read returns in tens of microseconds, whereas an fs.promises read costs four
 * thread-pool round trips (open, fstat, read, close) and several times the CPU. Anything that can
 * block (statfs of a network mount) stays asynchronous with a timeout in its own probe.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads one file below the proc root as text. */
export interface ProcReader {
  /** `path` is relative to the root, e.g. `stat` or `net/dev`. */
  read(path: string): Promise<string>;
  /** Names in a directory below the root (e.g. `''` for the pids, `class/hwmon` under /sys). */
  list(path: string): Promise<string[]>;
}

/** A reader of the real `/proc` (or of `root` when given, e.g. `/sys`). */
export function createProcReader({ root = '/proc' }: { root?: string } = {}): ProcReader {
  return {
    read: async (path) => readFileSync(join(root, path), 'utf8'),
    list: async (path) => readdirSync(join(root, path)),
  };
}
