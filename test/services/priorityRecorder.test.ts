/**
 * The priority recorder wraps the incident service's ledger: every incident opened through it gets
 * its priority recorded in the same transaction, in every transaction of a store that hands out one
 * transaction object for all (the wrapper is made once), and a ledger that cannot record priorities
 * (a backtest's) is used as it is.
 */
import { describe, expect, it } from 'vitest';
import type { NewIncident } from '../../collector/domain/incident.js';
import type { IncidentLedger } from '../../collector/incidents/incidentEffects.js';
import type { IncidentService } from '../../collector/incidents/incidentService.js';
import type { Classification } from '../../collector/services/priorityMatrix.js';
import { withPriorities } from '../../collector/services/priorityRecorder.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';

const BASE = Date.parse('2026-12-04T00:00:00Z');

function incident(key: string): NewIncident {
  return {
    key, fingerprint: `fp-${key}`, ruleName: 'disk_full', ruleVersion: 'v1', host: 'web-01', severity: 'critical', summary: key, description: 'd',
    labels: { host: 'web-01' }, status: 'open', openedAtMs: BASE, resolvedAtMs: null, updatedAtMs: BASE, why: { because: 'x' },
  };
}

const P2: Classification = { services: [], impact: 'medium', urgency: 'high', priority: 'P2', reason: 'impact medium x urgency high = P2' };

/** An incident service whose applySignals opens one incident per signal's rule name through the ledger it is given. */
function opener(opened: string[]): IncidentService {
  return {
    applySignals: (ledger: IncidentLedger, signals: ReadonlyArray<{ ruleName: string }>) => {
      for (const signal of signals) opened.push(String(ledger.insertIncident(incident(signal.ruleName)).id));
      return { opened: [], resolved: [] };
    },
  } as unknown as IncidentService;
}

describe('withPriorities', () => {
  it('records the priority of each incident opened, in every transaction of a store', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const opened: string[] = [];
    const service = withPriorities(opener(opened), () => P2, () => ({ metric: 'filesystem_used_ratio', threshold: { op: 'above', value: 0.9 } }));
    for (const key of ['first', 'second', 'third']) store.transaction((tx) => service.applySignals(tx, [{ ruleName: key }] as never, BASE));
    expect(opened).toHaveLength(3);
    for (const id of opened) expect(store.incidentPriority(Number(id))).toMatchObject({ priority: 'P2', initialPriority: 'P2', reason: P2.reason });
    // The rule's facts are copied into each why-record, the last transaction's included.
    expect(store.getIncident(Number(opened[2]))?.why).toMatchObject({ because: 'x', metric: 'filesystem_used_ratio', threshold: { op: 'above', value: 0.9 } });
  });

  it('leaves a ledger that cannot record priorities as it is', () => {
    const inserted: NewIncident[] = [];
    const ledger = { insertIncident: (draft: NewIncident) => (inserted.push(draft), { ...draft, id: inserted.length }) } as unknown as IncidentLedger;
    let given: IncidentLedger | undefined;
    const service = withPriorities({ applySignals: (l: IncidentLedger) => ((given = l), { opened: [], resolved: [] }) } as unknown as IncidentService, () => P2, () => undefined);
    service.applySignals(ledger, [], BASE);
    expect(given).toBe(ledger);
  });
});
