/**
 * Host lifecycle operations on a real SQLite store with the incident core wired as the collector
 * wires it: decommission and reset resolve the host's incidents with their reason (the desk hears
 * it), silence no longer opens a ticket, history stays, and a reset host may enrol again.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createMissedReportWatcher } from '../../collector/alerting/missedReportWatcher.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { createOperations } from '../../collector/operations/createOperations.js';
import { OperationError } from '../../collector/operations/operationError.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { agentSilentRule, diskRule } from '../incidents/lifecycleRules.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0);

function setup() {
  const store = openSqliteStore({ file: ':memory:' });
  const { config } = loadConfig(undefined, {});
  config.incidents.reachability.enabled = false;
  config.incidents.resolveSettle = parseDurationMs('0s');
  config.desks = [{ type: 'webhook', name: 'ops', url: 'http://127.0.0.1:9/never', timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 }];
  let nowMs = T0;
  const clock = { nowMs: () => nowMs };
  const log = pino({ level: 'silent' });
  const core = createIncidentCore({ store, config, clock, log });
  const operations = createOperations({ store, config, clock, core });
  const pipeline = createAlertPipeline({ rules: [diskRule, agentSilentRule], initialStates: new Map(), incidents: core.service, log });
  const watcher = createMissedReportWatcher({ store, pipeline, clock, log, intervalMs: 1000 });
  let sequence = 0;
  const report = (host: string, agentId = host) => {
    const samples: Array<{ metric: string; labels: Record<string, string>; value: number; atMs: number }> = [
      { metric: 'filesystem_used_ratio', labels: { host, mount: '/' }, value: 0.97, atMs: nowMs },
      { metric: 'agent_missed_reports', labels: { host }, value: 0, atMs: nowMs },
    ];
    const { commit } = store.transaction((tx) => {
      tx.insertReport({ agentId, hostname: host, labels: {}, version: 't', intervalSeconds: 15, sequence: ++sequence, receivedAtMs: nowMs, samples, checks: [] });
      return pipeline.process(tx, samples, nowMs);
    });
    commit();
  };
  const at = (seconds: number) => {
    nowMs = T0 + seconds * 1000;
  };
  const ops = (id: number) => store.outboxForIncident(id).map((o) => o.operation);
  return { store, operations, report, at, tick: () => watcher.tick(), ops };
}

describe('host lifecycle', () => {
  it('decommission: incidents resolve with the reason and the desk hears it; silence opens no ticket; history stays', () => {
    const h = setup();
    h.report('web-1');
    h.report('web-2');
    const disk = h.store.listIncidents().find((i) => i.host === 'web-1')!;
    const result = h.operations.decommissionHost('web-1', 'alice');
    expect(result).toEqual({ hostname: 'web-1', hosts: 1, agents: 0, resolvedIncidents: [disk.id] });
    expect(h.store.getIncident(disk.id)).toMatchObject({ status: 'resolved' });
    expect(h.ops(disk.id)).toEqual(['open', 'resolve']);
    expect(h.store.incidentEvents(disk.id).map((e) => e.text)).toContain('host decommissioned: web-1 was decommissioned by alice');
    // Ten minutes of silence from both: only web-2 gets an agent_silent incident.
    h.at(600);
    h.tick();
    const silent = h.store.listIncidents().filter((i) => i.ruleName === 'agent_silent').map((i) => i.host);
    expect(silent).toEqual(['web-2']);
    expect(h.operations.listHosts().map((host) => [host.hostname, host.state])).toEqual([['web-1', 'decommissioned'], ['web-2', 'silent']]);
    expect(h.store.querySeries('filesystem_used_ratio', { host: 'web-1', mount: '/' }, T0 - 1, T0 + 1)).toHaveLength(1);
  });

  it('decommissioning an unknown host is not-found', () => {
    const h = setup();
    expect(() => h.operations.decommissionHost('nope', 'alice')).toThrow(OperationError);
  });

  it('reset: the enrolment is forgotten so the host enrols again; the old agent id enrolling again brings the host back', () => {
    const h = setup();
    expect(h.store.enrollAgent({ agentId: 'a-1', hostname: 'db-1', credentialSha256: 'x1', atMs: T0 })).toBe(true);
    h.report('db-1', 'a-1');
    // The reimage: a new id for the same hostname is refused while a-1 holds it.
    expect(h.store.activeAgentsOnHost('db-1').map((a) => a.agentId)).toEqual(['a-1']);
    const result = h.operations.resetAgent('a-1', 'bob');
    expect(result).toMatchObject({ hostname: 'db-1', hosts: 1, agents: 1, resolvedIncidents: [1] });
    expect(h.store.incidentEvents(1).map((e) => e.text)).toContain('agent reset: the agent of db-1 was reset by bob (a reimage); the host enrols again');
    expect(h.store.activeAgentsOnHost('db-1')).toEqual([]);
    expect(h.store.enrollAgent({ agentId: 'a-1', hostname: 'db-1', credentialSha256: 'x2', atMs: T0 + 1 })).toBe(true);
    expect(h.operations.listHosts()[0]).toMatchObject({ hostname: 'db-1', decommissionedAt: null });
  });
});
