/**
 * bench/agentSideBySide.ts: agents of the given builds run side by side against the bench's stub
 * collector and each gets its own CPU, page faults and RSS; a build that is not one, or an agent that
 * dies, fails the bench with what went wrong.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBuild } from '../../bench/agentBuild.js';
import { REPO_ROOT } from '../support/processes.js';

const BENCH = join(REPO_ROOT, 'dist/bench/agentSideBySide.js');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BENCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** A package root whose agent entry point has the shipped first line and then runs `code`. */
function fakeBuild(code: string): string {
  const root = mkdtempSync(join(tmpdir(), 'side-by-side-fake-'));
  dirs.push(root);
  mkdirSync(join(root, 'dist/cli'), { recursive: true });
  writeFileSync(join(root, 'dist/cli/agentMain.js'), `#!/usr/bin/env -S node --no-opt\n${code}\n`);
  return root;
}

/** The five figures at the end of a build's row: CPU ms, page faults, RSS MB, reports, against the first. */
function figures(row: string): number[] {
  return row.trim().split(/\s+/).slice(-5).map(Number);
}

describe('bench:agent side by side', () => {
  it('parses a build and its extra Node flags, and refuses what is not a build or not a flag', () => {
    expect(parseBuild(`${REPO_ROOT}|--no-flush-bytecode  --max-lazy`)).toEqual({ root: REPO_ROOT, extraFlags: ['--no-flush-bytecode', '--max-lazy'], label: `${REPO_ROOT}|--no-flush-bytecode  --max-lazy` });
    expect(parseBuild(REPO_ROOT)).toEqual({ root: REPO_ROOT, extraFlags: [], label: REPO_ROOT });
    const empty = mkdtempSync(join(tmpdir(), 'side-by-side-empty-'));
    dirs.push(empty);
    expect(() => parseBuild(empty)).toThrow(`${empty}: no dist/cli/agentMain.js under ${empty}`);
    expect(() => parseBuild(`${REPO_ROOT}|max-lazy`)).toThrow('"max-lazy" is not a Node option');
  });

  it('runs two agents of this build side by side and prints the CPU, faults and RSS of each', async () => {
    const { code, stdout, stderr } = await runBench(['--warmup', '3', '--cycles', '4', REPO_ROOT, `${REPO_ROOT}|--no-flush-bytecode`]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = stdout.split('\n').filter((line) => line.trimStart().startsWith(REPO_ROOT));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const [cpu, faults, rss, reports, ratio] = figures(row);
      expect(cpu).toBeGreaterThan(0);
      expect(faults).toBeGreaterThanOrEqual(0);
      expect(rss).toBeGreaterThan(20);
      expect(rss).toBeLessThan(200);
      // A report a second for 4 s, one either way at the window's edges or on a busy machine; a build that does not report has 0.
      expect(reports).toBeGreaterThanOrEqual(2);
      expect(reports).toBeLessThanOrEqual(6);
      expect(ratio).toBeGreaterThan(0);
    }
    expect(rows[0]!.trim().split(/\s+/).at(-1)).toBe('1.000');
    expect(stdout).not.toContain('not a reporting agent');
  }, 60_000);

  it("says so when a build does not report, and measures it all the same", async () => {
    const silent = fakeBuild('setInterval(() => {}, 1000);');
    const { code, stdout } = await runBench(['--warmup', '2', '--cycles', '3', REPO_ROOT, silent]);
    expect(code).toBe(0);
    const row = stdout.split('\n').find((line) => line.trimStart().startsWith(silent))!;
    const [cpu, , , reports] = figures(row);
    expect(reports).toBe(0);
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(stdout).toContain(`${silent}: 0 reports taken in 3 cycles, not a reporting agent's CPU`);
  }, 60_000);

  it('fails, naming the build, when an agent exits before the measurement ends', async () => {
    const dying = fakeBuild('setTimeout(() => process.exit(3), 300);');
    const benchDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('tripline-bench-side-by-side-'));
    const before = benchDirs();
    const { code, stderr } = await runBench(['--warmup', '3', '--cycles', '2', REPO_ROOT, dying]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${dying} exited (3) before the measurement ended`);
    expect(benchDirs()).toEqual(before); // its agents' configs and data went with it
  }, 60_000);

  it('refuses bad options and no build', async () => {
    expect(await runBench(['--cycles', '0', REPO_ROOT])).toMatchObject({ code: 1, stderr: expect.stringContaining('--cycles 0: a whole number, 1 or more') });
    expect(await runBench(['--warmup', 'soon', REPO_ROOT])).toMatchObject({ code: 1, stderr: expect.stringContaining('--warmup soon') });
    expect(await runBench([])).toMatchObject({ code: 1, stderr: expect.stringContaining('no build given') });
  });
});
