/**
 * Reads files under a proc root. The root is a dependency so that tests feed fixtures and an agent
 * in a container can read the host's `/proc` mounted elsewhere (as node_exporter's --path.procfs).
 */
import { readdir, readFile } from 'node:fs/promises';
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
  return { read: (path) => readFile(join(root, path), 'utf8'), list: (path) => readdir(join(root, path)) };
}
