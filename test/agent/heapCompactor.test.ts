import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHeapCompactor, exposedGc } from '../../agent/lifecycle/heapCompactor.js';
import { agentNodeFlags } from '../../config/packageInfo.js';

const MB = 1024 * 1024;
const ROOT = join(import.meta.dirname, '../..');

/** The node flags of tripline-agent's first line, in the source. */
const shippedFlags = () => agentNodeFlags(join(ROOT, 'cli/agentMain.ts'));

describe('heap compactor', () => {
  function fixture(options: { gc?: boolean; rss?: number[] } = {}) {
    const calls: number[] = [];
    let now = 0;
    const rssAfter = [...(options.rss ?? [])];
    const compactor = createHeapCompactor({
      gc: options.gc === false ? undefined : () => {
        calls.push(now);
        now += 40; // the collection takes 40 ms
      },
      rssBytes: () => rssAfter.shift() ?? 50 * MB,
      growthBytes: 8 * MB,
      minIntervalMs: 600_000,
      nowMs: () => now,
    });
    return { compactor, calls, advance: (ms: number) => void (now += ms) };
  }

  it('does nothing when node exposes no gc', () => {
    const { compactor, calls } = fixture({ gc: false });
    expect(compactor.afterCycle(90 * MB)).toBe(0);
    expect(compactor.compactions()).toBe(0);
    expect(calls).toEqual([]);
  });

  it('compacts after the first cycle, and returns how long the collection held the loop', () => {
    const { compactor, calls } = fixture();
    expect(compactor.afterCycle(65 * MB)).toBe(40);
    expect(calls).toHaveLength(1);
    expect(compactor.compactions()).toBe(1);
  });

  it('compacts again only after growth over the post-compaction size, and not within the interval', () => {
    const { compactor, calls, advance } = fixture({ rss: [56 * MB] });
    compactor.afterCycle(65 * MB); // baseline: 56 MB after it
    advance(700_000);
    expect(compactor.afterCycle(63 * MB)).toBe(0); // +7 MB: below the growth bound
    expect(compactor.afterCycle(64 * MB)).toBe(40); // +8 MB, interval over
    advance(60_000);
    expect(compactor.afterCycle(90 * MB)).toBe(0); // grown, but a minute after the last
    advance(600_000);
    expect(compactor.afterCycle(90 * MB)).toBe(40);
    expect(calls).toHaveLength(3);
  });

  it('under the shipped node flags, gc is exposed and a compaction gives the pages of old garbage back', () => {
    const script = [
      `import { createHeapCompactor, exposedGc } from ${JSON.stringify(join(ROOT, 'dist/agent/lifecycle/heapCompactor.js'))};`,
      // 40 MB that lives long enough to reach the old generation, then becomes garbage.
      'let junk = []; for (let i = 0; i < 400; i++) junk.push(Array.from({ length: 12500 }, (_, j) => ({ j })));',
      'await new Promise((r) => setTimeout(r, 50)); junk = undefined;',
      'const before = process.memoryUsage.rss();',
      'const compactor = createHeapCompactor({ gc: exposedGc(), rssBytes: () => process.memoryUsage.rss() });',
      'const heldMs = compactor.afterCycle(before);',
      'process.stdout.write(JSON.stringify({ exposed: exposedGc() !== undefined, before, after: process.memoryUsage.rss(), heldMs }));',
    ].join('\n');
    const run = spawnSync(process.execPath, [...shippedFlags(), '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { exposed: boolean; before: number; after: number; heldMs: number };
    expect(result.exposed).toBe(true);
    expect(result.heldMs).toBeGreaterThan(0);
    expect(result.before - result.after).toBeGreaterThan(20 * MB);
  });

  it('is off in a process without --expose-gc (vitest here)', () => {
    expect(exposedGc()).toBeUndefined();
  });
});
