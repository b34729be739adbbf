/** A ProcReader over in-memory fixture files that a test can change between probe runs. */
import type { ProcReader } from '../../agent/procfs/procReader.js';

/** The reader and the mutable files behind it. */
export interface ProcFixture extends ProcReader {
  files: Record<string, string>;
}

/**
 * A reader whose `read(path)` and `readOnce(path)` return `files[path]`, or fail like a missing file;
 * `list` derives directories from the paths. `reads` counts the reads of each path.
 */
export function procFixture(files: Record<string, string>): ProcFixture & { reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const read = (path: string): string => {
    reads.set(path, (reads.get(path) ?? 0) + 1);
    const text = fixture.files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: /proc/${path}`), { code: 'ENOENT' });
    return text;
  };
  const fixture: ProcFixture & { reads: Map<string, number> } = {
    files,
    reads,
    read,
    readOnce: read,
    list(path) {
      const prefix = path === '' ? '' : `${path}/`;
      const names = new Set<string>();
      for (const file of Object.keys(fixture.files)) if (file.startsWith(prefix)) names.add(file.slice(prefix.length).split('/')[0]!);
      if (names.size === 0) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return [...names].sort();
    },
  };
  return fixture;
}
