/**
 * The store contract, run against every engine (the embedded SQLite and the shared PostgreSQL on a
 * real temporary server): reports round-trip through the chunk format and are refused when re-sent,
 * transactions and savepoints undo exactly their own writes, and every table of the contract (agents,
 * tokens, sessions, incidents, outbox, tickets, services, silences, maintenance, history) reads back
 * what was written, in the documented order.
 */
import { describe, expect, it } from 'vitest';
import type { NewIncident } from '../../collector/domain/incident.js';
import type { ReportRecord, Store } from '../../collector/store/store.js';
import type { RuleState } from '../../rules/index.js';
import { appendPoint } from '../../rules/engine/recentPoints.js';
import { appendWithSums } from '../../rules/kinds/predict.js';
import type { RecentSamples } from '../../rules/model/ruleTypes.js';
import { compactOldestInSteps } from '../../collector/history/historyMaintenance.js';
import { compactRows } from '../../collector/store/historyBlocks.js';
import { storeEngines } from '../support/storeEngines.js';

const BASE = Date.parse('2026-11-24T00:00:00Z');

function record(sequence: number, receivedAtMs: number, value: number, agentId = 'agent-1', hostname = 'web-01'): ReportRecord {
  return {
    agentId,
    hostname,
    labels: { group: 'web' },
    version: 'test',
    intervalSeconds: 15,
    sequence,
    receivedAtMs,
    samples: [
      { metric: 'filesystem_used_ratio', labels: { host: hostname, group: 'web', mount: '/' }, value, atMs: receivedAtMs - 100 },
      { metric: 'filesystem_used_ratio', labels: { host: hostname, group: 'web', mount: '/var' }, value: value / 2, atMs: receivedAtMs - 100 },
    ],
    checks: [],
  };
}

function incident(key: string, fingerprint = 'fp', extra: Partial<NewIncident> = {}): NewIncident {
  return {
    key, fingerprint, ruleName: 'disk_full', ruleVersion: 'v1', host: 'web-01', severity: 'critical', summary: 's', description: 'd',
    labels: { host: 'web-01' }, status: 'open', openedAtMs: BASE, resolvedAtMs: null, updatedAtMs: BASE, why: { because: 'x' }, ...extra,
  };
}

const MOUNT_ROOT = { host: 'web-01', group: 'web', mount: '/' };
const values = (store: Store, fromMs = 0, toMs = BASE + 10 * 3_600_000) => store.querySeries('filesystem_used_ratio', MOUNT_ROOT, fromMs, toMs).map((s) => s.value);

describe.each(storeEngines())('the $name store', (engine) => {
  describe('reports and transactions', () => {
    it('stores reports once and reads a series back over a time range', () => {
      const store = engine.open();
      store.transaction((tx) => {
        for (let i = 0; i < 10; i++) expect(tx.insertReport(record(i, BASE + i * 15_000, i / 10))).toBe(true);
        expect(tx.insertReport(record(3, BASE + 99_000, 0.99))).toBe(false); // re-sent sequence
      });
      // Label order does not matter; only the '/' series comes back; the range is inclusive.
      const series = store.querySeries('filesystem_used_ratio', { mount: '/', group: 'web', host: 'web-01' }, BASE + 15_000 - 100, BASE + 45_000 - 100);
      expect(series.map((s) => s.value)).toEqual([0.1, 0.2, 0.3]);
      expect(series.map((s) => s.atMs)).toEqual([BASE + 14_900, BASE + 29_900, BASE + 44_900]);
      expect(store.listHosts()).toMatchObject([{ hostname: 'web-01', lastSequence: 9, labels: { group: 'web' } }]);
      store.close();
    });

    it('keeps the texts of check samples and the host facts a report carries', () => {
      const store = engine.open();
      const report = record(0, BASE, 1);
      report.samples = [...report.samples, { metric: 'check_status', labels: { host: 'web-01', check: 'ntp' }, value: 2, atMs: BASE - 50, text: 'CRITICAL: offset 3 s' }];
      report.addresses = ['10.0.0.5'];
      report.defaultGateway = '10.0.0.1';
      report.inventory = { os: 'debian' };
      store.transaction((tx) => tx.insertReport(report));
      store.transaction((tx) => tx.insertReport(record(1, BASE + 15_000, 1))); // sends no facts: the stored ones stay
      expect(store.querySeries('check_status', { host: 'web-01', check: 'ntp' }, 0, BASE + 1000)).toEqual([
        { metric: 'check_status', labels: { host: 'web-01', check: 'ntp' }, value: 2, atMs: BASE - 50, text: 'CRITICAL: offset 3 s' },
      ]);
      expect(store.findHost('web-01')).toMatchObject({ addresses: ['10.0.0.5'], defaultGateway: '10.0.0.1', inventory: { os: 'debian' }, lastSequence: 1 });
      expect(store.listHosts({ inventory: false })[0]!.inventory).toBeNull();
    });

    it('prunes report chunks received before the cutoff', () => {
      const store = engine.open();
      store.transaction((tx) => {
        for (let i = 0; i < 4; i++) tx.insertReport(record(i, BASE + i * 60_000, 0.5));
      });
      expect(store.pruneBefore(BASE + 120_000)).toBe(2);
      expect(values(store)).toHaveLength(2);
    });

    it('keeps nothing from a transaction that threw, and reuses nothing it minted', () => {
      const store = engine.open();
      expect(() =>
        store.transaction((tx) => {
          tx.insertReport(record(0, BASE, 0.5));
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(store.listHosts()).toEqual([]);
      store.transaction((tx) => tx.insertReport(record(0, BASE, 0.7)));
      expect(values(store, 0, BASE + 1000)).toEqual([0.7]);
    });

    it('allows only one active incident per fingerprint', () => {
      const store = engine.open();
      store.transaction((tx) => tx.insertIncident(incident('k1')));
      expect(() => store.transaction((tx) => tx.insertIncident(incident('k2')))).toThrow(/unique/i);
      store.transaction((tx) => tx.updateIncident(1, { status: 'resolved', resolvedAtMs: 2 }));
      // (Ids are not always consecutive: PostgreSQL's identity does not give back the number of a rolled-back insert.)
      const third = store.transaction((tx) => tx.insertIncident(incident('k3')));
      expect(store.getIncident(third.id)).toMatchObject({ key: 'k3', status: 'open' });
    });

    it('undoes a savepoint that threw, its writes only, and the transaction goes on', () => {
      const store = engine.open();
      store.transaction((tx) => {
        expect(tx.savepoint(() => tx.insertReport(record(0, BASE, 0.1)))).toBe(true);
        expect(() =>
          tx.savepoint(() => {
            tx.insertReport(record(1, BASE + 15_000, 0.2));
            tx.addIncidentEvent({ incidentId: 1, atMs: BASE, kind: 'x', text: 'never', data: {} }); // no incident 1: fails when sent
            return tx.insertIncident(incident('k1'));
          }),
        ).toThrow();
        // A statement the server refused (a second active incident) fails its savepoint alone, too.
        tx.insertIncident(incident('k2', 'fp-2'));
        expect(() => tx.savepoint(() => tx.insertIncident(incident('k3', 'fp-2')))).toThrow(/unique/i);
        expect(tx.savepoint(() => tx.insertReport(record(2, BASE + 30_000, 0.3)))).toBe(true);
      });
      expect(values(store)).toEqual([0.1, 0.3]);
      expect(store.listIncidents().map((i) => i.key)).toEqual(['k2']);
    });

    it('runs a transaction opened inside another as a savepoint of it', () => {
      const store = engine.open();
      store.transaction(() => {
        expect(() => store.transaction((tx) => {
          tx.insertSilence({ matchers: [], comment: 'undone', createdBy: 'a', startsAtMs: 0, expiresAtMs: 1, createdAtMs: 0 });
          throw new Error('refused');
        })).toThrow('refused');
        store.appendAudit({ atMs: BASE, actor: 'admin', action: 'createSilence', target: '-', detail: '[]' });
      });
      expect(store.listSilences()).toEqual([]);
      expect(store.listAudit(10)).toMatchObject([{ actor: 'admin', action: 'createSilence' }]);
    });

    it('keeps rule states by fingerprint', () => {
      const store = engine.open();
      const state = (fingerprint: string, lastValue: number): RuleState =>
        ({ ruleName: 'r', ruleVersion: 'v', fingerprint, labels: { host: 'h' }, status: 'firing', firingSinceMs: 5, lastValue, lastSampleAtMs: 9 }) as RuleState;
      store.transaction((tx) => tx.saveRuleStates([state('a', 1), state('b', 2)]));
      store.transaction((tx) => {
        tx.saveRuleStates([state('a', 3)]);
        tx.deleteRuleStates(['b']);
        tx.saveRuleStates([]);
        tx.deleteRuleStates([]);
      });
      expect([...store.loadRuleStates()]).toEqual([['a', state('a', 3)]]);
    });

    it('keeps window and prediction buffers exactly through every way states are written and read', () => {
      const store = engine.open();
      let prediction: RecentSamples | undefined;
      for (let i = 0; i < 500; i++) prediction = appendWithSums(prediction, BASE + i * 15_000, [NaN, -0, Infinity, 0.25 + i * 1e-4][i % 4]!, 3_600_000);
      let window: RecentSamples | undefined;
      for (let i = 0; i < 50; i++) window = appendPoint(window, BASE + i * 15_000.5, i % 3 ? -Infinity : 5e-324, 600_000, 256);
      const state = (fingerprint: string, host: string, recent: RecentSamples): RuleState =>
        ({ ruleName: 'r', ruleVersion: 'v', fingerprint, labels: { host }, status: 'inactive', lastValue: 1, lastSampleAtMs: BASE, recent }) as RuleState;
      // Exactly the same doubles: String tells NaN, the infinities and subnormals apart; -0 is told by name.
      const doubles = (values: readonly number[]) => values.map((v) => (Object.is(v, -0) ? '-0' : String(v)));
      const same = (read: RuleState | undefined, written: RuleState) => {
        expect(doubles(read!.recent!.atMs)).toEqual(doubles(written.recent!.atMs));
        expect(doubles(read!.recent!.values)).toEqual(doubles(written.recent!.values));
        expect(read!.recent!.sums).toEqual(written.recent!.sums);
      };
      const p = state('p', 'h1', prediction!);
      const w = state('w', 'h1', window!);
      store.transaction((tx) => tx.saveRuleStates([p, w], 'a', BASE));
      const loaded = store.loadRuleStates();
      same(loaded.get('p'), p);
      same(loaded.get('w'), w);
      const claimed = new Map(store.transaction((tx) => tx.claimHostRuleStates(['h1'], 'b', BASE + 1)).map((row) => [row.fingerprint, row.state]));
      same(claimed.get('p'), p);
      same(claimed.get('w'), w);
      const since = new Map(store.transaction((tx) => tx.ruleStatesSince(['r'], 'judge')).states.map((row) => [row.fingerprint, row.state]));
      same(since.get('p'), p);
      // Written by its owner outside a batch (writeOwnRuleStates), then read back.
      const w2 = state('w', 'h1', appendPoint(window, BASE + 50 * 15_000.5, 42, 600_000, 256));
      expect(store.transaction((tx) => tx.writeOwnRuleStates([w2], [], 'b', { atMs: BASE + 2, adoptBeforeMs: 0 }))).toEqual([]);
      same(store.loadRuleStates().get('w'), w2);
      store.close();
    });

    it("rewrites a rule state's rule and host too when a fingerprint comes back with others, and states without a host", () => {
      const store = engine.open();
      const state = (ruleName: string, host: string | undefined, lastValue: number): RuleState =>
        ({ ruleName, ruleVersion: 'v', fingerprint: 'fp', labels: host === undefined ? {} : { host }, status: 'inactive', lastValue, lastSampleAtMs: 9 }) as RuleState;
      store.transaction((tx) => tx.saveRuleStates([state('r', 'h1', 1)], 'a', 100));
      store.transaction((tx) => tx.saveRuleStates([state('r', 'h1', 2)], 'a', 200));
      expect(store.transaction((tx) => tx.claimHostRuleStates(['h1'], 'b', 300))).toEqual([{ fingerprint: 'fp', state: state('r', 'h1', 2) }]);
      // the same fingerprint under another rule and host: read by its new host and rule only
      store.transaction((tx) => tx.saveRuleStates([state('s', 'h2', 3)], 'a', 400));
      expect(store.transaction((tx) => tx.claimHostRuleStates(['h1'], 'b', 500))).toEqual([]);
      expect(store.transaction((tx) => tx.claimHostRuleStates(['h2'], 'b', 500))).toEqual([{ fingerprint: 'fp', state: state('s', 'h2', 3) }]);
      expect(store.transaction((tx) => tx.ruleStatesSince(['s'], 'judge')).states).toEqual([{ fingerprint: 'fp', state: state('s', 'h2', 3) }]);
      expect(store.transaction((tx) => tx.ruleStatesSince(['r'], 'judge')).states).toEqual([]);
      // without a host (a group's state), written twice
      store.transaction((tx) => tx.saveRuleStates([state('s', undefined, 4)]));
      store.transaction((tx) => tx.saveRuleStates([state('s', undefined, 5)]));
      expect(store.transaction((tx) => tx.claimHostRuleStates(['h2'], 'b', 600))).toEqual([]);
      expect([...store.loadRuleStates()]).toEqual([['fp', state('s', undefined, 5)]]);
      store.close();
    });

    it("follows a host's new name from its next report, and keeps it", () => {
      const store = engine.open();
      store.transaction((tx) => {
        expect(tx.insertReport(record(1, BASE, 0.1))).toBe(true);
        expect(tx.insertReport(record(2, BASE + 15_000, 0.2))).toBe(true);
        expect(tx.insertReport(record(3, BASE + 30_000, 0.3, 'agent-1', 'web-99'))).toBe(true);
      });
      store.transaction((tx) => expect(tx.insertReport(record(4, BASE + 45_000, 0.4, 'agent-1', 'web-99'))).toBe(true));
      expect(store.listHosts()).toMatchObject([{ hostname: 'web-99', lastSequence: 4, lastReportAtMs: BASE + 45_000 }]);
      expect(store.findHost('web-99')).toMatchObject({ agentId: 'agent-1', lastSequence: 4 });
      expect(store.findHost('web-01')).toBeUndefined();
      store.close();
    });

    it("reads a rule's states for its judge: all of them, then at least what other writers wrote since", () => {
      const store = engine.open();
      const state = (ruleName: string, fingerprint: string, lastValue: number): RuleState =>
        ({ ruleName, ruleVersion: 'v', fingerprint, labels: { host: 'h' }, status: 'inactive', lastValue, lastSampleAtMs: 9 }) as RuleState;
      store.transaction((tx) => tx.saveRuleStates([state('agg', 'm1', 1), state('other', 'o1', 1)], 'b'));
      store.transaction((tx) => tx.saveRuleStates([state('agg', 'm2', 2)], 'judge'));
      const first = store.transaction((tx) => tx.ruleStatesSince(['agg'], 'judge'));
      // every state of the rule, whoever wrote it
      expect(first.states.sort((x, y) => x.fingerprint.localeCompare(y.fingerprint))).toEqual([
        { fingerprint: 'm1', state: state('agg', 'm1', 1) },
        { fingerprint: 'm2', state: state('agg', 'm2', 2) },
      ]);
      store.transaction((tx) => {
        tx.saveRuleStates([state('agg', 'm1', 5), state('agg', 'm3', 3), state('other', 'o1', 7)], 'b');
        tx.saveRuleStates([state('agg', 'm2', 6)], 'judge');
      });
      const next = store.transaction((tx) => tx.ruleStatesSince(['agg'], 'judge', first.mark));
      const written = new Map(next.states.filter((row) => row.state !== undefined).map((row) => [row.fingerprint, row.state!.lastValue] as const));
      expect(written.get('m1')).toBe(5);
      expect(written.get('m3')).toBe(3);
      expect(written.has('m2')).toBe(false);
      expect(written.has('o1')).toBe(false);
      // a mark read again returns at least what changed after it
      const again = store.transaction((tx) => tx.ruleStatesSince(['agg'], 'judge', next.mark));
      store.transaction((tx) => tx.saveRuleStates([state('agg', 'm3', 8)], 'c'));
      const last = store.transaction((tx) => tx.ruleStatesSince(['agg'], 'judge', again.mark));
      expect(last.states.find((row) => row.fingerprint === 'm3')?.state?.lastValue).toBe(8);
    });
  });

  describe('rule states of hosts whose reports move between collectors', () => {
    const state = (fingerprint: string, host: string, lastSampleAtMs: number, status: RuleState['status'] = 'inactive'): RuleState =>
      ({ ruleName: 'r', ruleVersion: 'v', fingerprint, labels: { host }, status, lastValue: 1, lastSampleAtMs, intervalMs: 15_000 }) as RuleState;
    const byFingerprint = <T extends { fingerprint: string }>(rows: T[]) => rows.sort((x, y) => x.fingerprint.localeCompare(y.fingerprint));
    const at = (atMs: number) => ({ atMs, adoptBeforeMs: atMs - 1000 });

    it("a batch's collector takes its hosts' rows: others' come with their state, its own by fingerprint", () => {
      const store = engine.open();
      store.transaction((tx) => tx.saveRuleStates([state('h1-a', 'h1', 10), state('h2-a', 'h2', 10)], 'a', 100));
      store.transaction((tx) => tx.saveRuleStates([state('h1-b', 'h1', 20)], 'b', 100));
      expect(byFingerprint(store.transaction((tx) => tx.claimHostRuleStates(['h1'], 'b', 200)))).toEqual([
        { fingerprint: 'h1-a', state: state('h1-a', 'h1', 10) },
        { fingerprint: 'h1-b', state: undefined },
      ]);
      // now both are B's: B gets fingerprints only, A (their host back on A) gets them with their state
      expect(byFingerprint(store.transaction((tx) => tx.claimHostRuleStates(['h1'], 'b', 300)))).toEqual([
        { fingerprint: 'h1-a', state: undefined },
        { fingerprint: 'h1-b', state: undefined },
      ]);
      expect(byFingerprint(store.transaction((tx) => tx.claimHostRuleStates(['h1', 'h3'], 'a', 400))).map((row) => row.state?.fingerprint)).toEqual(['h1-a', 'h1-b']);
    });

    it('changes a row outside its batches only where the writer still owns it', () => {
      const store = engine.open();
      store.transaction((tx) => tx.saveRuleStates([state('own', 'h1', 10), state('gone', 'h1', 10), state('moved', 'h2', 10)], 'a', 1000));
      // h2's reports land on B, which takes its row and writes a newer sample
      store.transaction((tx) => {
        tx.claimHostRuleStates(['h2'], 'b', 1100);
        tx.saveRuleStates([state('moved', 'h2', 50)], 'b', 1100);
      });
      const refused = store.transaction((tx) =>
        tx.writeOwnRuleStates([state('own', 'h1', 10, 'firing'), state('moved', 'h2', 10, 'firing'), state('never', 'h1', 10)], ['gone'], 'a', at(1200)),
      );
      // A's own row changed, its deleted one gone; B's row and a row that does not exist refused, with the store's copy
      expect(byFingerprint(refused)).toEqual([
        { fingerprint: 'moved', state: state('moved', 'h2', 50) },
        { fingerprint: 'never', state: undefined },
      ]);
      expect(byFingerprint([...store.loadRuleStates().values()])).toEqual([state('moved', 'h2', 50), state('own', 'h1', 10, 'firing')]);
      // what A wrote stays A's: B may not change it outside a batch of h1 either
      expect(store.transaction((tx) => tx.writeOwnRuleStates([], ['own'], 'b', at(1300)))).toEqual([{ fingerprint: 'own', state: state('own', 'h1', 10, 'firing') }]);
    });

    it('takes over, unchanged, a row nobody wrote or took since adoptBeforeMs; then it is the taker\'s', () => {
      const store = engine.open();
      store.transaction((tx) => tx.saveRuleStates([state('old', 'h1', 10), state('recent', 'h1', 10)], 'dead', 1000));
      store.transaction((tx) => tx.saveRuleStates([state('recent', 'h1', 20)], 'dead', 5000));
      const refused = store.transaction((tx) => tx.writeOwnRuleStates([state('old', 'h1', 10, 'firing')], ['recent'], 'b', { atMs: 6000, adoptBeforeMs: 2000 }));
      expect(byFingerprint(refused)).toEqual([
        { fingerprint: 'old', state: state('old', 'h1', 10) },
        { fingerprint: 'recent', state: state('recent', 'h1', 20) },
      ]);
      expect(store.loadRuleStates().get('old')).toEqual(state('old', 'h1', 10));
      // taken at 6000: B's now, and no longer old for another
      expect(store.transaction((tx) => tx.writeOwnRuleStates([state('old', 'h1', 10, 'firing')], [], 'b', { atMs: 6100, adoptBeforeMs: 2000 }))).toEqual([]);
      expect(store.transaction((tx) => tx.writeOwnRuleStates([], ['old'], 'c', { atMs: 6200, adoptBeforeMs: 6000 }))).toEqual([{ fingerprint: 'old', state: state('old', 'h1', 10, 'firing') }]);
      expect(store.loadRuleStates().get('old')).toEqual(state('old', 'h1', 10, 'firing'));
    });

    it('deletes a stale state only where no newer sample was stored since the copy', () => {
      const store = engine.open();
      store.transaction((tx) => tx.saveRuleStates([state('still', 'h1', 10), state('newer', 'h2', 30)], 'b', 100));
      const refused = store.transaction((tx) => tx.deleteStaleRuleStates([state('still', 'h1', 10), state('newer', 'h2', 20), state('absent', 'h3', 10)]));
      expect(refused).toEqual(['newer']);
      expect([...store.loadRuleStates().keys()]).toEqual(['newer']);
    });
  });

  describe('leases', () => {
    it('gives a lease to one holder at a time, until it runs out, is released or taken over', () => {
      const store = engine.open();
      const ask = (holder: string, nowMs: number, takeOverFrom?: string) => store.tryAcquireLease({ name: 'history', holder, ttlMs: 100, nowMs, ...(takeOverFrom ? { takeOverFrom } : {}) });
      expect(ask('a', 0)).toBe(true);
      expect(ask('b', 50)).toBe(false);
      expect(ask('a', 60)).toBe(true); // renewed: acquired time kept
      expect(store.listLeases()).toEqual([{ name: 'history', holder: 'a', acquiredAtMs: 0, expiresAtMs: 160 }]);
      expect(ask('b', 160)).toBe(true); // ran out
      expect(ask('a', 170, 'b')).toBe(true); // b known dead
      expect(store.releaseLease('history', 'b')).toBe(false);
      expect(store.releaseLease('history', 'a')).toBe(true);
      expect(ask('b', 180)).toBe(true);
      expect(store.listLeases()).toEqual([{ name: 'history', holder: 'b', acquiredAtMs: 180, expiresAtMs: 280 }]);
    });
  });

  describe('agents, tokens and sessions', () => {
    it('enrols, finds, revokes and retires agents and their hosts', () => {
      const store = engine.open();
      expect(store.enrollAgent({ agentId: 'a1', hostname: 'web-01', credentialSha256: 'c1', atMs: 1 })).toBe(true);
      expect(store.enrollAgent({ agentId: 'a1', hostname: 'web-01', credentialSha256: 'c9', atMs: 2 })).toBe(false);
      expect(store.enrollAgent({ agentId: 'a2', hostname: 'db-01', credentialSha256: 'c2', atMs: 3 })).toBe(true);
      expect(store.findAgentByCredential('c1')).toEqual({ agentId: 'a1', hostname: 'web-01', enrolledAtMs: 1, revokedAtMs: null });
      expect(store.findAgent('a2')?.hostname).toBe('db-01');
      expect(store.findAgent('nobody')).toBeUndefined();
      expect(store.listAgents().map((a) => a.agentId)).toEqual(['a1', 'a2']);
      expect(store.revokeAgent('a2', 10)).toBe(true);
      expect(store.revokeAgent('a2', 11)).toBe(false);
      expect(store.activeAgentsOnHost('db-01')).toEqual([]);
      expect(store.activeAgentsOnHost('web-01').map((a) => a.agentId)).toEqual(['a1']);
      store.transaction((tx) => tx.insertReport(record(0, BASE, 1, 'a1', 'web-01')));
      expect(store.transaction((tx) => tx.retireHost('web-01', 20, 'revoke'))).toEqual({ hosts: 1, agents: 1 });
      expect(store.findHost('web-01')?.decommissionedAtMs).toBe(20);
      expect(store.findAgent('a1')?.revokedAtMs).toBe(20);
      expect(store.transaction((tx) => tx.retireHost('web-01', 30, 'forget'))).toEqual({ hosts: 0, agents: 1 });
      expect(store.findAgent('a1')).toBeUndefined();
      // Enrolling the same agent id again (a reset host) recommissions its host.
      expect(store.enrollAgent({ agentId: 'a1', hostname: 'web-01', credentialSha256: 'c3', atMs: 40 })).toBe(true);
      expect(store.findHost('web-01')?.decommissionedAtMs).toBeNull();
    });

    it("reads the agents a report's id and host concern in one call: the id's, revoked or not, and the host's active ones, by id", () => {
      const store = engine.open();
      for (const [agentId, hostname] of [['a1', 'web-01'], ['a0', 'web-01'], ['a2', 'db-01'], ['a3', 'web-01']] as const) {
        expect(store.enrollAgent({ agentId, hostname, credentialSha256: `c-${agentId}`, atMs: 1 })).toBe(true);
      }
      expect(store.revokeAgent('a2', 10)).toBe(true);
      expect(store.revokeAgent('a3', 10)).toBe(true);
      const claimed = (agentId: string, hostname: string) => store.agentsClaimed(agentId, hostname).map((a) => a.agentId);
      expect(claimed('a2', 'web-01')).toEqual(['a0', 'a1', 'a2']);
      expect(claimed('nobody', 'web-01')).toEqual(['a0', 'a1']);
      expect(claimed('a3', 'web-01')).toEqual(['a0', 'a1', 'a3']);
      expect(claimed('nobody', 'db-01')).toEqual([]);
      expect(claimed('a1', 'elsewhere')).toEqual(['a1']);
      expect(store.agentsClaimed('a2', 'nowhere')).toEqual([{ agentId: 'a2', hostname: 'db-01', enrolledAtMs: 1, revokedAtMs: 10 }]);
    });

    it("answers the identity check afresh after this connection's and another's writes to the agents, and after a rollback", async () => {
      const database = engine.database();
      const store = database.open();
      const other = database.open();
      const claimed = (agentId: string, hostname: string) => store.agentsClaimed(agentId, hostname).map((a) => `${a.agentId}${a.revokedAtMs === null ? '' : ' revoked'}`);
      // Another connection (a second collector on the file, the CLI) enrols and revokes: seen from the next turn of the event loop on.
      expect(claimed('a1', 'web-01')).toEqual([]);
      expect(other.enrollAgent({ agentId: 'a1', hostname: 'web-01', credentialSha256: 'c1', atMs: 1 })).toBe(true);
      await nextTurn();
      expect(claimed('a1', 'web-01')).toEqual(['a1']);
      expect(claimed('nobody', 'web-01')).toEqual(['a1']);
      expect(other.revokeAgent('a1', 2)).toBe(true);
      await nextTurn();
      expect(claimed('nobody', 'web-01')).toEqual([]);
      expect(claimed('a1', 'web-01')).toEqual(['a1 revoked']);
      // This connection enrols and revokes.
      expect(claimed('a2', 'db-01')).toEqual([]);
      expect(store.enrollAgent({ agentId: 'a2', hostname: 'db-01', credentialSha256: 'c2', atMs: 3 })).toBe(true);
      expect(claimed('a2', 'db-01')).toEqual(['a2']);
      expect(store.revokeAgent('a2', 4)).toBe(true);
      expect(claimed('a2', 'db-01')).toEqual(['a2 revoked']);
      // The same agent id claiming another host is another question.
      expect(store.enrollAgent({ agentId: 'a3', hostname: 'web-02', credentialSha256: 'c3', atMs: 5 })).toBe(true);
      expect(claimed('nobody', 'web-02')).toEqual(['a3']);
      expect(claimed('nobody', 'free-02')).toEqual([]);
      expect(claimed('nobody', 'web-02')).toEqual(['a3']);
      // A host retired in a transaction revokes its agents; one rolled back leaves them as they were.
      store.transaction((tx) => tx.retireHost('web-02', 6, 'revoke'));
      expect(claimed('nobody', 'web-02')).toEqual([]);
      expect(store.enrollAgent({ agentId: 'a4', hostname: 'web-03', credentialSha256: 'c4', atMs: 7 })).toBe(true);
      expect(claimed('nobody', 'web-03')).toEqual(['a4']);
      expect(() =>
        store.transaction((tx) => {
          tx.retireHost('web-03', 8, 'forget');
          // SQLite's reads inside the transaction see its writes, which must not outlive its rollback.
          if (engine.name === 'sqlite') expect(claimed('nobody', 'web-03')).toEqual([]);
          throw new Error('rolled back');
        }),
      ).toThrow('rolled back');
      expect(claimed('nobody', 'web-03')).toEqual(['a4']);
      other.close();
      store.close();
    });

    it("answers the identity check as of the turn of the event loop: another connection's commit within it is seen from the next", async () => {
      const database = engine.database();
      const store = database.open();
      const other = database.open();
      const claimed = (agentId: string) => store.agentsClaimed(agentId, 'web-01').map((a) => `${a.agentId}${a.revokedAtMs === null ? '' : ' revoked'}`);
      expect(other.enrollAgent({ agentId: 'a1', hostname: 'web-01', credentialSha256: 'c1', atMs: 1 })).toBe(true);
      await nextTurn();
      expect(claimed('a1')).toEqual(['a1']);
      expect(other.revokeAgent('a1', 2)).toBe(true);
      // The SQLite store keeps its answers and reads whether another connection committed once a turn; PostgreSQL's reads each time.
      expect(claimed('a1')).toEqual([engine.name === 'sqlite' ? 'a1' : 'a1 revoked']);
      await nextTurn();
      expect(claimed('a1')).toEqual(['a1 revoked']);
      // This connection's own writes are seen at once.
      expect(store.enrollAgent({ agentId: 'a2', hostname: 'web-01', credentialSha256: 'c2', atMs: 3 })).toBe(true);
      expect(claimed('a2')).toEqual(['a2']);
      other.close();
      store.close();
    });

    it('lists as overdue only the hosts whose next report was due by then, decommissioned ones left out', () => {
      const store = engine.open();
      // Each host reports every 15 s (record's interval): web-01 last at BASE, db-01 at BASE + 10 s, old-01 at BASE - 60 s.
      store.transaction((tx) => {
        tx.insertReport(record(0, BASE, 1, 'a1', 'web-01'));
        tx.insertReport(record(0, BASE + 10_000, 1, 'a2', 'db-01'));
        tx.insertReport(record(0, BASE - 60_000, 1, 'a3', 'old-01'));
      });
      expect(store.overdueHosts(BASE + 14_999).map((h) => h.hostname)).toEqual(['old-01']);
      // Due exactly at last report + interval.
      expect(store.overdueHosts(BASE + 15_000).map((h) => h.hostname)).toEqual(['old-01', 'web-01']);
      expect(store.overdueHosts(BASE + 25_000).map((h) => h.hostname)).toEqual(['db-01', 'old-01', 'web-01']);
      expect(store.overdueHosts(BASE + 25_000)[0]).toMatchObject({ agentId: 'a2', lastReportAtMs: BASE + 10_000, intervalSeconds: 15, inventory: null });
      // A slice at a time: at most `limit`, after the given host.
      expect(store.overdueHosts(BASE + 25_000, { limit: 2 }).map((h) => h.hostname)).toEqual(['db-01', 'old-01']);
      expect(store.overdueHosts(BASE + 25_000, { after: { hostname: 'db-01', agentId: 'a2' }, limit: 2 }).map((h) => h.hostname)).toEqual(['old-01', 'web-01']);
      expect(store.overdueHosts(BASE + 25_000, { after: { hostname: 'old-01', agentId: 'a3' }, limit: 2 }).map((h) => h.hostname)).toEqual(['web-01']);
      expect(store.overdueHosts(BASE + 25_000, { after: { hostname: 'web-01', agentId: 'a1' }, limit: 2 })).toEqual([]);
      store.transaction((tx) => tx.retireHost('old-01', BASE, 'revoke'));
      expect(store.overdueHosts(BASE + 25_000).map((h) => h.hostname)).toEqual(['db-01', 'web-01']);
      store.close();
    });

    it('keeps the overdue hosts exact across reports, rolled-back writes, recommissioning and another connection', () => {
      const database = engine.database();
      const store = database.open();
      store.transaction((tx) => {
        tx.insertReport(record(0, BASE, 1, 'a1', 'web-01'));
        tx.insertReport(record(0, BASE, 1, 'a2', 'db-01'));
      });
      const overdue = (atMs: number) => store.overdueHosts(atMs).map((h) => h.hostname);
      expect(overdue(BASE + 15_000)).toEqual(['db-01', 'web-01']);
      // A report moves its host's deadline; a host first seen after the last read is judged too.
      store.transaction((tx) => {
        tx.insertReport(record(1, BASE + 10_000, 1, 'a1', 'web-01'));
        tx.insertReport(record(0, BASE + 1_000, 1, 'a3', 'new-01'));
      });
      expect(overdue(BASE + 15_000)).toEqual(['db-01']);
      expect(overdue(BASE + 16_000)).toEqual(['db-01', 'new-01']);
      expect(overdue(BASE + 25_000)).toEqual(['db-01', 'new-01', 'web-01']);
      // A rolled-back transaction, and a savepoint rolled back alone, leave the deadlines as the file has them.
      expect(() =>
        store.transaction((tx) => {
          tx.insertReport(record(1, BASE + 20_000, 1, 'a2', 'db-01'));
          throw new Error('rolled back');
        }),
      ).toThrow('rolled back');
      expect(overdue(BASE + 15_000)).toEqual(['db-01']);
      store.transaction((tx) => {
        expect(() =>
          tx.savepoint(() => {
            tx.insertReport(record(2, BASE + 20_000, 1, 'a2', 'db-01'));
            throw new Error('refused alone');
          }),
        ).toThrow('refused alone');
      });
      expect(overdue(BASE + 15_000)).toEqual(['db-01']);
      // Decommissioned, then recommissioned by enrolling again: overdue again without a report.
      store.transaction((tx) => tx.retireHost('db-01', BASE + 15_000, 'forget'));
      expect(overdue(BASE + 30_000)).toEqual(['new-01', 'web-01']);
      expect(store.enrollAgent({ agentId: 'a2', hostname: 'db-01', credentialSha256: 'c2', atMs: BASE + 16_000 })).toBe(true);
      expect(overdue(BASE + 30_000)).toEqual(['db-01', 'new-01', 'web-01']);
      // Another connection to the same store: its reports count as this one's.
      const other = database.open();
      other.transaction((tx) => {
        tx.insertReport(record(5, BASE + 30_000, 1, 'a2', 'db-01'));
        tx.insertReport(record(0, BASE, 1, 'a4', 'far-01'));
      });
      expect(overdue(BASE + 30_000)).toEqual(['far-01', 'new-01', 'web-01']);
      expect(overdue(BASE + 45_000)).toEqual(['db-01', 'far-01', 'new-01', 'web-01']);
      other.close();
      store.close();
    });

    it('keeps API tokens by digest, and revoking one ends its console sessions', () => {
      const store = engine.open();
      const token = { name: 'ci', role: 'operator' as const, createdAtMs: 1, createdBy: 'admin', tokenSha256: 'd1' };
      expect(store.insertApiToken(token)).toBe(true);
      expect(store.insertApiToken({ ...token, tokenSha256: 'd2' })).toBe(false);
      expect(store.insertApiToken({ ...token, name: 'viewer', role: 'viewer', createdAtMs: 2, tokenSha256: 'd3' })).toBe(true);
      expect(store.findApiTokenByDigest('d1')).toEqual({ name: 'ci', role: 'operator', createdAtMs: 1, createdBy: 'admin', revokedAtMs: null });
      expect(store.listApiTokens().map((t) => t.name)).toEqual(['ci', 'viewer']);
      store.insertConsoleSession({ idSha256: 's1', role: 'operator', name: 'ci', createdAtMs: 10, expiresAtMs: 100 }, 10);
      store.insertConsoleSession({ idSha256: 's2', role: 'viewer', name: 'viewer', createdAtMs: 11, expiresAtMs: 100 }, 10);
      expect(store.findConsoleSession('s1')).toEqual({ idSha256: 's1', role: 'operator', name: 'ci', createdAtMs: 10, expiresAtMs: 100 });
      expect(store.revokeApiToken('ci', 50)).toBe(true);
      expect(store.revokeApiToken('ci', 51)).toBe(false);
      expect(store.findApiTokenByDigest('d1')?.revokedAtMs).toBe(50);
      expect(store.findConsoleSession('s1')).toBeUndefined();
      expect(store.deleteConsoleSession('s2')).toBe(true);
      expect(store.deleteConsoleSession('s2')).toBe(false);
    });

    it('keeps console sessions bounded: expired ones and the oldest beyond the limit go', () => {
      const store = engine.open();
      store.insertConsoleSession({ idSha256: 'old', role: 'viewer', name: null, createdAtMs: 1, expiresAtMs: 5 }, 3);
      for (let i = 0; i < 4; i++) store.insertConsoleSession({ idSha256: `s${i}`, role: 'viewer', name: null, createdAtMs: 10 + i, expiresAtMs: 1000 }, 3);
      expect(store.findConsoleSession('old')).toBeUndefined();
      expect(['s0', 's1', 's2', 's3'].map((id) => store.findConsoleSession(id) !== undefined)).toEqual([false, true, true, true]);
    });

    it('keeps the status notice and the audit log', () => {
      const store = engine.open();
      expect(store.statusNotice()).toBeUndefined();
      store.setStatusNotice({ text: 'maintenance tonight', setBy: 'ops', setAtMs: 5 });
      store.setStatusNotice({ text: 'maintenance at 22:00', setBy: 'ops', setAtMs: 6 });
      expect(store.statusNotice()).toEqual({ text: 'maintenance at 22:00', setBy: 'ops', setAtMs: 6 });
      store.setStatusNotice(null);
      expect(store.statusNotice()).toBeUndefined();
      for (let i = 0; i < 3; i++) store.appendAudit({ atMs: i, actor: 'admin', action: `a${i}`, target: 't', detail: '{}' });
      expect(store.listAudit(2).map((e) => e.action)).toEqual(['a2', 'a1']);
    });
  });

  describe('incidents', () => {
    it('inserts, updates and lists incidents with their filters', () => {
      const store = engine.open();
      const [a, b, c] = store.transaction((tx) => [
        tx.insertIncident(incident('k1', 'fp1')),
        tx.insertIncident(incident('k2', 'fp2', { host: 'db-01', severity: 'warning', ruleName: 'cpu' })),
        tx.insertIncident(incident('k3', 'fp3')),
      ]);
      expect(a).toMatchObject({ id: 1, occurrences: 1, parentIncidentId: null, ticketed: true, hold: null, flapping: false, settlingSinceMs: null, rearmAtMs: null });
      store.transaction((tx) => {
        tx.updateIncident(c!.id, { status: 'resolved', resolvedAtMs: BASE + 5, parentIncidentId: a!.id, ticketed: false, flapping: true, hold: 'silenced', rearmAtMs: BASE + 10 });
        tx.updateIncident(b!.id, { status: 'acknowledged', occurrences: 3, settlingSinceMs: BASE + 1, why: { again: true } });
        expect(() => tx.updateIncident(99, { status: 'resolved' })).toThrow(/99/);
      });
      expect(store.getIncident(c!.id)).toMatchObject({ status: 'resolved', parentIncidentId: 1, ticketed: false, flapping: true, hold: 'silenced', rearmAtMs: BASE + 10 });
      expect(store.getIncident(b!.id)).toMatchObject({ status: 'acknowledged', occurrences: 3, settlingSinceMs: BASE + 1, why: { again: true } });
      expect(store.getIncident(42)).toBeUndefined();
      const keys = (list: Array<{ key: string }>) => list.map((i) => i.key);
      expect(keys(store.listIncidents())).toEqual(['k3', 'k2', 'k1']);
      expect(keys(store.listIncidents({ status: 'active' }))).toEqual(['k2', 'k1']);
      expect(keys(store.listIncidents({ status: 'resolved' }))).toEqual(['k3']);
      expect(keys(store.listIncidents({ host: 'db-01' }))).toEqual(['k2']);
      expect(keys(store.listIncidents({ severity: 'critical', status: 'active' }))).toEqual(['k1']);
      expect(keys(store.listIncidents({ ruleName: 'cpu' }))).toEqual(['k2']);
      expect(keys(store.listIncidents({ beforeId: 3, limit: 1 }))).toEqual(['k2']);
      expect(keys(store.listIncidents({ limit: 2 }))).toEqual(['k3', 'k2']);
      expect(store.countIncidents('open')).toBe(1);
      expect(store.countIncidents('acknowledged')).toBe(1);
      expect(keys(store.childIncidents(a!.id))).toEqual(['k3']);
      store.transaction((tx) => {
        expect(tx.findActiveIncident('fp2')?.key).toBe('k2');
        expect(tx.findActiveIncident('fp3')).toBeUndefined();
        expect(tx.findLatestIncident('fp3')?.key).toBe('k3');
        expect(keys(tx.activeIncidents())).toEqual(['k1', 'k2']);
        expect(keys(tx.rearmDueIncidents(BASE + 10))).toEqual(['k3']);
        expect(keys(tx.rearmDueIncidents(BASE + 9))).toEqual([]);
        expect(tx.getIncident(a!.id)?.key).toBe('k1');
      });
    });

    it('keeps events, priorities and flap history of incidents', () => {
      const store = engine.open();
      const { id } = store.transaction((tx) => tx.insertIncident(incident('k1')));
      store.transaction((tx) => {
        tx.addIncidentEvent({ incidentId: id, atMs: 1, kind: 'opened', text: 'opened', data: { value: 0.97 } });
        tx.addIncidentEvent({ incidentId: id, atMs: 2, kind: 'acknowledged', text: 'by ops', data: {} });
        tx.saveIncidentPriority({ incidentId: id, services: ['payments'], impact: 'high', urgency: 'high', priority: 'P1', initialPriority: 'P1', reason: 'r', slaBreach: null });
        tx.saveIncidentPriority({ incidentId: id, services: ['payments'], impact: 'high', urgency: 'high', priority: 'P1', initialPriority: 'P2', reason: 'r2', slaBreach: { clock: 'acknowledge', atMs: 9 } });
        tx.saveFlapHistory('fp', [{ kind: 'firing', atMs: 1 }]);
        tx.saveFlapHistory('fp', [{ kind: 'firing', atMs: 1 }, { kind: 'resolved', atMs: 2 }]);
      });
      expect(store.incidentEvents(id)).toEqual([
        { id: expect.any(Number), incidentId: id, atMs: 1, kind: 'opened', text: 'opened', data: { value: 0.97 } },
        { id: expect.any(Number), incidentId: id, atMs: 2, kind: 'acknowledged', text: 'by ops', data: {} },
      ]);
      // The initial priority is the first one recorded; the rest is replaced.
      expect(store.incidentPriority(id)).toEqual({ incidentId: id, services: ['payments'], impact: 'high', urgency: 'high', priority: 'P1', initialPriority: 'P1', reason: 'r2', slaBreach: { clock: 'acknowledge', atMs: 9 } });
      expect(store.incidentPriority(99)).toBeUndefined();
      store.transaction((tx) => {
        expect(tx.loadFlapHistory('fp')).toEqual([{ kind: 'firing', atMs: 1 }, { kind: 'resolved', atMs: 2 }]);
        expect(tx.loadFlapHistory('other')).toEqual([]);
      });
    });

    it('keeps silences and maintenance windows', () => {
      const store = engine.open();
      const matchers = [{ name: 'host', op: '=', value: 'web-01' }] as never;
      const s1 = store.transaction((tx) => tx.insertSilence({ matchers, comment: 'patching', createdBy: 'ops', startsAtMs: 10, expiresAtMs: 100, createdAtMs: 5 }));
      const s2 = store.transaction((tx) => tx.insertSilence({ matchers, comment: 'later', createdBy: 'ops', startsAtMs: 200, expiresAtMs: 300, createdAtMs: 6 }));
      expect(store.getSilence(s1.id)).toEqual(s1);
      expect(store.listSilences(150).map((s) => s.id)).toEqual([s2.id]);
      expect(store.listSilences().map((s) => s.id)).toEqual([s1.id, s2.id]);
      expect(store.transaction((tx) => tx.expireSilence(s2.id, 250))).toBe(true);
      expect(store.transaction((tx) => tx.expireSilence(99, 250))).toBe(false);
      expect(store.getSilence(s2.id)?.expiresAtMs).toBe(250);
      const w = store.transaction((tx) => tx.insertMaintenance({ cron: '0 2 * * *', durationSeconds: 3600, host: null, group: 'db', comment: 'backups', createdAtMs: 7 }));
      expect(store.listMaintenance()).toEqual([w]);
      expect(() => store.transaction((tx) => tx.insertMaintenance({ cron: '0 2 * * *', durationSeconds: 1, host: 'h', group: 'g', comment: '', createdAtMs: 7 }))).toThrow();
      expect(store.transaction((tx) => tx.deleteMaintenance(w.id))).toBe(true);
      expect(store.transaction((tx) => tx.deleteMaintenance(w.id))).toBe(false);
    });

    it('links service incidents and keeps service states', () => {
      const store = engine.open();
      const [svc, host1, host2] = store.transaction((tx) => [tx.insertIncident(incident('svc', 'service:pay')), tx.insertIncident(incident('h1', 'f1')), tx.insertIncident(incident('h2', 'f2'))]);
      store.transaction((tx) => {
        expect(tx.linkServiceIncident({ serviceIncidentId: svc!.id, incidentId: host1!.id, service: 'pay', linkedAtMs: 1 })).toBe(true);
        expect(tx.linkServiceIncident({ serviceIncidentId: svc!.id, incidentId: host1!.id, service: 'pay', linkedAtMs: 2 })).toBe(false);
        expect(tx.linkServiceIncident({ serviceIncidentId: svc!.id, incidentId: host2!.id, service: 'pay', linkedAtMs: 3 })).toBe(true);
        tx.recordServiceState({ service: 'pay', state: 'degraded', atMs: 10, reason: 'one host' });
        tx.recordServiceState({ service: 'pay', state: 'outage', atMs: 20, reason: 'two hosts' });
        tx.recordServiceState({ service: 'mail', state: 'operational', atMs: 5, reason: 'ok' });
        tx.recordServiceState({ service: 'pay', state: 'operational', atMs: 30, reason: 'back' });
      });
      expect(store.serviceIncidentLinks({ service: 'pay' }).map((l) => l.incidentId)).toEqual([host1!.id, host2!.id]);
      expect(store.serviceIncidentLinks({ serviceIncidentId: svc!.id })).toHaveLength(2);
      expect(store.serviceIncidentLinks({ incidentId: host2!.id })).toEqual([{ serviceIncidentId: svc!.id, incidentId: host2!.id, service: 'pay', linkedAtMs: 3 }]);
      expect(store.latestServiceStates().map((s) => [s.service, s.state])).toEqual([['mail', 'operational'], ['pay', 'operational']]);
      expect(store.serviceStateChanges('pay', 15, 30).map((s) => s.state)).toEqual(['degraded', 'outage']);
    });
  });

  describe('the outbox and the ticket ledger', () => {
    it('queues, coalesces, leases and concludes deliveries', () => {
      const store = engine.open();
      const [i1, i2] = store.transaction((tx) => [tx.insertIncident(incident('k1', 'f1')), tx.insertIncident(incident('k2', 'f2'))]);
      store.transaction((tx) => {
        tx.enqueueOutbox({ incidentId: i1!.id, desk: 'rt', operation: 'open', createdAtMs: 10 });
        tx.enqueueOutbox({ incidentId: i1!.id, desk: 'rt', operation: 'update', createdAtMs: 11 });
        tx.enqueueOutbox({ incidentId: i1!.id, desk: 'rt', operation: 'update', createdAtMs: 12 }); // coalesced into the pending one
        tx.enqueueOutbox({ incidentId: i2!.id, desk: 'pager', operation: 'comment', createdAtMs: 13, note: 'hello' });
        tx.enqueueOutbox({ incidentId: i2!.id, desk: 'pager', operation: 'link', createdAtMs: 14, linkIncidentId: i1!.id });
      });
      const rows = store.outboxForIncident(i1!.id);
      expect(rows.map((r) => r.operation)).toEqual(['open', 'update']);
      expect(store.listOutbox({ desk: 'pager' }).map((r) => [r.operation, r.note, r.linkIncidentId])).toEqual([['link', null, i1!.id], ['comment', 'hello', null]]);
      // One due row per incident and desk: the oldest.
      expect(store.dueOutbox(100, 10).map((r) => r.operation)).toEqual(['open', 'comment']);
      expect(store.dueOutbox(100, 1)).toHaveLength(1);
      const open = rows[0]!;
      store.transaction((tx) => tx.leaseOutbox(open.id, 1, 500));
      expect(store.getOutbox(open.id)).toMatchObject({ attempts: 1, nextAttemptAtMs: 500 });
      expect(store.dueOutbox(100, 10).map((r) => r.operation)).toEqual(['comment']);
      expect(store.transaction((tx) => tx.releaseOutboxLeases(200))).toBe(1);
      expect(store.getOutbox(open.id)?.nextAttemptAtMs).toBe(200);
      store.transaction((tx) => tx.markOutboxAttempt(open.id, 2, 300, 'HTTP 503'));
      expect(store.getOutbox(open.id)).toMatchObject({ attempts: 2, nextAttemptAtMs: 300, lastError: 'HTTP 503' });
      expect(store.transaction((tx) => tx.releaseOutboxLeases(200))).toBe(0);
      store.transaction((tx) => tx.markOutboxDelivered(open.id, 310));
      expect(store.getOutbox(open.id)).toMatchObject({ state: 'delivered', deliveredAtMs: 310, lastError: null });
      // An update queued behind an update that was tried is queued; a held, untried one is hurried.
      store.transaction((tx) => tx.markOutboxAttempt(rows[1]!.id, 0, 9_999, null));
      store.transaction((tx) => tx.enqueueOutbox({ incidentId: i1!.id, desk: 'rt', operation: 'resolve', createdAtMs: 400 }));
      expect(store.getOutbox(rows[1]!.id)?.nextAttemptAtMs).toBe(400);
      store.transaction((tx) => tx.markOutboxSuperseded(rows[1]!.id, 401));
      const resolve = store.outboxForIncident(i1!.id)[2]!;
      store.transaction((tx) => tx.markOutboxDead(resolve.id, 'refused'));
      expect(store.countOutbox('dead')).toBe(1);
      expect(store.countOutbox('superseded')).toBe(1);
      expect(store.listOutbox({ state: 'dead' }).map((r) => r.id)).toEqual([resolve.id]);
      expect(store.transaction((tx) => tx.reviveOutbox(resolve.id, 500))).toEqual([resolve.id]);
      expect(store.transaction((tx) => tx.reviveOutbox(resolve.id, 500))).toEqual([]);
      expect(store.getOutbox(resolve.id)).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAtMs: 500 });
      expect(store.desksForIncident(i1!.id)).toEqual(['rt']);
      store.transaction((tx) => expect(tx.desksForIncident(i2!.id)).toEqual(['pager']));
      expect(store.lastDeliveredAtMs(i1!.id, 'rt', ['open', 'reopen'])).toBe(310);
      expect(store.lastDeliveredAtMs(i1!.id, 'rt', ['resolve'])).toBeUndefined();
      expect(store.getOutbox(9_999)).toBeUndefined();
    });

    it('keeps the ticket ledger and says which tickets to compare with their desk', () => {
      const store = engine.open();
      const [i1, i2] = store.transaction((tx) => [tx.insertIncident(incident('k1', 'f1')), tx.insertIncident(incident('k2', 'f2', { status: 'resolved', updatedAtMs: 5 }))]);
      store.transaction((tx) => {
        tx.saveTicket({ incidentId: i1!.id, desk: 'rt', externalId: '1', url: null, state: 'open', createdAtMs: 1, updatedAtMs: 1 });
        tx.saveTicket({ incidentId: i1!.id, desk: 'rt', externalId: '2', url: 'https://rt/2', state: 'open', createdAtMs: 9, updatedAtMs: 2 });
        tx.saveTicket({ incidentId: i2!.id, desk: 'rt', externalId: '3', url: null, state: 'resolved', createdAtMs: 3, updatedAtMs: 3 });
        tx.markTicketChecked(i1!.id, 'rt', 'new', 50);
      });
      expect(store.getTicket(i1!.id, 'rt')).toEqual({ incidentId: i1!.id, desk: 'rt', externalId: '2', url: 'https://rt/2', state: 'open', createdAtMs: 1, updatedAtMs: 2, deskStatus: 'new', checkedAtMs: 50 });
      expect(store.ticketsToCheck(100, 10).map((t) => t.externalId)).toEqual(['2']);
      expect(store.ticketsToCheck(5, 10).map((t) => t.externalId)).toEqual(['3', '2']);
      store.transaction((tx) => tx.deleteTicket(i1!.id, 'rt'));
      expect(store.getTicket(i1!.id, 'rt')).toBeUndefined();
    });
  });

  describe('history', () => {
    const HOUR = 3_600_000;
    /** Two hours of reports every minute, from BASE. */
    const fill = (store: Store) =>
      store.transaction((tx) => {
        for (let i = 0; i < 120; i++) tx.insertReport(record(i, BASE + i * 60_000 + 100, i));
      });

    it('compacts old blocks into series chunks and rollups, and reads the same samples back', () => {
      const store = engine.open();
      fill(store);
      const before = values(store);
      expect(before).toHaveLength(120);
      expect(store.compactHistory(BASE + HOUR - 1)).toBeUndefined(); // no block has ended by then
      expect(store.compactHistory(BASE + 3 * HOUR)).toMatchObject({ blockStartMs: BASE, reports: 60, samples: 120, series: 2 });
      expect(store.compactHistory(BASE + 3 * HOUR)).toMatchObject({ blockStartMs: BASE + HOUR, reports: 60 });
      expect(store.compactHistory(BASE + 3 * HOUR)).toBeUndefined();
      expect(values(store)).toEqual(before);
      // A re-sent compacted report is still a duplicate.
      expect(store.transaction((tx) => tx.insertReport(record(5, BASE + 5 * 60_000 + 100, 99)))).toBe(false);
      const [root] = store.findSeries({ hostname: 'web-01', metric: 'filesystem_used_ratio' });
      expect(root).toMatchObject({ hostname: 'web-01', labels: MOUNT_ROOT });
      expect(store.findSeries({ hostId: root!.hostId, metric: 'filesystem_used_ratio' })).toHaveLength(2);
      expect(store.findSeries({ metric: 'filesystem_used_ratio' })).toHaveLength(2);
      expect(store.seriesOfHost('web-01').map((s) => s.labels.mount)).toEqual(['/', '/var']);
      expect(store.seriesPoints(root!, BASE, BASE + 10 * 60_000 - 1).map((p) => p.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(store.seriesPoints(root!, BASE, BASE + 10 * 60_000, { hotOnly: true })).toEqual([]);
      const fiveMinutes = store.rollups(root!.seriesId, '5m', BASE, BASE + 10 * 60_000);
      expect(fiveMinutes).toEqual([
        { startMs: BASE, count: 5, sum: 10, min: 0, max: 4 },
        { startMs: BASE + 300_000, count: 5, sum: 35, min: 5, max: 9 },
        { startMs: BASE + 600_000, count: 5, sum: 60, min: 10, max: 14 },
      ]);
      expect(store.rollups(root!.seriesId, '1h', BASE, BASE + 2 * HOUR).map((b) => b.count)).toEqual([60, 60]);
      const [, varSeries] = store.findSeries({ hostId: root!.hostId, metric: 'filesystem_used_ratio' });
      // Both series in one read, by series id.
      const steps = store.rollupSteps([root!.seriesId, varSeries!.seriesId], '5m', BASE, BASE + 15 * 60_000, 900_000);
      expect(steps.get(root!.seriesId)).toEqual([
        { startMs: BASE, count: 15, sum: 105, min: 0, max: 14 },
        { startMs: BASE + 900_000, count: 5, sum: 85, min: 15, max: 19 },
      ]);
      expect(steps.get(varSeries!.seriesId)?.map((b) => b.sum)).toEqual([52.5, 42.5]);
      expect(store.rollupSteps([], '5m', BASE, BASE + HOUR, 900_000)).toEqual(new Map());
      expect(store.latestPoints([root!]).get(root!.seriesId)).toMatchObject({ value: 119 });
      let visited = 0;
      store.visitHostPoints(root!.hostId, new Set([root!.seriesId]), BASE, BASE + 2 * HOUR, () => visited++);
      expect(visited).toBe(120);
      expect([...store.hostSamples('web-01', BASE, BASE + 59_999)].map((s) => [s.labels.mount, s.value])).toEqual([['/', 0], ['/var', 0]]);
      expect([...store.iterateSamples(BASE + HOUR - 60_000, BASE + HOUR + 59_999)].map((s) => s.value)).toEqual([59, 29.5, 60, 30]);
    });

    it('merges hot and compacted samples, and finds the newest of a series in either', () => {
      const store = engine.open();
      fill(store);
      store.compactHistory(BASE + 2 * HOUR); // the first hour only
      const [root] = store.findSeries({ hostname: 'web-01', metric: 'filesystem_used_ratio' });
      expect(store.seriesPoints(root!, BASE + HOUR - 120_000, BASE + HOUR + 120_000).map((p) => p.value)).toEqual([58, 59, 60, 61, 62]);
      expect(store.seriesPoints(root!, BASE, BASE + 2 * HOUR, { hotOnly: true })).toHaveLength(60);
      let visited = 0;
      store.visitHostPoints(root!.hostId, new Set([root!.seriesId]), BASE, BASE + 2 * HOUR, () => visited++, { hotOnly: true });
      expect(visited).toBe(60);
      // A sparkline's read: every compacted sample of the first hour, one hot report per 10-minute step of the second.
      const seen: Array<[number, number]> = [];
      store.visitStepSamples([root!], BASE, BASE + 2 * HOUR, 600_000, (seriesId, atMs, value) => {
        expect(seriesId).toBe(root!.seriesId);
        if (atMs >= BASE + HOUR) seen.push([atMs, value]);
      });
      expect(seen.sort(([a], [b]) => a - b)).toEqual([60, 70, 80, 90, 100, 110].map((i) => [BASE + i * 60_000, i]));
      let compacted = 0;
      store.visitStepSamples([root!], BASE, BASE + HOUR - 1, 600_000, () => compacted++);
      expect(compacted).toBe(60);
      store.visitStepSamples([], BASE, BASE + 2 * HOUR, 600_000, () => expect.unreachable());
      store.compactHistory(BASE + 3 * HOUR);
      expect(store.latestPoints([root!]).get(root!.seriesId)).toMatchObject({ value: 119 });
      expect(store.latestPoints([])).toEqual(new Map());
    });

    it('compacts in steps: a report stored between the read and the write stays hot and is compacted next, once', async () => {
      const store = engine.open();
      fill(store);
      const before = values(store);
      // A late report of the first hour (sequence 500), stored while the first block is being encoded.
      let stored = false;
      const pause = async () => {
        if (!stored) stored = store.transaction((tx) => tx.insertReport(record(500, BASE + 30 * 60_000 + 30_100, 500)));
      };
      const first = await compactOldestInSteps(store, BASE + 3 * HOUR, { pause, sliceMs: 0 });
      expect(stored).toBe(true);
      expect(first).toMatchObject({ blockStartMs: BASE, reports: 60 });
      const [root] = store.findSeries({ hostname: 'web-01', metric: 'filesystem_used_ratio' });
      expect(store.seriesPoints(root!, BASE, BASE + HOUR - 1, { hotOnly: true }).map((p) => p.value)).toEqual([500]);
      // The next pass compacts the late report (its own part) before the second hour.
      expect(await compactOldestInSteps(store, BASE + 3 * HOUR, { pause: async () => {} })).toMatchObject({ blockStartMs: BASE, reports: 1 });
      expect(await compactOldestInSteps(store, BASE + 3 * HOUR, { pause: async () => {} })).toMatchObject({ blockStartMs: BASE + HOUR, reports: 60 });
      expect(await compactOldestInSteps(store, BASE + 3 * HOUR, { pause: async () => {} })).toBeUndefined();
      expect(values(store)).toEqual([...before.slice(0, 31), 500, ...before.slice(31)]);
      expect(store.rollups(root!.seriesId, '1h', BASE, BASE).map((b) => b.count)).toEqual([61]);
    });

    it('writes nothing for a block whose rows another pass compacted after they were read', () => {
      const store = engine.open();
      fill(store);
      const before = values(store);
      const hot = store.readHotBlock(BASE + 3 * HOUR)!;
      expect(hot).toMatchObject({ blockStartMs: BASE });
      expect(hot.rows).toHaveLength(60);
      expect(store.compactHistory(BASE + 3 * HOUR)).toMatchObject({ blockStartMs: BASE, reports: 60 });
      expect(store.writeCompactedBlock(hot, compactRows(hot.rows))).toBeUndefined();
      expect(values(store)).toEqual(before);
      const [root] = store.findSeries({ hostname: 'web-01', metric: 'filesystem_used_ratio' });
      expect(store.rollups(root!.seriesId, '1h', BASE, BASE).map((b) => b.count)).toEqual([60]);
      // Nor when a row went meanwhile (pruned): the write rolls back and the rows it did find stay hot. (The first
      // hour is done: SQLite's compacted rows are swept before the next is read; PostgreSQL deleted them as it compacted.)
      if (engine.name === 'sqlite') expect(store.readHotBlock(BASE + 3 * HOUR)).toBeUndefined();
      while (store.sweepCompacted(1_000) !== undefined);
      const second = store.readHotBlock(BASE + 3 * HOUR)!;
      expect(second).toMatchObject({ blockStartMs: BASE + HOUR });
      expect(store.writeCompactedBlock({ ...second, rows: [...second.rows, { ...second.rows[0]!, sequence: 9_999 }] }, compactRows(second.rows))).toBeUndefined();
      expect(store.seriesPoints(root!, BASE + HOUR, BASE + 2 * HOUR, { hotOnly: true })).toHaveLength(60);
    });

    it('prunes compacted chunks and rollups by age', () => {
      const store = engine.open();
      fill(store);
      store.compactHistory(BASE + 3 * HOUR);
      store.compactHistory(BASE + 3 * HOUR);
      // Chunks of blocks that ended by the cutoff go: the first hour's two series.
      expect(store.pruneBefore(BASE + HOUR)).toBe(2);
      expect(values(store)).toEqual(Array.from({ length: 60 }, (_, i) => i + 60));
      const [root] = store.findSeries({ hostname: 'web-01', metric: 'filesystem_used_ratio' });
      expect(store.pruneRollupsBefore(BASE + HOUR)).toBe(2 * 12 + 2);
      expect(store.rollups(root!.seriesId, '5m', 0, BASE + 3 * HOUR)).toHaveLength(12);
      expect(store.rollups(root!.seriesId, '1h', 0, BASE + 3 * HOUR)).toHaveLength(1);
    });
  });
});

/** Resolves in the next turn of the event loop (after its check phase). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
