/**
 * The collector's cluster gauges as /metrics shows them: a gauge that has nothing to say on this
 * collector has no sample, rather than a value that means something else.
 */
import { describe, expect, it } from 'vitest';
import { createCollectorMetrics } from '../../collector/collectorMetrics.js';

function metricsWith(historyPassAgeSeconds: () => number | null) {
  return createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0, historyPassAgeSeconds });
}

describe('tripline_history_pass_age_seconds', () => {
  it('has no sample until a history pass has ended on this collector, then the seconds since', async () => {
    let age: number | null = null;
    const { registry } = metricsWith(() => age);
    const before = await registry.metrics();
    expect(before).toContain('# TYPE tripline_history_pass_age_seconds gauge');
    expect(before).not.toMatch(/^tripline_history_pass_age_seconds /m);
    age = 12.5;
    expect(await registry.metrics()).toMatch(/^tripline_history_pass_age_seconds 12\.5$/m);
    // A collector that gives the job up (its lease taken by another) has no pass of its own to report again.
    age = null;
    expect(await registry.metrics()).not.toMatch(/^tripline_history_pass_age_seconds /m);
  });

  it('reports a pass that has just ended as 0', async () => {
    const { registry } = metricsWith(() => 0);
    expect(await registry.metrics()).toMatch(/^tripline_history_pass_age_seconds 0$/m);
  });
});

describe('tripline_sqlite_wal_bytes', () => {
  it('is the size its source reads, read at each scrape, and is not there without one (a PostgreSQL store)', async () => {
    let bytes = 32 + 3 * 4_120;
    const { registry } = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0, sqliteLogBytes: () => bytes });
    expect(await registry.metrics()).toMatch(/^tripline_sqlite_wal_bytes 12392$/m);
    bytes = 0;
    expect(await registry.metrics()).toMatch(/^tripline_sqlite_wal_bytes 0$/m);
    expect(await metricsWith(() => null).registry.metrics()).not.toContain('tripline_sqlite_wal_bytes');
  });
});
