/** The agent's own health in every report: drops, the worst loop delay since the last report, CPU and memory. */
import { describe, expect, it } from 'vitest';
import { createLoopDelaySampler } from '../../agent/self/loopDelaySampler.js';
import { createSelfMeter } from '../../agent/self/selfMeter.js';
import { createResidentMemory } from '../../agent/self/residentMemory.js';
import { createProcReader } from '../../agent/procfs/procReader.js';
import { procFixture } from './procFixture.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');

describe('createSelfMeter', () => {
  const meter = () => {
    const loopDelay = createLoopDelaySampler({ nowMs: () => 0 });
    let rss = 50_000_000;
    const selfMeter = createSelfMeter({
      loopDelay,
      dropped: () => ({ spoolFull: 3, rejected: 1 }),
      cpuUsage: () => ({ user: 1_500_000, system: 500_000 }),
      rssBytes: () => (rss += 1_000_000),
    });
    return { loopDelay, selfMeter };
  };
  const values = (observations: ReturnType<ReturnType<typeof createSelfMeter>['observe']>) => observations.map((o) => [o.metric, o.labels, o.value, o.at]);

  it('reports drops by reason, the worst loop delay taken since the last report, CPU seconds and resident bytes', () => {
    const { loopDelay, selfMeter } = meter();
    loopDelay.late(40);
    expect(values(selfMeter.observe(NOW, true))).toEqual([
      ['agent_reports_dropped_total', { reason: 'spool_full' }, 3, NOW.toISOString()],
      ['agent_reports_dropped_total', { reason: 'rejected' }, 1, NOW.toISOString()],
      ['agent_event_loop_delay_max_seconds', {}, 0.04, NOW.toISOString()],
      ['agent_cpu_seconds_total', {}, 2, NOW.toISOString()],
      ['agent_resident_memory_bytes', {}, 51_000_000, NOW.toISOString()],
    ]);
    // The delay was taken: the next report starts from nothing.
    expect(selfMeter.observe(NOW, true).find((o) => o.metric === 'agent_event_loop_delay_max_seconds')?.value).toBe(0);
  });

  it('reports no loop delay for a report built before the agent runs, and still takes it', () => {
    const { loopDelay, selfMeter } = meter();
    loopDelay.late(500); // start-up work, not the agent's cycles
    expect(selfMeter.observe(NOW, false).find((o) => o.metric === 'agent_event_loop_delay_max_seconds')?.value).toBe(0);
    expect(selfMeter.observe(NOW, true).find((o) => o.metric === 'agent_event_loop_delay_max_seconds')?.value).toBe(0);
  });
});

describe('createResidentMemory', () => {
  it('reads the real /proc/self/statm through a kept-open reader, in bytes that agree with process.memoryUsage.rss()', () => {
    const reader = createProcReader();
    try {
      const resident = createResidentMemory(reader);
      const first = resident(); // finds the page size
      const second = resident();
      const reference = process.memoryUsage.rss();
      expect(first).toBeGreaterThan(0);
      // Within 8 MB of each other (this process allocates between the reads), and a whole number of pages.
      expect(Math.abs(second - reference)).toBeLessThan(8 * 1024 * 1024);
      expect(second % 4096).toBe(0);
      expect(reader.keptOpen()).toBe(1);
    } finally {
      reader.close();
    }
  });

  it('multiplies statm pages by the page size found from rss(), and rounds that to a power of two', () => {
    const proc = procFixture({ 'self/statm': '1000 250 100 5 0 80 0\n' });
    // 250 pages of 16 KiB, seen a little later by rss() (one page more).
    const resident = createResidentMemory(proc, () => 251 * 16384);
    expect(resident()).toBe(251 * 16384);
    proc.files['self/statm'] = '1000 300 100 5 0 80 0\n';
    expect(resident()).toBe(300 * 16384);
  });

  it('falls back to rss() for good when statm is missing, malformed, or disagrees with it on a page size', () => {
    let rssCalls = 0;
    const rss = () => (rssCalls += 1) * 1_000_000;
    const missing = createResidentMemory(procFixture({}), rss);
    expect([missing(), missing()]).toEqual([1_000_000, 2_000_000]);

    const malformed = procFixture({ 'self/statm': '1000 250 100 5 0 80 0\n' });
    const fromMalformed = createResidentMemory(malformed, () => 250 * 4096);
    expect(fromMalformed()).toBe(250 * 4096);
    malformed.files['self/statm'] = 'garbage\n';
    expect(fromMalformed()).toBe(250 * 4096);
    malformed.files['self/statm'] = '1000 999 100 5 0 80 0\n';
    expect(fromMalformed()).toBe(250 * 4096); // statm given up on
    expect(malformed.reads.get('self/statm')).toBe(2);

    // 250 pages against 100 bytes: no page size of 4 KiB or more.
    const disagreeing = procFixture({ 'self/statm': '1000 250 100 5 0 80 0\n' });
    expect([createResidentMemory(disagreeing, () => 100)(), createResidentMemory(undefined, () => 7)()]).toEqual([100, 7]);
  });
});
