/** A ProcReader over in-memory fixture files that a test can change between probe runs. */
import type { ProcReader } from '../../agent/procfs/procReader.js';

/** The reader and the mutable files behind it. */
export interface ProcFixture extends ProcReader {
  files: Record<string, string>;
}

/** A reader whose `read(path)` returns `files[path]`, or fails like a missing file; `list` derives directories from the paths. */
export function procFixture(files: Record<string, string>): ProcFixture {
  const fixture: ProcFixture = {
    files,
    async read(path) {
      const text = fixture.files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: /proc/${path}`), { code: 'ENOENT' });
      return text;
    },
    async list(path) {
      const prefix = path === '' ? '' : `${path}/`;
      const names = new Set<string>();
      for (const file of Object.keys(fixture.files)) if (file.startsWith(prefix)) names.add(file.slice(prefix.length).split('/')[0]!);
      if (names.size === 0) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return [...names].sort();
    },
  };
  return fixture;
}
