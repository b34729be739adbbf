/**
 * bench/agentSideBySide.ts: agents of the given builds run side by side against the bench's stub
 * collector and each gets its own CPU, page faults and RSS; a build that is not one, or an agent that
 * dies, fails the bench with what went wrong.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBuild } from '../../bench/agentSideBySide.js';
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

/** A package root whose agent entry point has the shipped first line and then exits with 3. */
function dyingBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'side-by-side-dying-'));
  dirs.push(root);
  mkdirSync(join(root, 'dist/cli'), { recursive: true });
  writeFileSync(join(root, 'dist/cli/agentMain.js'), '#!/usr/bin/env -S node --no-opt\nsetTimeout(() => process.exit(3), 300);\n');
  return root;
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
      const [cpu, faults, rss, ratio] = row.trim().split(/\s+/).slice(-4).map(Number);
      expect(cpu).toBeGreaterThan(0);
      expect(faults).toBeGreaterThanOrEqual(0);
      expect(rss).toBeGreaterThan(20);
      expect(rss).toBeLessThan(200);
      expect(ratio).toBeGreaterThan(0);
    }
    expect(rows[0]!.trim().split(/\s+/).at(-1)).toBe('1.000');
    expect(stdout).toMatch(/reports taken by the stub in the measured window: \d+ \(8 expected\)/);
  }, 60_000);

  it('fails, naming the build, when an agent exits before the measurement ends', async () => {
    const dying = dyingBuild();
    const { code, stderr } = await runBench(['--warmup', '3', '--cycles', '2', REPO_ROOT, dying]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${dying} exited (3) before the measurement ended`);
  }, 60_000);

  it('refuses bad options and no build', async () => {
    expect(await runBench(['--cycles', '0', REPO_ROOT])).toMatchObject({ code: 1, stderr: expect.stringContaining('--cycles 0: a whole number, 1 or more') });
    expect(await runBench(['--warmup', 'soon', REPO_ROOT])).toMatchObject({ code: 1, stderr: expect.stringContaining('--warmup soon') });
    expect(await runBench([])).toMatchObject({ code: 1, stderr: expect.stringContaining('no build given') });
  });
});
