/**
 * `collector.heapGrowthPercent` (collector/heapGrowth.ts): the config key is checked where it is written,
 * and the V8 flag behind it exists on this Node and is taken at run time. V8 does not throw on a flag
 * it does not know: it prints "unrecognized flag" on stderr and goes on, so a Node whose V8 dropped
 * the flag would otherwise leave every collector at V8's own growth without a word.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { applyHeapGrowth } from '../../collector/heapGrowth.js';
import { REPO_ROOT } from '../support/processes.js';

const HEAP_GROWTH_MODULE = pathToFileURL(join(REPO_ROOT, 'dist/collector/heapGrowth.js')).href;

/** Runs a child Node that applies `percent` through the compiled module and then allocates a little. */
function applyInChild(percent: number): { status: number | null; stderr: string; stdout: string } {
  const code = `const { applyHeapGrowth } = await import(${JSON.stringify(HEAP_GROWTH_MODULE)}); applyHeapGrowth(${percent}); const kept = []; for (let i = 0; i < 200; i++) kept.push(new Array(10000).fill(i)); console.log(kept.length);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return { status: child.status, stderr: child.stderr, stdout: child.stdout };
}

describe('collector.heapGrowthPercent', () => {
  it('is a V8 flag this Node has', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(options).toMatch(/^\s*--heap-growing-percent\b/m);
  });

  it('is taken at run time without a word on stderr, where an unknown flag is reported', () => {
    for (const percent of [0, 20, 50, 400]) {
      const run = applyInChild(percent);
      expect(run, `percent ${percent}`).toEqual({ status: 0, stderr: '', stdout: '200\n' });
    }
    // The same path with a flag V8 does not know: what the first check would see if the flag went away.
    const unknown = spawnSync(process.execPath, ['-e', 'require("node:v8").setFlagsFromString("--heap-growing-percent-gone=50")'], { encoding: 'utf8' });
    expect(unknown.stderr).toMatch(/unrecognized flag/);
  });

  it('turns allocation-site pretenuring off with a flag this Node has, at run time and without a word', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(options).toMatch(/^\s*--allocation-site-pretenuring\b/m);
    const code = `const { applyNoPretenuring } = await import(${JSON.stringify(HEAP_GROWTH_MODULE)}); applyNoPretenuring(); const kept = []; for (let i = 0; i < 200; i++) kept.push(new Array(10000).fill(i)); console.log(kept.length);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    expect({ status: child.status, stderr: child.stderr, stdout: child.stdout }).toEqual({ status: 0, stderr: '', stdout: '200\n' });
  });

  it('refuses what is not a whole number of percent', () => {
    expect(() => applyHeapGrowth(-1)).toThrow(/whole number of percent, 0 or more \(got -1\)/);
    expect(() => applyHeapGrowth(1.5)).toThrow(/got 1\.5/);
  });

  it('defaults to 50 (the heap to 1.5 times its live objects) and is refused past 400 with the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-heap-growth-'));
    const file = join(dir, 'tripline.yaml');
    writeFileSync(file, `dataDir: ${dir}\n`);
    expect(loadConfig(file).config.collector.heapGrowthPercent).toBe(50);
    writeFileSync(file, `dataDir: ${dir}\ncollector:\n  heapGrowthPercent: 0\n`);
    expect(loadConfig(file).config.collector.heapGrowthPercent).toBe(0);
    writeFileSync(file, `dataDir: ${dir}\ncollector:\n  retention: 14d\n  heapGrowthPercent: 500\n`);
    expect(() => loadConfig(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4\\b.*heapGrowthPercent`, 's'));
  });
});
