/** The agent's own health in every report: drops, the worst loop delay since the last report, CPU and memory. */
import { describe, expect, it } from 'vitest';
import { createLoopDelaySampler } from '../../agent/self/loopDelaySampler.js';
import { createSelfMeter } from '../../agent/self/selfMeter.js';

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
