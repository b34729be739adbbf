/**
 * The saved form of rule states (rules/engine/savedRuleState.ts): window and prediction buffers
 * packed in base64. Every point, time and fit sum comes back as the same double (NaN, ±Infinity, -0,
 * subnormals, the largest values; times with whole and with fractional or backward steps); a state
 * read back goes on deciding as the one in memory; states saved as plain JSON before packing read as
 * they were; a full prediction buffer's text is less than half its JSON; and a packed buffer that is
 * not one this release writes is refused, saying what is wrong with it.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../rules/engine/evaluate.js';
import { appendPoint } from '../../rules/engine/recentPoints.js';
import { MAX_PREDICT_POINTS, MAX_WINDOW_POINTS } from '../../rules/engine/recentSamples.js';
import { MalformedRuleStateError, packRecent, parseRuleStateText, ruleStateText, unpackRecent } from '../../rules/engine/savedRuleState.js';
import { DEFAULT_RULES_DIR, loadRuleFiles } from '../../rules/index.js';
import { appendWithSums } from '../../rules/kinds/predict.js';
import type { RecentSamples, RuleState, SeriesSample } from '../../rules/model/ruleTypes.js';

const T0 = Date.UTC(2026, 10, 30);
const HOUR = 3_600_000;

/** Every double a buffer may hold that JSON would not give back. */
const AWKWARD = [NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, 2.2250738585072e-308, Number.MAX_VALUE, -Number.MAX_VALUE, 0.1 + 0.2, 1e-300, 123456789.123456789, Number.EPSILON];

/** The same doubles, NaN and -0 told apart (toEqual counts -0 and 0 equal). */
function expectSameDoubles(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => expect(Object.is(value, expected[i]), `element ${i}: ${value} against ${expected[i]}`).toBe(true));
}

function expectSameBuffer(actual: RecentSamples, expected: RecentSamples): void {
  expectSameDoubles(actual.atMs, expected.atMs);
  expectSameDoubles(actual.values, expected.values);
  const sums = (s: RecentSamples) => (s.sums ? [s.sums.originMs, s.sums.originValue, s.sums.x, s.sums.y, s.sums.xx, s.sums.xy, s.sums.updates] : []);
  expectSameDoubles(sums(actual), sums(expected));
  expect(actual.sums === undefined).toBe(expected.sums === undefined);
}

function state(recent: RecentSamples | undefined, extra: Partial<RuleState> = {}): RuleState {
  return { ruleName: 'r', ruleVersion: 'v1', fingerprint: 'f1', labels: { host: 'h', mount: '/' }, status: 'inactive', lastValue: 0.5, lastSampleAtMs: T0, ...(recent ? { recent } : {}), ...extra } as RuleState;
}

describe('a packed buffer', () => {
  it('gives back every point of a window buffer, awkward doubles included', () => {
    let recent: RecentSamples | undefined;
    for (let i = 0; i < 300; i++) recent = appendPoint(recent, T0 + i * 15_000, AWKWARD[i % AWKWARD.length]! * (i % 2 ? 1 : -1), HOUR, MAX_WINDOW_POINTS);
    const back = parseRuleStateText(ruleStateText(state(recent)));
    expect(back.recent!.values.some((v) => Number.isNaN(v))).toBe(true);
    expect(back.recent!.values.some((v) => Object.is(v, -0))).toBe(true);
    expectSameBuffer(back.recent!, recent!);
    expect(back.recent!.sums).toBeUndefined();
  });

  it('gives back a prediction buffer and its fit sums exactly', () => {
    let recent: RecentSamples | undefined;
    for (let i = 0; i < 2_000; i++) recent = appendWithSums(recent, T0 + i * 15_000 + (i % 7), 0.6 + i * 1e-5 + Math.sin(i) * 1e-3, 6 * HOUR);
    expect(recent!.atMs.length).toBe(MAX_PREDICT_POINTS);
    expect(recent!.sums!.updates).toBeGreaterThan(0);
    const back = parseRuleStateText(ruleStateText(state(recent)));
    expectSameBuffer(back.recent!, recent!);
  });

  it('keeps times whose steps are fractional, backward or beyond 49 days as doubles', () => {
    for (const atMs of [
      [T0, T0 + 0.5, T0 + 15_000.25],
      [T0, T0 - 1, T0 + 10],
      [T0, T0 + 60 * 86_400_000],
      [1e300, 1e300 + 2 ** 1000],
      [0.1, 0.30000000000000004],
    ]) {
      const recent = { atMs, values: atMs.map((_, i) => i) };
      expectSameBuffer(unpackRecent(packRecent(recent)), recent);
    }
  });

  it('keeps an empty buffer and a buffer of one point', () => {
    for (const recent of [{ atMs: [], values: [] }, { atMs: [T0], values: [-0] }, { atMs: [T0], values: [1], sums: { originMs: T0, originValue: 1, x: 0, y: 0, xx: 0, xy: 0, updates: 0 } }]) {
      expectSameBuffer(unpackRecent(packRecent(recent)), recent);
    }
  });

  it('packs a null of a buffer saved as JSON before packing (a NaN JSON could not write) as NaN', () => {
    const legacy = { atMs: [T0, T0 + 15_000, T0 + 30_000], values: [0.5, null as unknown as number, 0.7] };
    expectSameDoubles(unpackRecent(packRecent(legacy)).values, [0.5, NaN, 0.7]);
  });

  it('leaves states without a buffer as their JSON', () => {
    const plain = state(undefined, { status: 'firing', firingSinceMs: T0 });
    expect(ruleStateText(plain)).toBe(JSON.stringify(plain));
    expect(parseRuleStateText(ruleStateText(plain))).toEqual(plain);
  });

  it('saves a full prediction buffer in 836 bytes (1,116 of base64), with no digits of its points', () => {
    let recent: RecentSamples | undefined;
    for (let i = 0; i < 6_000; i++) recent = appendWithSums(recent, T0 + i * 15_000, 0.61234 + i * 1.7e-6, 24 * HOUR);
    expect(recent!.atMs.length).toBe(MAX_PREDICT_POINTS);
    const full = state(recent);
    const text = ruleStateText(full);
    const { packed } = JSON.parse(text).recent as { packed: string };
    // 8 header, 64 values, 7 sums, the oldest time and 63 steps of 4 bytes.
    expect(Buffer.from(packed, 'base64').length).toBe(8 + 64 * 8 + 7 * 8 + 8 + 63 * 4);
    expect(text.length).toBeLessThan(0.75 * JSON.stringify(full).length);
    expect(text).not.toContain(String(recent!.atMs[1]));
    expect(text).not.toContain(String(recent!.values[1]));
  });
});

describe('a state read back from its saved text', () => {
  const rules = loadRuleFiles([DEFAULT_RULES_DIR]).filter((rule) => rule.name === 'filesystem_filling_up' || rule.name === 'filesystem_filling_slowly');

  it('decides as the state in memory: the same states and signals at every later sample', () => {
    const labels = { host: 'db-1', mount: '/var' };
    const sample = (i: number): SeriesSample => ({ metric: 'filesystem_used_ratio', labels, value: Math.min(1, 0.5 + i * 4e-4 + (i % 5) * 1e-4), atMs: T0 + i * 15_000, intervalMs: 15_000 });
    let memory = new Map<string, RuleState>();
    let saved = new Map<string, RuleState>();
    const fired: string[] = [];
    for (let i = 0; i < 1_500; i++) {
      const s = sample(i);
      const fromMemory = evaluate(rules, [s], memory, s.atMs);
      const fromSaved = evaluate(rules, [s], saved, s.atMs);
      expect(fromSaved.signals).toEqual(fromMemory.signals);
      fired.push(...fromMemory.signals.map((signal) => `${i} ${signal.kind}`));
      memory = new Map([...memory, ...fromMemory.states.map((st) => [st.fingerprint, st] as const)]);
      // Saved and read back after every sample, as a restart after each would read it.
      saved = new Map([...saved, ...fromSaved.states.map((st) => [st.fingerprint, parseRuleStateText(ruleStateText(st))] as const)]);
      for (const [fingerprint, st] of memory) expect(JSON.stringify(saved.get(fingerprint))).toBe(JSON.stringify(st));
    }
    // The disk filled: the predictions fired, so the comparison above covered firing states too.
    expect(fired.some((line) => line.endsWith('firing'))).toBe(true);
  });

  it('reads a state saved as plain JSON before packing as JSON.parse does', () => {
    const legacy = '{"ruleName":"filesystem_filling_up","ruleVersion":"ba02dbfeaadd","fingerprint":"4cff700de09d669a","labels":{"host":"db-1","mount":"/var"},"status":"firing","lastValue":1.4,"lastSampleAtMs":1736132085000,"recent":{"atMs":[1736121600000,1736121930001,1736132085000],"values":[0.6,null,0.9499],"sums":{"originMs":1736121600000,"originValue":0.6,"x":1.5,"y":0.3,"xx":2,"xy":0.4,"updates":37}}}';
    expect(parseRuleStateText(legacy)).toEqual(JSON.parse(legacy));
  });
});

describe('a packed buffer this release does not write', () => {
  const good = packRecent({ atMs: [T0, T0 + 15_000], values: [1, 2] });
  const bytes = () => Buffer.from(good, 'base64');
  const withByte = (index: number, value: number) => {
    const b = bytes();
    b[index] = value;
    return b.toString('base64');
  };

  it.each([
    { name: 'not a string', packed: 42, message: 'is number, not a base64 string' },
    { name: 'null', packed: null, message: 'is null, not a base64 string' },
    { name: 'shorter than its header', packed: 'AQA=', message: 'has 2 bytes, fewer than its 8-byte header' },
    { name: 'of another format', packed: withByte(0, 2), message: 'has format 2; this release reads format 1' },
    { name: 'with unknown flags', packed: withByte(1, 8), message: 'has unknown flags 8' },
    { name: 'cut short', packed: bytes().subarray(0, bytes().length - 4).toString('base64'), message: 'has 32 bytes where 2 points take 36' },
    { name: 'claiming more points than it has', packed: withByte(4, 3), message: 'has 36 bytes where 3 points take 48' },
  ])('is refused when $name, saying so', ({ packed, message }) => {
    expect(() => unpackRecent(packed)).toThrow(MalformedRuleStateError);
    expect(() => unpackRecent(packed)).toThrow(`a saved rule state's packed buffer (recent.packed) ${message}`);
    const text = JSON.stringify(state(undefined, { recent: { packed } as unknown as RecentSamples }));
    expect(() => parseRuleStateText(text)).toThrow(message);
  });
});
