/**
 * Rule states whose only change is their latest sample wait for a checkpoint (alertPipeline.ts);
 * when a whole fleet's come due at once, each batch writes a share in proportion to its own samples
 * (at least MIN_CHECKPOINT_WRITES), not thousands behind a batch of a few reports, and the backlog
 * still drains: every state reaches the store with its newest sample.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline, MIN_CHECKPOINT_WRITES, RULE_STATE_CHECKPOINT_MS } from '../../collector/alerting/alertPipeline.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { StoreTransaction } from '../../collector/store/store.js';
import { loadConfig } from '../../config/loadConfig.js';
import type { SeriesSample } from '../../rules/index.js';
import { T0, testRule } from '../rules/ruleScenario.js';

const SERIES = 3 * MIN_CHECKPOINT_WRITES;

describe('rule-state checkpoints', () => {
  it('spread a backlog of due states over batches in proportion to them, and drain it', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const { config } = loadConfig(undefined, {});
    config.incidents.reachability.enabled = false;
    let nowMs = T0;
    const log = pino({ level: 'silent' });
    const core = createIncidentCore({ store, config, clock: { nowMs: () => nowMs }, log });
    // A window keeps a buffer per series: after its first sample, each new point is a latest-sample change.
    const pipeline = createAlertPipeline({ rules: [testRule({ window: { function: 'avg', windowSeconds: 600 } })], initialStates: new Map(), incidents: core.service, log });
    const sample = (i: number, value: number): SeriesSample => ({ metric: 'filesystem_used_ratio', labels: { host: `h${i}`, mount: '/' }, value, atMs: nowMs });
    const written: number[] = [];
    const batch = (samples: SeriesSample[]) => {
      const { commit } = store.transaction((tx) => {
        const counting: StoreTransaction = {
          ...tx,
          saveRuleStates: (states, ...rest) => {
            written.push(states.length);
            tx.saveRuleStates(states, ...rest);
          },
        };
        return pipeline.process(counting, samples, nowMs);
      });
      commit();
    };
    const all = (value: number) => Array.from({ length: SERIES }, (_, i) => sample(i, value));
    batch(all(0.1)); // new states: written with their batch
    nowMs += 1000;
    batch(all(0.2)); // new points only: wait for a checkpoint
    written.length = 0;
    nowMs += RULE_STATE_CHECKPOINT_MS;
    // A batch of one report's worth of samples of another host: all SERIES states are due.
    const small = () => Array.from({ length: 60 }, (_, i) => ({ ...sample(SERIES + 1, 0.3), labels: { host: 'other', mount: `/m${i}` } }));
    batch(small());
    // At most MIN_CHECKPOINT_WRITES checkpoints beside the other host's 60 new states and the window's sweep record.
    expect(written.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MIN_CHECKPOINT_WRITES + 60 + 1);
    for (let i = 0; i < 3; i++) {
      nowMs += 100;
      batch(small());
    }
    const stored = store.loadRuleStates();
    const values = [...stored.values()].filter((state) => state.labels.host !== 'other' && state.recent !== undefined).map((state) => state.recent!.values.at(-1));
    expect(values).toHaveLength(SERIES);
    expect(new Set(values)).toEqual(new Set([0.2]));
  });
});
