/** Report assembly keeps within the contract: item caps, byte budget, no values the schema refuses. */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../contract/report.js';
import { buildReport, MAX_REPORT_OBSERVATIONS, seriesOf } from '../../agent/report/reportBuilder.js';
import { sameHiddenClass } from '../support/hiddenClasses.js';

const AT = '2025-01-01T00:00:00.000Z';
const agent = { id: 'a-1', hostname: 'h', version: 'test', intervalSeconds: 15, labels: {} };
const obs = (value: number, labels: Record<string, string> = {}): Observation => ({ metric: 'load1', labels, value, at: AT });

describe('buildReport', () => {
  it('caps observations at the contract maximum of 20000, keeping the first', () => {
    expect(MAX_REPORT_OBSERVATIONS).toBe(20000);
    const observations = Array.from({ length: 20_005 }, (_, i) => obs(i));
    const built = buildReport({ agent, sequence: 7, sentAt: new Date(AT), observations, checks: [], maxBytes: 64 * 1024 * 1024 });
    expect(built.report.observations).toHaveLength(20000);
    expect(built.report.observations.at(-1)!.value).toBe(19999);
    expect(built.omittedObservations).toBe(5);
  });

  it('stays within the byte budget of the uncompressed JSON', () => {
    const observations = Array.from({ length: 1000 }, (_, i) => obs(i, { interface: `veth${i}` }));
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations, checks: [], maxBytes: 20_000 });
    const bytes = Buffer.byteLength(JSON.stringify(built.report));
    expect(bytes).toBeLessThanOrEqual(20_000);
    expect(bytes).toBeGreaterThan(19_000);
    expect(built.omittedObservations).toBe(1000 - built.report.observations.length);
  });

  it.each([
    [NaN, 'NaN'], // JSON would make it null and the whole report would be refused
    [Infinity, 'Infinity'], // likewise
  ])('leaves out a %s value and counts it', (value) => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations: [obs(1), obs(value), obs(2)], checks: [] });
    expect(built.report.observations.map((o) => o.value)).toEqual([1, 2]);
    expect(built.invalidObservations).toBe(1);
  });

  it('leaves out an observation with a label value over 1024 characters', () => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations: [obs(1, { mount: 'x'.repeat(1025) }), obs(2)], checks: [] });
    expect(built.report.observations.map((o) => o.value)).toEqual([2]);
  });

  it('cuts check output to 4096 characters and fills the envelope', () => {
    const check = { name: 'probe:x', status: 'unknown' as const, output: 'y'.repeat(5000), at: AT, durationSeconds: 1 };
    const built = buildReport({ agent, sequence: 3, sentAt: new Date(AT), observations: [], checks: [check] });
    expect(built.report.checks[0]!.output).toHaveLength(4096);
    expect(built.report).toMatchObject({ schemaVersion: 1, agent, sequence: 3, sentAt: AT });
  });
});

/**
 * The report's JSON is made from a cached text per series (frozen labels object and metric), its
 * value and its timestamp: it must be JSON.stringify's text of the same report, whatever the labels.
 */
describe('buildReport JSON', () => {
  const frozen = Object.freeze({ interface: 'eth0' });
  const made = (metric: string, value: number, labels: Record<string, string>, at = AT): Observation => ({ metric, labels, value, at });

  it('is JSON.stringify of the report, for frozen, unfrozen, shared and empty labels and several timestamps', () => {
    const observations = [
      made('load1', 0.25, Object.freeze({})),
      made('network_receive_bytes_total', 2 ** 53 - 1, frozen),
      made('network_transmit_bytes_total', 1e21, frozen),
      made('network_up', -0, frozen), // JSON writes -0 as 0
      made('filesystem_used_ratio', 1e-7, { mount: '/data "quoted" \\ \u2028 é', device: '/dev/sda1', fstype: 'ext4' }),
      made('load1', 5e-324, {}, '2025-01-01T00:00:01.000Z'),
      made('load1', 3, frozen, '2025-01-01T00:00:01.000Z'),
    ];
    const checks = [{ name: 'probe:x', status: 'ok' as const, output: 'line\n"two"', at: AT, durationSeconds: 0.5 }];
    // Twice: the second report reads the texts cached by the first.
    for (let round = 0; round < 2; round++) {
      const built = buildReport({ agent: { ...agent, labels: { rack: 'r "1"' } }, sequence: 9, sentAt: new Date(AT), observations, checks });
      expect(built.json).toBe(JSON.stringify(built.report));
      expect(built.report.observations).toHaveLength(observations.length);
    }
  });

  it('is JSON.stringify of a report with no observation', () => {
    const built = buildReport({ agent, sequence: 0, sentAt: new Date(AT), observations: [], checks: [] });
    expect(built.json).toBe(JSON.stringify(built.report));
  });

  it('leaves out an observation whose frozen labels are too long, every time, and keeps the text of the others', () => {
    const tooLong = Object.freeze({ mount: 'x'.repeat(1025) });
    for (let round = 0; round < 2; round++) {
      const built = buildReport({ agent, sequence: round, sentAt: new Date(AT), observations: [made('load1', 1, frozen), made('load1', 2, tooLong), made('load1', NaN, frozen), made('load5', 3, frozen)], checks: [] });
      expect(built.report.observations.map((o) => o.value)).toEqual([1, 3]);
      expect(built.invalidObservations).toBe(2);
      expect(built.json).toBe(JSON.stringify(built.report));
    }
  });

  it('gives each metric of one labels object its own text', () => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations: [made('network_up', 1, frozen), made('network_receive_bytes_total', 5, frozen)], checks: [] });
    expect(JSON.parse(built.json!).observations).toEqual([
      { metric: 'network_up', labels: { interface: 'eth0' }, value: 1, at: AT },
      { metric: 'network_receive_bytes_total', labels: { interface: 'eth0' }, value: 5, at: AT },
    ]);
  });
});

/**
 * Series sets: a full report asks the collector to name its set and carries its series' texts; a
 * report of exactly those series, in order and all finite, is written as their values against it.
 */
describe('buildReport against a series set', () => {
  const eth0 = Object.freeze({ interface: 'eth0' });
  const sda = Object.freeze({ device: 'sda' });
  const LATER = '2025-01-01T00:00:01.000Z';
  const at = (metric: string, value: number, labels: Record<string, string>, time = AT): Observation => ({ metric, labels, value, at: time });
  /** One cycle's observations: the same series each time, new values; the disk's taken a second later. */
  const cycle = (n: number): Observation[] => [
    at('load1', n / 4, Object.freeze({})),
    at('network_receive_bytes_total', 1000 * n, eth0),
    at('network_up', 1, eth0),
    at('disk_read_bytes_total', 2 ** 40 + n, sda, LATER),
    // Labels a probe did not freeze: its text is made anew, and compared by value.
    at('filesystem_used_ratio', 0.5, { mount: '/' }, LATER),
  ];
  const checks = [{ name: 'probe:cpu', status: 'ok' as const, output: '', at: AT, durationSeconds: 0.001 }];
  const named = (observations: Observation[]) => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations, checks });
    return { id: 'AAAAAAAAAAAAAAAAAAAAAA', series: seriesOf(built.report.observations) };
  };

  it('asks in a full report, whose JSON is JSON.stringify of it, and whose series are the texts of its observations', () => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations: cycle(1), checks });
    expect(built.compact).toBe(false);
    expect(built.report.wantsSeriesSet).toBe(true);
    expect(built.json).toBe(JSON.stringify(built.report));
    const series = seriesOf(built.report.observations);
    expect(series.pieces).toHaveLength(5);
    expect(series.metrics[1]).toBe('network_receive_bytes_total');
    // Frozen labels are kept for the comparison without a lookup; the others are compared by their text.
    expect(series.frozenLabels.map((labels) => labels !== undefined)).toEqual([true, true, true, true, false]);
    expect(JSON.parse(`${series.pieces[1]}0,"at":"${AT}"}`)).toEqual({ metric: 'network_receive_bytes_total', labels: { interface: 'eth0' }, value: 0, at: AT });
  });

  it('does not ask in a report with no observation (there is no set to name)', () => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations: [], checks });
    expect(built.report.wantsSeriesSet).toBeUndefined();
    expect(built.series).toBeUndefined();
    expect(built.compact).toBe(false);
    expect(built.json).toBe(JSON.stringify(built.report));
  });

  it('writes the same series as values and their times in runs: the JSON of the compact object, which reads back to the observations', () => {
    const seriesSet = named(cycle(1));
    const observations = cycle(2);
    const built = buildReport({ agent, sequence: 2, sentAt: new Date(AT), observations, checks, seriesSets: [seriesSet] });
    expect(built.compact).toBe(true);
    const { schemaVersion, sequence, sentAt } = built.report;
    // The contract's order of keys.
    const compact = {
      schemaVersion,
      agent,
      sequence,
      sentAt,
      // No observations, not even empty: a collector of an earlier release, whose schema requires them, refuses the report rather than store it empty.
      checks,
      seriesSet: seriesSet.id,
      values: [0.5, 2000, 1, 2 ** 40 + 2, 0.5],
      valueTimes: [
        { at: AT, count: 3 },
        { at: LATER, count: 2 },
      ],
    };
    expect(built.json).toBe(JSON.stringify(compact));
    // Read back against the set's series (as the collector does), the values and times are the observations'.
    const sent = JSON.parse(built.json!) as typeof compact;
    const times = sent.valueTimes.flatMap((run) => Array<string>(run.count).fill(run.at));
    const readBack = seriesSet.series.pieces.map((piece, i) => JSON.parse(`${piece}${sent.values[i]},"at":${JSON.stringify(times[i])}}`) as Observation);
    expect(readBack).toEqual(observations);
    // The report is the full one, asking, as the spool holds it and as it is sent again if the set is unknown.
    expect(built.report.observations).toBe(observations);
    expect(built.report.wantsSeriesSet).toBe(true);
    expect(built.series).toBe(seriesSet.series);
    expect(built.json!.length * 3).toBeLessThan(JSON.stringify(built.report).length * 2);
  });

  it('writes a report against whichever held set has its series: series that take turns (a ping every other cycle) are values every time', () => {
    const withPing = [...cycle(1), at('ping_up', 1, Object.freeze({ target: 'gateway' }))];
    const sets = [named(cycle(1)), { ...named(withPing), id: 'BBBBBBBBBBBBBBBBBBBBBB' }];
    const without = buildReport({ agent, sequence: 2, sentAt: new Date(AT), observations: cycle(2), checks, seriesSets: sets });
    const withIt = buildReport({ agent, sequence: 3, sentAt: new Date(AT), observations: [...cycle(3), at('ping_up', 1, withPing.at(-1)!.labels)], checks, seriesSets: sets });
    expect([without.compact, withIt.compact]).toEqual([true, true]);
    expect(JSON.parse(without.json!).seriesSet).toBe(sets[0]!.id);
    expect(JSON.parse(withIt.json!).seriesSet).toBe('BBBBBBBBBBBBBBBBBBBBBB');
    expect(withIt.series).toBe(sets[1]!.series);
    // Of neither set: whole, asking.
    const neither = buildReport({ agent, sequence: 4, sentAt: new Date(AT), observations: cycle(4).slice(1), checks, seriesSets: sets });
    expect(neither.compact).toBe(false);
    expect(neither.report.wantsSeriesSet).toBe(true);
  });

  it('writes a one-series report and a one-run report against a set', () => {
    const only = [at('load1', 1, Object.freeze({}))];
    const built = buildReport({ agent, sequence: 2, sentAt: new Date(AT), observations: [{ ...only[0]!, value: 2 }], checks: [], seriesSets: [named(only)] });
    expect(built.compact).toBe(true);
    expect(JSON.parse(built.json!)).toMatchObject({ values: [2], valueTimes: [{ at: AT, count: 1 }] });
    expect(JSON.parse(built.json!)).not.toHaveProperty('observations');
  });

  it.each([
    ['a new interface', (o: Observation[]) => [...o, at('network_up', 1, Object.freeze({ interface: 'eth1' }))]],
    ['a probe that failed (its series missing)', (o: Observation[]) => o.filter((item) => item.labels !== sda)],
    ['a series replaced by another at its place', (o: Observation[]) => o.map((item, i) => (i === 2 ? at('network_down', 1, eth0) : item))],
    ['the same series in another order', (o: Observation[]) => [o[1]!, o[0]!, ...o.slice(2)]],
    ['a label value changed', (o: Observation[]) => o.map((item, i) => (i === 4 ? { ...item, labels: { mount: '/srv' } } : item))],
  ])('writes a full report that asks again after %s', (_, change) => {
    const seriesSet = named(cycle(1));
    const observations = change(cycle(2));
    const built = buildReport({ agent, sequence: 2, sentAt: new Date(AT), observations, checks, seriesSets: [seriesSet] });
    expect(built.compact).toBe(false);
    expect(built.report.wantsSeriesSet).toBe(true);
    expect(built.json).toBe(JSON.stringify(built.report));
    expect(built.series).toBeUndefined();
    expect(seriesOf(built.report.observations).pieces).not.toEqual(seriesSet.series.pieces);
  });

  it('writes a full report that asks again when labels a probe did not freeze changed in place', () => {
    const labels: Record<string, string> = { mount: '/' };
    const observations = [at('filesystem_used_ratio', 0.5, labels)];
    const seriesSet = named(observations);
    expect(buildReport({ agent, sequence: 2, sentAt: new Date(AT), observations, checks, seriesSets: [seriesSet] }).compact).toBe(true);
    labels.mount = '/srv';
    const built = buildReport({ agent, sequence: 3, sentAt: new Date(AT), observations, checks, seriesSets: [seriesSet] });
    expect(built.compact).toBe(false);
    expect(JSON.parse(built.json!).observations[0].labels).toEqual({ mount: '/srv' });
  });

  it('writes a full report that asks (without the observation) when a value of the set is not finite', () => {
    const seriesSet = named(cycle(1));
    const observations = cycle(2).map((item, i) => (i === 1 ? { ...item, value: NaN } : item));
    const built = buildReport({ agent, sequence: 2, sentAt: new Date(AT), observations, checks, seriesSets: [seriesSet] });
    expect(built.compact).toBe(false);
    expect(built.invalidObservations).toBe(1);
    expect(built.report.observations).toHaveLength(4);
    expect(built.report.wantsSeriesSet).toBe(true);
    expect(built.json).toBe(JSON.stringify(built.report));
    expect(seriesOf(built.report.observations).pieces).toEqual(seriesSet.series.pieces.filter((_, i) => i !== 1));
  });

  it('writes a full report when the compact one is over the byte budget (its checks grew)', () => {
    const seriesSet = named(cycle(1));
    const big = [{ ...checks[0]!, output: 'x'.repeat(4000) }];
    const built = buildReport({ agent, sequence: 2, sentAt: new Date(AT), observations: cycle(2), checks: big, maxBytes: 4000 });
    expect(built.compact).toBe(false);
    const within = buildReport({ agent, sequence: 2, sentAt: new Date(AT), observations: cycle(2), checks: big, seriesSets: [seriesSet], maxBytes: 4000 });
    expect(within.compact).toBe(false);
    expect(within.report.wantsSeriesSet).toBeUndefined();
  });

  it("makes each cycle's report of the hidden class the cycle before's had, compact, full or cut (no map made in the runtime each cycle)", () => {
    const seriesSet = named(cycle(1));
    const reports = (made: (n: number) => ReturnType<typeof buildReport>, what: string) => {
      // Cycles enough that buildReport has run past its first calls, before which V8 gives it no inline caches.
      const built = Array.from({ length: 12 }, (_, i) => made(i + 2));
      for (let i = 1; i < built.length; i++) expect(sameHiddenClass(built[i - 1]!.report, built[i]!.report), `${what}: cycles ${i + 1} and ${i + 2}`).toBe(true);
      return built;
    };
    const compact = reports((n) => buildReport({ agent, sequence: n, sentAt: new Date(AT), observations: cycle(n), checks, seriesSets: [seriesSet] }), 'compact');
    expect(compact.map((b) => [b.compact, b.report.sequence, b.report.wantsSeriesSet])).toEqual(compact.map((_, i) => [true, i + 2, true]));
    const full = reports((n) => buildReport({ agent, sequence: n, sentAt: new Date(AT), observations: cycle(n), checks }), 'full');
    expect(full.map((b) => [b.compact, b.json])).toEqual(full.map((b) => [false, JSON.stringify(b.report)]));
    // Over the byte budget: cut to fit, not asking.
    const cut = reports((n) => buildReport({ agent, sequence: n, sentAt: new Date(AT), observations: cycle(n), checks, maxBytes: 600 }), 'cut');
    expect(cut.map((b) => [b.omittedObservations > 0, b.report.wantsSeriesSet])).toEqual(cut.map(() => [true, undefined]));
    // The JSON of each keeps the skeleton's order of keys, observations in their place.
    expect(Object.keys(compact[0]!.report)).toEqual(['schemaVersion', 'agent', 'sequence', 'sentAt', 'observations', 'checks', 'wantsSeriesSet']);
    expect(Object.keys(cut[0]!.report)).toEqual(['schemaVersion', 'agent', 'sequence', 'sentAt', 'observations', 'checks']);
  });
});
