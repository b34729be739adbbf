/**
 * Rule states when a host's reports land on different collectors sharing one store: two alert
 * pipelines (two collectors, each with its own memory) over one store (SQLite, and PostgreSQL on a
 * real temporary server), a host moving between them.
 * With `sharedStates` each takes up what the other wrote (a firing series resolves where it lands,
 * a resolved one fires again); without it the second collector's stale memory misses both, which is
 * what the option is for.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline, type AlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import type { Store } from '../../collector/store/store.js';
import { diskRule } from '../incidents/lifecycleRules.js';
import { incidentsConfig, T0 } from '../support/lifecycleHarness.js';
import { storeEngines, type StoreEngine } from '../support/storeEngines.js';

const log = pino({ level: 'silent' });

function collector(store: Store, holder: string | undefined): AlertPipeline {
  const config = incidentsConfig();
  const clock = { nowMs: () => T0 };
  const environment = createStoreEnvironment(store, config, clock, 0);
  const incidents = createIncidentService({ route: () => ({ desks: ['desk'], reason: 'test' }), policy: incidentPolicy(config), environment, log });
  return createAlertPipeline({ rules: [diskRule], initialStates: store.loadRuleStates(), incidents, log, ...(holder ? { sharedStates: { holder } } : {}) });
}

function cluster(engine: StoreEngine, shared: boolean) {
  const store = engine.open();
  const pipelines = { a: collector(store, shared ? 'a' : undefined), b: collector(store, shared ? 'b' : undefined) };
  let sequence = 0;
  /** One report of host-1's root filesystem at `used` ratio, `seconds` after T0, through collector `via`. */
  const report = (via: 'a' | 'b', seconds: number, used: number) => {
    const atMs = T0 + seconds * 1000;
    const samples = [{ metric: 'filesystem_used_ratio', value: used, labels: { host: 'host-1', mount: '/' }, atMs }];
    const { commit } = store.transaction((tx) => {
      tx.insertReport({ agentId: 'host-1', hostname: 'host-1', labels: {}, version: 'test', intervalSeconds: 15, sequence: ++sequence, receivedAtMs: atMs, samples, checks: [] });
      return pipelines[via].process(tx, samples, atMs);
    });
    commit();
  };
  const incidents = () => store.listIncidents({ limit: 100 }).reverse().map((i) => `${i.id}:${i.status}`);
  return { report, incidents };
}

describe.each(storeEngines())('rule states shared by collectors ($name)', (engine) => {
  it('resolves on B what fired on A, and fires on A again what B resolved', () => {
    const { report, incidents } = cluster(engine, true);
    report('a', 0, 0.5);
    // B saw host-1 once, when all was well: its memory says inactive
    report('b', 15, 0.5);
    report('a', 30, 0.95);
    expect(incidents()).toEqual(['1:open']);
    // A dies; host-1's next report, the clear, lands on B, which takes A's firing state and resolves
    report('b', 45, 0.5);
    expect(incidents()).toEqual(['1:resolved']);
    // back to A, whose memory still says firing: B deleted the (forgettable) state, so A drops it and
    // the next breach fires again (re-opening incident 1, within the re-open window)
    report('a', 60, 0.97);
    expect(incidents()).toEqual(['1:open']);
    report('a', 75, 0.5);
    expect(incidents()).toEqual(['1:resolved']);
  });

  it('without sharedStates a collector with stale memory misses the resolve (what the option prevents)', () => {
    const { report, incidents } = cluster(engine, false);
    report('a', 0, 0.5);
    report('b', 15, 0.5);
    report('a', 30, 0.95);
    report('b', 45, 0.5);
    // B never knew the series fired: the clear is no change to it, and the incident stays open
    expect(incidents()).toEqual(['1:open']);
  });
});
