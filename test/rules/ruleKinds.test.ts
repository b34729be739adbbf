/**
 * Time-step scenarios for each rule kind beyond the plain threshold: keepFiringFor, window
 * functions, rate of a counter, linear prediction, absent series and group aggregates. Every step
 * states every active series and every signal; states go through JSON between steps, as if the
 * collector restarted each time.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, isForgettable } from '../../rules/engine/evaluate.js';
import { SWEEP_MS } from '../../rules/engine/sweepRules.js';
import type { RuleState, SeriesSample } from '../../rules/model/ruleTypes.js';
import { runSeriesScenario, T0, testRule } from './ruleScenario.js';

const MIN = 60;
const web1 = { host: 'web-1', mount: '/' };
const disk = (seconds: number, value: number, labels: Record<string, string> = web1): SeriesSample => ({
  metric: 'filesystem_used_ratio',
  labels,
  value,
  atMs: T0 + seconds * 1000,
});

describe('keepFiringFor', () => {
  it('keeps firing until the fire condition has not held for keepFiringFor, counted from the last breach', () => {
    const rule = testRule({ keepFiringForSeconds: 3 * MIN });
    const id = 'disk_full{host="web-1",mount="/"}';
    runSeriesScenario(
      [rule],
      [
        { note: 'breach fires at once', samples: [disk(0, 0.95)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'healthy 1m after the breach: kept firing', samples: [disk(1 * MIN, 0.5)], active: { [id]: 'firing' } },
        { note: 'a new breach restarts the keep-firing time', samples: [disk(2 * MIN, 0.95)], active: { [id]: 'firing' } },
        { note: '2m after the last breach: still kept', samples: [disk(4 * MIN, 0.5)], active: { [id]: 'firing' } },
        { note: '2m59s after it: still kept', samples: [disk(5 * MIN - 1, 0.5)], active: { [id]: 'firing' } },
        { note: '3m after the last breach: resolves', samples: [disk(5 * MIN, 0.5)], active: {}, signals: [`resolved ${id}`] },
      ],
    );
  });

  it('without keepFiringFor the same series resolves at the first healthy sample', () => {
    const id = 'disk_full{host="web-1",mount="/"}';
    runSeriesScenario(
      [testRule()],
      [
        { note: 'fires', samples: [disk(0, 0.95)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'resolves at once', samples: [disk(1 * MIN, 0.5)], active: {}, signals: [`resolved ${id}`] },
      ],
    );
  });
});

describe('window functions', () => {
  it('avg over 3m: a single spike does not fire, a sustained rise does, and it resolves on the average', () => {
    const rule = testRule({ name: 'disk_busy', window: { function: 'avg', windowSeconds: 3 * MIN }, fire: { op: 'above', threshold: 0.8 }, clear: { op: 'atOrBelow', threshold: 0.8 } });
    const id = 'disk_busy{host="web-1",mount="/"}';
    const results = runSeriesScenario(
      [rule],
      [
        { note: 'avg(0.5) = 0.5', samples: [disk(0, 0.5)], active: {} },
        { note: 'avg(0.5 0.5) = 0.5', samples: [disk(1 * MIN, 0.5)], active: {} },
        { note: 'a spike to 1: avg(0.5 0.5 1) = 0.67, no fire', samples: [disk(2 * MIN, 1)], active: {} },
        { note: 'window [0,3m] holds 4 points: avg 0.75', samples: [disk(3 * MIN, 1)], active: {} },
        { note: 'the first point leaves the window: avg(0.5 1 1 1) = 0.875 fires', samples: [disk(4 * MIN, 1)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'raw value drops, avg(1 1 1 0.5) still 0.875', samples: [disk(5 * MIN, 0.5)], active: { [id]: 'firing' } },
        { note: 'avg(1 1 0.5 0.2) = 0.675 resolves', samples: [disk(6 * MIN, 0.2)], active: {}, signals: [`resolved ${id}`] },
      ],
    );
    const fired = results[4]!.signals[0]!;
    expect(fired.value).toBe(0.875);
    expect(fired.reason).toBe('avg_over_time(filesystem_used_ratio[3m]) 0.875 above 0.8');
    expect(results[4]!.states[0]!.recent).toEqual({ atMs: [1, 2, 3, 4].map((m) => T0 + m * MIN * 1000), values: [0.5, 1, 1, 1] });
  });

  it('rate of a counter over 2m, across a counter reset', () => {
    const rule = testRule({
      name: 'rx_errors',
      metric: 'network_receive_errors_total',
      window: { function: 'rate', windowSeconds: 2 * MIN },
      fire: { op: 'above', threshold: 1 },
      clear: { op: 'atOrBelow', threshold: 1 },
      summary: '{{ value }} errors/s on {{ labels.interface }}',
    });
    const errs = (seconds: number, value: number): SeriesSample => ({ metric: 'network_receive_errors_total', labels: { host: 'web-1', interface: 'eth0' }, value, atMs: T0 + seconds * 1000 });
    const id = 'rx_errors{host="web-1",interface="eth0"}';
    const results = runSeriesScenario(
      [rule],
      [
        { note: 'one point: no rate yet (NaN neither fires nor clears)', samples: [errs(0, 0)], active: {} },
        { note: '30 errors in 30s: 1/s, not above 1', samples: [errs(30, 30)], active: {} },
        { note: '90 errors in 60s: 1.5/s fires', samples: [errs(60, 90)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'counter reset to 10: counted as +10, not -80; 100 in 90s = 1.11/s', samples: [errs(90, 10)], active: { [id]: 'firing' } },
        { note: '110 in 120s = 0.917/s resolves', samples: [errs(120, 20)], active: {}, signals: [`resolved ${id}`] },
      ],
    );
    expect(results[2]!.signals[0]!.summary).toBe('1.5 errors/s on eth0');
    expect(results[2]!.signals[0]!.reason).toBe('rate(network_receive_errors_total[2m]) 1.5 above 1');
  });

  it('increase and max over a window', () => {
    const inc = testRule({ name: 'inc', window: { function: 'increase', windowSeconds: 2 * MIN }, fire: { op: 'above', threshold: 5 }, clear: { op: 'atOrBelow', threshold: 5 } });
    const max = testRule({ name: 'peak', window: { function: 'max', windowSeconds: 1 * MIN }, fire: { op: 'above', threshold: 5 }, clear: { op: 'atOrBelow', threshold: 5 } });
    runSeriesScenario(
      [inc, max],
      [
        { note: 'start', samples: [disk(0, 0)], active: {} },
        { note: 'increase 6 > 5, max 6 > 5', samples: [disk(60, 6)], active: { 'inc{host="web-1",mount="/"}': 'firing', 'peak{host="web-1",mount="/"}': 'firing' }, signals: ['firing inc{host="web-1",mount="/"}', 'firing peak{host="web-1",mount="/"}'] },
        { note: 'flat at 6: increase over [0,120] still 6; max over [60,120] still 6', samples: [disk(120, 6)], active: { 'inc{host="web-1",mount="/"}': 'firing', 'peak{host="web-1",mount="/"}': 'firing' } },
        { note: 'increase over [60,180] = 0 resolves; max over [120,180] = 6 stays', samples: [disk(180, 6)], active: { 'peak{host="web-1",mount="/"}': 'firing' }, signals: ['resolved inc{host="web-1",mount="/"}'] },
      ],
    );
  });

  it('window memory survives a restart: the buffer is part of the persisted state', () => {
    const rule = testRule({ window: { function: 'avg', windowSeconds: 5 * MIN } });
    const first = evaluate([rule], [disk(0, 0.95), disk(60, 0.95)], new Map(), T0 + 60_000);
    expect(first.states[0]!.status).toBe('firing');
    const restored = new Map(first.states.map((s) => [s.fingerprint, JSON.parse(JSON.stringify(s))]));
    // A single low sample after the restart is averaged with the two kept ones: (0.95+0.95+0.8)/3 = 0.9, not above 0.9.
    const after = evaluate([rule], [disk(120, 0.8)], restored, T0 + 120_000);
    expect(after.signals.map((s) => [s.kind, s.value])).toEqual([['resolved', 0.9]]);
    const kept = evaluate([rule], [disk(120, 0.86)], restored, T0 + 120_000);
    expect(kept.signals).toEqual([]);
  });
});

describe('predict', () => {
  it('fires when the linear fit over the window crosses the threshold within the horizon, with the time left', () => {
    const rule = testRule({
      name: 'disk_will_fill',
      predict: { windowSeconds: 60 * MIN, horizonSeconds: 4 * 3600 },
      fire: { op: 'above', threshold: 0.995 },
      clear: { op: 'atOrBelow', threshold: 0.995 },
      summary: '{{ labels.mount }} full in {{ secondsToThreshold | seconds }} (now {{ current | percent }})',
    });
    const id = 'disk_will_fill{host="web-1",mount="/"}';
    // +0.01 every 10 minutes (0.06/h): in 4h, +0.24; the prediction crosses 0.995 once the value passes 0.755.
    const steps = [0, 1, 2, 3, 4, 5].map((i) => ({ note: `${0.7 + i * 0.01} rising: predicted ${0.94 + i * 0.01}`, samples: [disk(i * 10 * MIN, 0.7 + i * 0.01)], active: {} }));
    steps[0]!.note = 'one point: no fit yet';
    const results = runSeriesScenario(
      [rule],
      [
        ...steps,
        { note: '0.76: predicted 1.00 fires', samples: [disk(60 * MIN, 0.76)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'still rising: no new signal', samples: [disk(70 * MIN, 0.77)], active: { [id]: 'firing' } },
        { note: 'cleanup: drops to 0.5, the fit now points down', samples: [disk(80 * MIN, 0.5)], active: {}, signals: [`resolved ${id}`] },
      ],
    );
    const fired = results[6]!.signals[0]!;
    expect(fired.summary).toBe('/ full in 3h55m (now 76%)');
    expect(fired.value).toBeCloseTo(1.0, 6);
    expect(fired.reason).toBe('predict_linear(filesystem_used_ratio[1h], 4h) 1 above 0.995');
  });

  it('a flat series never fires, however close to the threshold', () => {
    const rule = testRule({ predict: { windowSeconds: 60 * MIN, horizonSeconds: 4 * 3600 }, fire: { op: 'above', threshold: 0.99 }, clear: { op: 'atOrBelow', threshold: 0.99 } });
    runSeriesScenario(
      [rule],
      [0, 10, 20, 30].map((m) => ({ note: `flat at 0.98, minute ${m}`, samples: [disk(m * MIN, 0.98)], active: {} })),
    );
  });
});

describe('absent', () => {
  const up = (seconds: number, host = 'web-1'): SeriesSample => ({ metric: 'tcp_up', labels: { host, target: 'db:5432' }, value: 1, atMs: T0 + seconds * 1000 });
  const id = 'probe_silent{host="web-1",target="db:5432"}';

  it('fires for a seen series silent for more than 3 of its own intervals, on a tick without samples, and resolves on the next sample', () => {
    const rule = testRule({ name: 'probe_silent', metric: 'tcp_up', absent: { intervals: 3 }, summary: '{{ labels.target }} probe silent for {{ value | seconds }}' });
    const results = runSeriesScenario(
      [rule],
      [
        { note: 'first sample: remembered, interval unknown', samples: [up(0)], active: {} },
        { note: 'second sample 60s later: interval 60s', samples: [up(60)], active: {} },
        { note: 'tick, 60s of silence', at: 120, samples: [], active: {} },
        { note: 'tick, exactly 3 intervals: not more than 3', at: 240, samples: [], active: {} },
        { note: 'tick, 181s of silence: fires', at: 241, samples: [], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'tick: still absent, no new signal', at: 300, samples: [], active: { [id]: 'firing' } },
        { note: 'a late sample stamped before the last tick is still accepted, and resolves', at: 310, samples: [up(295)], active: {}, signals: [`resolved ${id}`] },
      ],
    );
    expect(results[4]!.signals[0]!.summary).toBe('db:5432 probe silent for 3m1s');
    expect(results[4]!.signals[0]!.reason).toBe('tcp_up absent for 3m1s');
    expect(results[4]!.signals[0]!.atMs).toBe(T0 + 241_000);
    // The quiet sweep writes only its own small record, no series state.
    expect(results[5]!.states.map((s) => s.fingerprint)).toEqual(['sweep:probe_silent']);
    expect(results[6]!.signals[0]!.reason).toBe('tcp_up reported again');
  });

  it('a limit in seconds needs no interval; series never seen and other rules are untouched by ticks', () => {
    const rule = testRule({ name: 'probe_silent', metric: 'tcp_up', absent: { seconds: 120 } });
    const plain = testRule();
    runSeriesScenario(
      [plain, rule],
      [
        { note: 'one sample', samples: [up(0)], active: {} },
        { note: 'tick at 2m: not more than 2m', at: 120, samples: [], active: {} },
        { note: 'tick after 2m: fires', at: 121, samples: [], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
      ],
    );
  });
});

describe('aggregate', () => {
  const ping = (seconds: number, host: string, loss: number): SeriesSample => ({
    metric: 'ping_loss_ratio',
    labels: { host, group: host.split('-')[0]!, target: 'gw' },
    value: loss,
    atMs: T0 + seconds * 1000,
  });
  const rule = testRule({
    name: 'hosts_losing_pings',
    metric: 'ping_loss_ratio',
    aggregate: { by: ['group'], function: 'ratio', member: { op: 'above', threshold: 0.5 }, staleAfterSeconds: 5 * MIN },
    fire: { op: 'above', threshold: 0.3 },
    clear: { op: 'atOrBelow', threshold: 0.3 },
    summary: '{{ value | percent }} of {{ labels.group }} hosts ({{ matchingCount }} of {{ seriesCount }}) lose pings',
  });
  const web = 'hosts_losing_pings{group="web"}';

  it('fires per group when more than 30% of its hosts lose pings; fingerprint by group, not host', () => {
    const all = (seconds: number, losses: Record<string, number>) => Object.entries(losses).map(([host, loss]) => ping(seconds, host, loss));
    const results = runSeriesScenario(
      [rule],
      [
        { note: 'all healthy', samples: all(0, { 'web-1': 0, 'web-2': 0, 'web-3': 0, 'web-4': 0, 'db-1': 0, 'db-2': 0 }), active: {} },
        { note: '1 of 4 web hosts: 25%', samples: [ping(15, 'web-1', 1)], active: {} },
        { note: '2 of 4: 50% fires for web only', samples: [ping(30, 'web-2', 0.8), ping(30, 'db-1', 0)], active: { [web]: 'firing' }, signals: [`firing ${web}`] },
        { note: 'web-1 recovers: 25% resolves', samples: [ping(45, 'web-1', 0)], active: {}, signals: [`resolved ${web}`] },
        { note: 'web-2, web-3, web-4 go quiet; 6m later only web-1 is fresh: 1 of 1', samples: [ping(400, 'web-1', 1)], active: { [web]: 'firing' }, signals: [`firing ${web}`] },
      ],
    );
    const fired = results[2]!.signals[0]!;
    expect(fired.summary).toBe('50% of web hosts (2 of 4) lose pings');
    expect(fired.labels).toEqual({ group: 'web', alertname: 'hosts_losing_pings' });
    expect(fired.reason).toBe('ratio(ping_loss_ratio above 0.5) by (group) 0.5 above 0.3');
    expect(results[4]!.signals[0]!.summary).toBe('100% of web hosts (1 of 1) lose pings');
    // One small state per member series (its latest value), naming its group; a group gets a state once it is not inactive.
    const members = results[0]!.states.filter((s) => s.memberOf !== undefined);
    expect(members.map((s) => s.labels.host)).toEqual(['web-1', 'web-2', 'web-3', 'web-4', 'db-1', 'db-2']);
    expect(new Set(members.map((s) => s.memberOf)).size).toBe(2);
    expect(results[0]!.states.filter((s) => s.memberOf === undefined).map((s) => s.fingerprint)).toEqual(['sweep:hosts_losing_pings']);
    // A sample writes its member only, not the group's other members.
    expect(results[3]!.states.filter((s) => s.memberOf !== undefined).map((s) => s.labels.host)).toEqual(['web-1']);
    // The stale members are forgotten (returned without their group, for the collector to delete).
    expect(results[4]!.states.filter((s) => s.fingerprint.startsWith('member:') && s.memberOf === undefined).map((s) => s.labels.host).sort()).toEqual(['db-1', 'db-2', 'web-2', 'web-3', 'web-4']);
  });

  it('avg across all series when `by` is empty, ignoring a replayed sample', () => {
    const avg = testRule({ name: 'fleet_loss', metric: 'ping_loss_ratio', aggregate: { by: [], function: 'avg', staleAfterSeconds: 5 * MIN }, fire: { op: 'above', threshold: 0.5 }, clear: { op: 'atOrBelow', threshold: 0.5 } });
    const results = runSeriesScenario(
      [avg],
      [
        { note: 'avg(0.2, 0.6) = 0.4', samples: [ping(0, 'web-1', 0.2), ping(0, 'db-1', 0.6)], active: {} },
        { note: 'avg(0.6, 0.6) = 0.6 fires', samples: [ping(15, 'web-1', 0.6)], active: { 'fleet_loss{}': 'firing' }, signals: ['firing fleet_loss{}'] },
        { note: 'a replay of the old web-1 sample is ignored', samples: [ping(0, 'web-1', 0.2)], active: { 'fleet_loss{}': 'firing' } },
      ],
    );
    expect(results[2]!.stats.ignoredStale).toBe(1);
  });
});

describe('absent: sweeps', () => {
  it('looks for silent series at most once per SWEEP_MS, however often the engine is called', () => {
    const rule = testRule({ name: 'probe_silent', metric: 'tcp_up', absent: { seconds: 10 } });
    const up: SeriesSample = { metric: 'tcp_up', labels: { host: 'web-1' }, value: 1, atMs: T0 };
    const states = new Map<string, RuleState>();
    const at = (ms: number, samples: SeriesSample[] = []) => {
      const result = evaluate([rule], samples, states, T0 + ms);
      for (const s of result.states) states.set(s.fingerprint, s);
      return { signals: result.signals.map((s) => s.kind), written: result.states.map((s) => s.fingerprint) };
    };
    expect(at(0, [up]).written).toHaveLength(2); // the series, and the first sweep
    expect(at(9_500)).toEqual({ signals: [], written: ['sweep:probe_silent'] }); // 9.5s silent: not yet
    expect(at(10_200)).toEqual({ signals: [], written: [] }); // 10.2s silent, but 700ms since the last sweep
    expect(at(10_500)).toEqual({ signals: ['firing'], written: [expect.any(String), 'sweep:probe_silent'] });
    expect(SWEEP_MS).toBe(1000);
  });
});

describe('predict: coverage', () => {
  it('waits until the samples span a quarter of the window before predicting', () => {
    const rule = testRule({ name: 'fill', predict: { windowSeconds: 4 * 3600, horizonSeconds: 4 * 3600 }, fire: { op: 'above', threshold: 0.99 }, clear: { op: 'atOrBelow', threshold: 0.99 } });
    const id = 'fill{host="web-1",mount="/"}';
    // A steep start: +0.1 per 10 minutes would be full within the hour, but the first hour is too short to trust.
    const steps = [0, 1, 2, 3, 4, 5].map((i) => ({ note: `minute ${i * 10}: span under 1h`, samples: [disk(i * 10 * MIN, 0.3 + i * 0.1)], active: {} }));
    runSeriesScenario(
      [rule],
      [...steps, { note: 'minute 60: the span reaches 1h and the line predicts full', samples: [disk(60 * MIN, 0.9)], active: { [id]: 'firing' }, signals: [`firing ${id}`] }],
    );
  });
});

describe('purity', () => {
  it('never mutates the prior states of window, aggregate and absent rules (frozen here)', () => {
    const freeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) {
        for (const inner of Object.values(value)) freeze(inner);
        Object.freeze(value);
      }
      return value;
    };
    const rules = [
      testRule({ name: 'win', window: { function: 'avg', windowSeconds: 300 } }),
      testRule({ name: 'agg', aggregate: { by: ['mount'], function: 'max', staleAfterSeconds: 300 } }),
      testRule({ name: 'gone', absent: { seconds: 30 } }),
    ];
    const first = evaluate(rules, [disk(0, 0.5), disk(0, 0.95, { host: 'web-2', mount: '/' })], new Map(), T0);
    expect(first.signals.map((s) => `${s.kind} ${s.ruleName} ${s.labels.host ?? ''}`)).toEqual(['firing win web-2', 'firing agg ']);
    const prior = freeze(new Map(first.states.map((s) => [s.fingerprint, s])));
    const next = evaluate(rules, [disk(60, 0.97), disk(30, 0.2, { host: 'web-3', mount: '/' })], prior, T0 + 60_000);
    expect(next.signals.map((s) => `${s.kind} ${s.ruleName} ${s.labels.host ?? ''}`)).toEqual(['firing gone web-2']);
    const window = next.states.find((s) => s.ruleName === 'win' && s.labels.host === 'web-1')!;
    expect(window.recent!.values).toEqual([0.5, 0.97]);
    expect(next.states.filter((s) => s.ruleName === 'agg' && s.memberOf !== undefined).map((s) => s.labels.host)).toEqual(['web-1', 'web-3']);
  });
});

describe('sweeps: forgetting memory that has aged out', () => {
  const run = (rule: ReturnType<typeof testRule>, steps: Array<[number, SeriesSample[]]>) => {
    const states = new Map<string, RuleState>();
    return steps.map(([ms, samples]) => {
      const result = evaluate([rule], samples, states, T0 + ms);
      for (const s of result.states) {
        if (isForgettable(s)) states.delete(s.fingerprint);
        else states.set(s.fingerprint, s);
      }
      return [...states.keys()].filter((k) => !k.startsWith('sweep:')).length;
    });
  };

  it('a window rule forgets an inactive series once its newest sample has left the window', () => {
    const rule = testRule({ window: { function: 'avg', windowSeconds: 300 } });
    // It sweeps every tenth of its window (30 s): at 300 s the sample is still inside, at 329 s no sweep is due, at 330 s one forgets it.
    expect(run(rule, [[0, [disk(0, 0.5)]], [200_000, []], [300_000, []], [300_500, []], [329_000, []], [330_000, []]])).toEqual([1, 1, 1, 1, 1, 0]);
  });

  it('but keeps a firing one (its incident needs a resolve)', () => {
    const rule = testRule({ window: { function: 'avg', windowSeconds: 300 } });
    expect(run(rule, [[0, [disk(0, 0.95)]], [400_000, []]])).toEqual([1, 1]);
  });

  it('an aggregate rule forgets members gone stale', () => {
    const rule = testRule({ aggregate: { by: ['mount'], function: 'max', staleAfterSeconds: 60 } });
    expect(run(rule, [[0, [disk(0, 0.5), disk(0, 0.5, { host: 'web-2', mount: '/' })]], [60_000, []], [61_000, []]])).toEqual([2, 2, 0]); // two member states, no group state while inactive
  });
});
