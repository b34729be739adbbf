/**
 * A SQLite file left by a storing process killed with SIGKILL while it held what its reports wrote to
 * their hosts' rows (collector/store/sqlite/hostTouches.ts): the rows behind the stored reports.
 * Used by the host touches tests and by `tripline migrate`'s, which copies such a file.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const CHILD = resolve(import.meta.dirname, '../collector/hostTouchesChild.ts');

/**
 * Runs the storing child (test/collector/hostTouchesChild.ts) on `file`: `rounds` rounds of one report
 * a transaction for each of hosts h0..h4 (sequences from 1, host hN's report k received at
 * t0 + k * 15 s + N ms), then SIGKILLs it once it has stored them (it then idles).
 */
export function storeAndKill(file: string, t0: number, rounds: number): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, String(t0), String(rounds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let out = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      if (out.includes('idle\n')) child.kill('SIGKILL');
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' || !out.includes('idle')) fail(new Error(`storing child exited with ${code} (${signal}): ${stderr}`));
      else ok();
    });
  });
}
