/**
 * /readyz, /metrics and GET /api/v1/cluster of one collector: it holds every once-only job's lease,
 * says so in its metrics, and answers 503 with a reason once its store cannot be reached (here: the
 * database closed under it), detected at the next lease round.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { ONCE_ONLY_JOBS } from '../../collector/leadership.js';
import { loadConfig } from '../../config/loadConfig.js';
import { waitFor } from '../support/processes.js';

const ADMIN = 'readiness-admin-token-0123456789';

describe('readiness and cluster status of one collector', () => {
  let collector: RunningCollector;
  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-readiness-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = ['readiness-agent-token-0123456789'];
    config.collector.adminTokens = [ADMIN];
    config.collector.leases = { ttl: 2000, renewInterval: 200 } as typeof config.collector.leases;
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await collector.stop().catch(() => undefined);
  });

  it('holds every once-only job alone and says so', async () => {
    const ready = await fetch(`${collector.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    const cluster = (await fetch(`${collector.url}/api/v1/cluster`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.json())) as Record<string, unknown>;
    expect(cluster).toMatchObject({ storeReachable: true, leaseTtlSeconds: 2, renewIntervalSeconds: 0.2, failoverSeconds: 2.2, outbox: { pending: 0, dead: 0, oldestDueSeconds: 0 } });
    // On SQLite each batch judges the aggregate rules' groups: the `aggregates` job is PostgreSQL's only.
    const bound = ONCE_ONLY_JOBS.filter((job) => job !== 'aggregates');
    expect((cluster.jobs as Array<{ job: string; leader: boolean }>).map((j) => [j.job, j.leader]).sort()).toEqual(bound.map((job) => [job, true]).sort());
    expect((cluster.leases as Array<{ holder: string }>).every((l) => l.holder === cluster.holder)).toBe(true);
    const metrics = await fetch(`${collector.url}/metrics`).then((r) => r.text());
    for (const job of bound) expect(metrics).toContain(`tripline_lease_held{job="${job}"} 1`);
    // each job's lag: seconds since its last pass ended here (or since it started, before its first)
    for (const job of bound) expect(metrics).toMatch(new RegExp(`^tripline_job_run_age_seconds\\{job="${job}"\\} \\d+(\\.\\d+)?(e-\\d+)?$`, 'm'));
    expect((cluster.jobs as Array<{ runAgeSeconds: unknown }>).every((j) => typeof j.runAgeSeconds === 'number')).toBe(true);
    expect(metrics).toMatch(/^tripline_store_reachable 1$/m);
    expect(metrics).toMatch(/^tripline_outbox_oldest_due_seconds 0$/m);
  });

  it('answers 503 with a reason once the store cannot be reached, and gives up its jobs when its leases run out', async () => {
    collector.store.close();
    const answer = await waitFor('a 503 from /readyz', async () => {
      const response = await fetch(`${collector.url}/readyz`);
      return response.status === 503 ? ((await response.json()) as Record<string, unknown>) : undefined;
    });
    expect(answer).toEqual({ status: 'store-unreachable', reason: 'the store could not be reached at the last lease round' });
    await waitFor('every job given up', () => collector.leadership.status().every((job) => !job.leader));
  });
});
