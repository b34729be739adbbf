/**
 * bench/threadHandoff.ts (`npm run bench:handoff`) as built: it starts a worker with the rules
 * engine loaded, hands it batches and reports, and prints each figure as a number; a bad option is
 * refused by name before anything runs. Its figures are not asserted (they are the machine's).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

const BENCH = join(REPO_ROOT, 'dist/bench/threadHandoff.js');
const run = (...args: string[]) => promisify(execFile)(process.execPath, [BENCH, ...args], { timeout: 60_000 });

describe('bench:handoff', () => {
  it('prints the worker\'s memory, the batch handoff and the per-report handoff, each as figures', async () => {
    const { stdout } = await run('--rounds', '20', '--batch', '3', '--writes', '1');
    const number = String.raw`\d+(\.\d+)?`;
    expect(stdout).toMatch(new RegExp(`RSS ${number} MB before, ${number} MB once started \\(\\+-?${number} MB\\), ${number} MB after 300 batches \\(\\+-?${number} MB\\) = -?${number} kB an agent at 10,000 agents`));
    expect(stdout).toMatch(new RegExp(`a batch of 3 reports \\(180 samples\\) made into typed arrays on the main thread alone: ${number} µs a batch`));
    // Transferred and copied, twice each, with the batch's 3 state texts (one a report) answered.
    const handed = stdout.split('\n').filter((line) => line.startsWith('handed to the worker and answered'));
    expect(handed.map((line) => /\((transferred|copied), 3 state texts back\)/.exec(line)?.[1])).toEqual(['transferred', 'copied', 'transferred', 'copied']);
    for (const line of handed) expect(line).toMatch(new RegExp(`main thread ${number} µs a batch, -?${number} µs of it the handoff = -?${number} µs a report; all threads ${number} µs; round trip ${number} µs`));
    expect(stdout).toMatch(new RegExp(`one report's gzip body \\(\\d+ bytes\\) inflated and parsed: on the main thread ${number} µs; on the worker, one message each way, ${number} µs of the main thread`));
  });

  it('refuses an option that is not a count, naming it, before starting anything', async () => {
    await expect(run('--batch', '0')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--batch must be a whole number of 1 or more, not "0"') });
    await expect(run('--rounds', 'many')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--rounds must be a whole number of 1 or more, not "many"') });
    await expect(run('--writes=-1')).rejects.toMatchObject({ stderr: expect.stringContaining('--writes must be a number of 0 or more, not "-1"') });
  });
});
