/** A ProcReader over in-memory fixture files that a test can change between probe runs. */
import type { ProcReader } from '../../agent/procfs/procReader.js';

/** The reader and the mutable files behind it. */
export interface ProcFixture extends ProcReader {
  files: Record<string, string>;
}

/** A reader whose `read(path)` returns `files[path]`, or fails like a missing file. */
export function procFixture(files: Record<string, string>): ProcFixture {
  const fixture: ProcFixture = {
    files,
    async read(path) {
      const text = fixture.files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: /proc/${path}`), { code: 'ENOENT' });
      return text;
    },
  };
  return fixture;
}
