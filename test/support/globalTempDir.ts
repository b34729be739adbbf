/**
 * Vitest global setup: every temporary file of a test run (test files' mkdtemp calls, the collectors,
 * agents and PostgreSQL servers they spawn) goes under one directory made for the run, removed when
 * the run ends, so that a run leaves nothing in the machine's /tmp even where a test file does not
 * remove its own directories. The workers and their child processes inherit TMPDIR, which os.tmpdir()
 * reads. The directory is world-writable with the sticky bit, as /tmp is: the PostgreSQL tests run
 * the server as the `postgres` user under it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-test-run-'));
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
