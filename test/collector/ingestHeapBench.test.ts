/**
 * bench/ingestHeap.ts (`node --expose-gc dist/bench/ingestHeap.js`) as built: it runs the
 * collector's ingest path in process and prints the heap an agent keeps, the CPU a report (the process's, and the main
 * thread's of it) and the bytes written, each as a number; `--shuffled` sends each agent's later
 * reports in a random order of the agents (shuffledAgents: every agent once a round). Its figures
 * are not asserted (they are the machine's), only that they are figures and that the main thread's
 * time is a part of the process's.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shuffledAgents } from '../../bench/benchReport.js';
import { REPO_ROOT } from '../support/processes.js';

const BENCH = join(REPO_ROOT, 'dist/bench/ingestHeap.js');
const run = (...args: string[]) => promisify(execFile)(process.execPath, ['--expose-gc', BENCH, ...args], { timeout: 120_000 });

describe('bench/ingestHeap', () => {
  it('prints the heap an agent keeps, the CPU a report with the main thread\'s part, and the bytes written, in a fleet\'s order with --shuffled', async () => {
    // 130 agents: three batches a round, the last one short.
    const { stdout } = await run('--agents', '130', '--reports', '3', '--own-times', '--series-sets', '--shuffled');
    const number = String.raw`\d+(\.\d+)?`;
    expect(stdout).toMatch(new RegExp(`ingest heap: 130 agents, 3 reports each 15 s apart, values against series sets after the first, in a random order of the agents after the first, default pack: -?${number} kB of V8 heap per agent \\(\\d+ rule states kept\\)`));
    const cpu = new RegExp(`ingest CPU: (${number}) µs per report after each agent's first \\(260 reports: [^)]*\\), of it the main thread (${number}) µs`).exec(stdout);
    expect(cpu).not.toBeNull();
    const [all, main] = [Number(cpu![1]), Number(cpu![3])];
    expect(main).toBeGreaterThan(0);
    // The main thread's time (its schedstat) is a part of the process's (getrusage), up to their rounding.
    expect(main).toBeLessThanOrEqual(all * 1.01 + 0.1);
    expect(stdout).toMatch(new RegExp(`ingest writes: ${number} kB per report to the database and its WAL`));
  });

  it('prints no order in the bench\'s own order, and refuses an interval under a second', async () => {
    const { stdout } = await run('--agents', '10', '--reports', '2');
    expect(stdout).toContain('ingest heap: 10 agents, 2 reports each 15 s apart, default pack:');
    await expect(run('--interval', '0.5')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--interval must be a number of seconds, 1 or more (got 0.5)') });
  });

  it('shuffles the agents into an order that holds each of them once', () => {
    const order = shuffledAgents(1000);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // The identity among 1000! orders would be a shuffle that does nothing.
    expect([...order]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
