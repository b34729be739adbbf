/**
 * The collector's rule states by rule and series (RuleStateIndex) give the engine's sweeps what one
 * pass over every state would, and its evaluation what a lookup by fingerprint would: the same
 * states and signals, and the index follows every set and delete. By host, they let a collector
 * sharing the store reload a batch's hosts without a pass over every state.
 */
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createAlertPipeline, type AlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { RuleStateIndex } from '../../collector/alerting/ruleStateIndex.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { canonicalLabels } from '../../contract/labels.js';
import { evaluate, fingerprint, isForgettable, type RuleState } from '../../rules/index.js';
import { incidentsConfig } from '../support/lifecycleHarness.js';
import { sample, T0, testRule } from '../rules/ruleScenario.js';

const state = (ruleName: string, fingerprint: string): RuleState => ({ ruleName, ruleVersion: 'v', fingerprint, labels: {}, status: 'inactive', lastValue: 0, lastSampleAtMs: 0 });
/** A series' state as the engine looks it up (evaluateSeries.ts), with how often it asked for the fingerprint. */
const lookups = { fingerprints: 0 };
const ofSeries = (index: RuleStateIndex, ruleName: string, labels: Record<string, string>) =>
  index.ofSeries(ruleName, labels, canonicalLabels(labels), (_key, of) => (lookups.fingerprints++, fingerprint(ruleName, of)));

describe('RuleStateIndex', () => {
  it('lists each rule\'s states through sets, moves and deletes', () => {
    const index = new RuleStateIndex([['a', state('r1', 'a')]]);
    index.set('b', state('r1', 'b')).set('c', state('r2', 'c'));
    index.set('b', state('r2', 'b')); // the same fingerprint under another rule moves
    index.delete('a');
    expect([...index.ofRule('r1')]).toEqual([]);
    expect([...index.ofRule('r2')].map((s) => s.fingerprint).sort()).toEqual(['b', 'c']);
    expect([...index.keys()].sort()).toEqual(['b', 'c']);
    index.clear();
    expect([...index.ofRule('r2')]).toEqual([]);
  });

  it('gives the engine\'s sweeps the same outcome as a plain map', () => {
    // Absent rules judge silence on sweeps, window rules forget buffers: both read the untouched states.
    const rules = [testRule({ name: 'silent', absent: { seconds: 60 } }), testRule({ name: 'avg', window: { function: 'avg', windowSeconds: 60 } })];
    const plain = new Map<string, RuleState>();
    const index = new RuleStateIndex();
    const steps: Array<[number, ReturnType<typeof sample>[]]> = [
      [0, [sample(0, 0.5), sample(0, 0.5, { host: 'web-2', mount: '/' })]],
      [30, [sample(30, 0.5)]],
      [90, []], // web-2 silent for 90 s: absent fires for it
      [200, []], // both buffers have left the window: forgotten
    ];
    const signals: string[] = [];
    for (const [seconds, samples] of steps) {
      const a = evaluate(rules, samples, plain, T0 + seconds * 1000);
      const b = evaluate(rules, samples, index, T0 + seconds * 1000);
      expect(b.signals).toEqual(a.signals);
      expect(b.states).toEqual(a.states);
      signals.push(...a.signals.map((signal) => `${signal.kind} ${signal.ruleName} ${signal.labels.host}`));
      for (const map of [plain, index]) for (const s of a.states) isForgettable(s) ? map.delete(s.fingerprint) : map.set(s.fingerprint, s);
    }
    expect(signals).toEqual(['firing silent web-2', 'firing silent web-1']);
    expect(index.size).toBe(plain.size);
  });

  it('finds a series\' state by its labels in any order, and no state whose fingerprint is not a series\'', () => {
    const labels = { host: 'web-1', mount: '/' };
    const series = { ...state('r1', fingerprint('r1', labels)), labels };
    const index = new RuleStateIndex([[series.fingerprint, series]]);
    index.set('sweep:r1', state('r1', 'sweep:r1')); // labels {}: never the state of a series without labels
    index.set('odd', { ...state('r1', 'odd'), labels: { host: 'web-2' } }); // not of a series' form (as sweep records and aggregate members)
    index.set('member:x', { ...state('r1', 'member:x'), labels: { ...labels } }); // the same labels, not a series' fingerprint: passed over
    expect(ofSeries(index, 'r1', labels)).toBe(series);
    expect(ofSeries(index, 'r1', { mount: '/', host: 'web-1' })).toBe(series);
    expect(ofSeries(index, 'r2', labels)).toBeUndefined();
    expect(ofSeries(index, 'r1', {})).toBeUndefined();
    expect(ofSeries(index, 'r1', { host: 'web-2' })).toBeUndefined();
    // A label more or fewer, or another value, is another series.
    expect(ofSeries(index, 'r1', { host: 'web-1' })).toBeUndefined();
    expect(ofSeries(index, 'r1', { ...labels, device: 'sda1' })).toBeUndefined();
    expect(ofSeries(index, 'r1', { host: 'web-1', mount: '/var' })).toBeUndefined();
    expect(ofSeries(index, 'r1', { host: 'web-1', device: '/' })).toBeUndefined();
    expect([...index.ofRule('r1')].map((s) => s.fingerprint).sort()).toEqual([series.fingerprint, 'member:x', 'odd', 'sweep:r1'].sort());
    index.delete(series.fingerprint);
    expect(ofSeries(index, 'r1', labels)).toBeUndefined();
    index.delete('odd');
    index.delete('sweep:r1');
    index.delete('member:x');
    expect([...index.ofRule('r1')]).toEqual([]);
    expect(index.countOfRule('r1')).toBe(0);
  });

  it('finds the series of a host with many states by fingerprint, and of one with a dozen without', () => {
    const index = new RuleStateIndex();
    const series = (host: string, i: number) => ({ host, mount: `/m${i}` });
    const add = (host: string, i: number) => {
      const labels = series(host, i);
      const s = { ...state('r1', fingerprint('r1', labels)), labels };
      index.set(s.fingerprint, s);
      return s;
    };
    const small = Array.from({ length: 12 }, (_, i) => add('small', i));
    const big = Array.from({ length: 40 }, (_, i) => add('big', i));
    lookups.fingerprints = 0;
    small.forEach((s, i) => expect(ofSeries(index, 'r1', series('small', i))).toBe(s));
    expect(ofSeries(index, 'r1', series('small', 99))).toBeUndefined();
    expect(lookups.fingerprints).toBe(0);
    big.forEach((s, i) => expect(ofSeries(index, 'r1', series('big', i))).toBe(s));
    expect(ofSeries(index, 'r1', series('big', 99))).toBeUndefined();
    expect(ofSeries(index, 'r2', series('big', 0))).toBeUndefined();
    expect(lookups.fingerprints).toBe(42);
    // Back to a dozen: read through again.
    for (const s of big.slice(12)) index.delete(s.fingerprint);
    lookups.fingerprints = 0;
    big.slice(0, 12).forEach((s, i) => expect(ofSeries(index, 'r1', series('big', i))).toBe(s));
    expect(ofSeries(index, 'r1', series('big', 20))).toBeUndefined();
    expect(lookups.fingerprints).toBe(0);
  });

  it('finds the state of a series without a host label by its fingerprint', () => {
    const labels = { target: 'https://example.test/' };
    const series = { ...state('probe', fingerprint('probe', labels)), labels };
    const index = new RuleStateIndex([[series.fingerprint, series]]);
    expect(ofSeries(index, 'probe', { target: 'https://example.test/' })).toBe(series);
    expect(ofSeries(index, 'other', labels)).toBeUndefined();
    expect(ofSeries(index, 'probe', { target: 'https://example.test/x' })).toBeUndefined();
  });

  it('counts each rule\'s states through sets, moves and deletes, and lists them in the order a plain map does', () => {
    const on = (host: string | undefined, s: RuleState): RuleState => ({ ...s, labels: host === undefined ? {} : { host } });
    const index = new RuleStateIndex();
    const plain = new Map<string, RuleState>();
    const steps: Array<[string, RuleState | undefined]> = [
      ['a', on('web-1', state('r1', 'a'))],
      ['sweep:r1', state('r1', 'sweep:r1')],
      ['b', on('web-2', state('r2', 'b'))],
      ['c', on('web-1', state('r1', 'c'))],
      ['g', state('r1', 'g')], // without a host, as an aggregate group
      ['sweep:r2', state('r2', 'sweep:r2')],
      ['g2', state('r2', 'g2')],
      ['a', undefined], // a deleted, then set again: now after the others
      ['a', on('web-1', state('r1', 'a'))],
      ['b', on('web-1', state('r1', 'b'))], // moved to r1 and to another host, in its place
      ['c', { ...on('web-1', state('r1', 'c')), lastValue: 2 }],
      ['sweep:r1', { ...state('r1', 'sweep:r1'), lastValue: 2 }], // a record set again stays in its place
      ['sweep:r2', { ...state('r2', 'sweep:r2'), lastValue: 2 }],
      ['g', undefined],
      ['h', on('web-3', state('r3', 'h'))],
      ['h', state('r3', 'h')], // its host label gone
    ];
    const ofRule = (name: string) => [...plain.values()].filter((s) => s.ruleName === name);
    for (const [id, s] of steps) {
      for (const map of [plain, index]) s === undefined ? map.delete(id) : map.set(id, s);
      for (const name of ['r1', 'r2', 'r3']) {
        expect([...index.ofRule(name)]).toEqual(ofRule(name));
        expect(index.countOfRule(name)).toBe(ofRule(name).length);
      }
    }
    expect([...index.ofRule('r1')].map((s) => s.fingerprint)).toEqual(['sweep:r1', 'b', 'c', 'a']);
    expect([...index.ofRule('r2')].map((s) => s.fingerprint)).toEqual(['sweep:r2', 'g2']); // its states without a host only
    expect([...index.ofRule('r3')]).toEqual([plain.get('h')]);
    expect([...index.ofHost('web-1')].map((s) => s.fingerprint)).toEqual(['c', 'a', 'b']);
    expect([...index.ofHost('web-2')]).toEqual([]);
    expect([...index.ofHost('web-3')]).toEqual([]);
    expect(index.countOfRule('r4')).toBe(0);
    expect([...index.ofRule('r4')]).toEqual([]);
  });

  it('gives the same states and signals as a plain map through pending, firing, resolving and predictions', () => {
    const rules = [
      testRule({ name: 'at_once', fire: { op: 'above', threshold: 0.9 } }),
      testRule({ name: 'held', fire: { op: 'above', threshold: 0.9 }, forSeconds: 30 }),
      testRule({ name: 'filling', predict: { windowSeconds: 120, horizonSeconds: 600 }, fire: { op: 'above', threshold: 0.99 } }),
      testRule({ name: 'average', window: { function: 'avg', windowSeconds: 60 } }),
    ];
    const plain = new Map<string, RuleState>();
    const index = new RuleStateIndex();
    const web2 = { host: 'web-2', mount: '/' };
    const values = [0.5, 0.95, 0.96, 0.97, 0.5, 0.5, 0.8, 0.92, 0.95, 0.98, 0.4];
    const signals: string[] = [];
    values.forEach((value, i) => {
      const samples = [sample(i * 15, value), sample(i * 15, 0.5, web2)];
      const a = evaluate(rules, samples, plain, T0 + i * 15_000);
      const b = evaluate(rules, samples, index, T0 + i * 15_000);
      expect(b.signals).toEqual(a.signals);
      expect(b.states).toEqual(a.states);
      expect([...b.latestSampleOnly].sort()).toEqual([...a.latestSampleOnly].sort());
      signals.push(...a.signals.map((signal) => `${signal.kind} ${signal.ruleName}`));
      for (const map of [plain, index]) for (const s of a.states) isForgettable(s) ? map.delete(s.fingerprint) : map.set(s.fingerprint, s);
    });
    expect(signals).toEqual(expect.arrayContaining(['firing at_once', 'firing held', 'resolved held', 'firing filling']));
    expect(index.size).toBe(plain.size);
    for (const [id, s] of index) expect(s.fingerprint).toBe(id);
  });
});

describe('RuleStateIndex by host', () => {
  const hostState = (fingerprint: string, host: string | undefined, ruleName = 'r'): RuleState => ({ ...state(ruleName, fingerprint), labels: host === undefined ? {} : { host } });

  it('lists each host\'s states through sets, moves and deletes; states without a host are listed by rule only', () => {
    const index = new RuleStateIndex([['a', hostState('a', 'web-1')], ['g', hostState('g', undefined)]]);
    index.set('b', hostState('b', 'web-1')).set('c', hostState('c', 'web-2'));
    index.set('b', hostState('b', 'web-2')); // a state whose host changed moves
    index.delete('a');
    expect([...index.ofHost('web-1')]).toEqual([]);
    expect([...index.ofHost('web-2')].map((s) => s.fingerprint).sort()).toEqual(['b', 'c']);
    expect([...index.ofRule('r')].map((s) => s.fingerprint).sort()).toEqual(['b', 'c', 'g']);
    index.clear();
    expect([...index.ofHost('web-2')]).toEqual([]);
  });

  it('lists a state once however often it is set, and takes out any of a host\'s states, also while they are read', () => {
    const index = new RuleStateIndex();
    const ids = Array.from({ length: 40 }, (_, i) => `s${i}`);
    for (const id of ids) index.set(id, hostState(id, 'db-1'));
    for (const id of ids) index.set(id, { ...hostState(id, 'db-1'), lastValue: 1 }); // updated in place: still listed once
    expect([...index.ofHost('db-1')].map((s) => s.fingerprint)).toEqual(ids);
    for (const id of ids.filter((_, i) => i % 3 === 1)) index.delete(id);
    expect([...index.ofHost('db-1')].map((s) => s.fingerprint)).toEqual(ids.filter((_, i) => i % 3 !== 1));
    // Deleting each state as it is read (forgetting a host's states) reads them all.
    const read: string[] = [];
    for (const s of index.ofHost('db-1')) {
      read.push(s.fingerprint);
      index.delete(s.fingerprint);
    }
    expect(read).toEqual(ids.filter((_, i) => i % 3 !== 1));
    expect([...index.ofHost('db-1')]).toEqual([]);
    index.set('s0', hostState('s0', 'db-1'));
    expect([...index.ofHost('db-1')].map((s) => s.fingerprint)).toEqual(['s0']);
  });
});

describe('refreshHostStates with shared states', () => {
  const log = pino({ level: 'silent' });
  const config = incidentsConfig();
  const rule = testRule({ name: 'disk_full', metric: 'filesystem_used_ratio' });

  function pipeline(store: Store, holder: string) {
    const environment = createStoreEnvironment(store, config, { nowMs: () => T0 }, 0);
    const incidents = createIncidentService({ route: () => ({ desks: ['desk'], reason: 'test' }), policy: incidentPolicy(config), environment, log });
    return createAlertPipeline({ rules: [rule], initialStates: store.loadRuleStates(), incidents, log, sharedStates: { holder } });
  }
  const batch = (store: Store, via: AlertPipeline, seconds: number, values: Record<string, number>) => {
    const samples = Object.entries(values).map(([host, value]) => sample(seconds, value, { host, mount: '/' }));
    store.transaction((tx) => via.process(tx, samples, T0 + seconds * 1000)).commit();
  };

  it('reads back the batch\'s hosts only: no pass over every state kept, no other host\'s state lost', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const a = pipeline(store, 'a');
    const b = pipeline(store, 'b');
    // A holds firing states of 50 hosts; web-0 moves to B, which clears it (and deletes its state)
    batch(store, a, 0, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`web-${i}`, 0.95])));
    batch(store, b, 15, { 'web-0': 0.5 });
    const passes = [Symbol.iterator, 'entries', 'values', 'keys', 'forEach'] as const;
    const spies = passes.map((name) => vi.spyOn(RuleStateIndex.prototype, name as 'entries'));
    try {
      // web-0 back on A and breaching: A forgets its firing state (B deleted it) and fires anew; web-1 stays firing
      batch(store, a, 30, { 'web-0': 0.96, 'web-1': 0.5 });
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // web-7, which no batch named since, is still firing in A's memory: its clear resolves it
    batch(store, a, 45, { 'web-7': 0.5 });
    const incidents = store.listIncidents({ limit: 100 });
    expect(incidents.filter((i) => i.status === 'open')).toHaveLength(1 + 47);
    expect(incidents.filter((i) => i.host === 'web-1' || i.host === 'web-7').map((i) => i.status)).toEqual(['resolved', 'resolved']);
    // the 47 hosts no batch named are untouched: their states are still firing in the store
    const firing = [...store.loadRuleStates().values()].filter((s) => s.status === 'firing').map((s) => s.labels.host);
    expect(firing.sort()).toEqual(['web-0', ...Array.from({ length: 48 }, (_, i) => `web-${i + 2}`).filter((host) => host !== 'web-7')].sort());
  });
});
