/**
 * Random histories for the replay equivalence tests: every metric a rule set watches, on a few
 * hosts, with values that cross the rules' thresholds and stay there long enough for `for`, NaN,
 * counters that reset, disks that fill, checks that flap, samples that go missing, hosts that fall
 * silent for a while or for good, and a few milliseconds of timer jitter. Deterministic per seed.
 */
import type { Rule, SeriesSample } from '../../rules/index.js';
import type { Store, StoredSample } from '../../collector/store/store.js';
import { testRule } from '../rules/ruleScenario.js';
import { agentSilentRule, cpuRule, diskRule, linkRule } from '../incidents/lifecycleRules.js';
import { seededRandom } from './hostilePayloads.js';

export interface HistoryOptions {
  seed: number;
  hosts: number;
  hours: number;
  startMs: number;
  /** Hand out one labels object per series (as the store does) instead of a new one per sample. */
  sharedLabels?: boolean;
}

/** A history in time order, and each host's report interval. */
export interface GeneratedHistory {
  samples: StoredSample[];
  intervalSecondsByHost: Map<string, number>;
  toMs: number;
}

type Shape = 'levels' | 'flapping' | 'counter' | 'ramp';

interface SeriesPlan {
  metric: string;
  labels: Record<string, string>;
  shape: Shape;
  levels: number[];
  value: number;
  /** Samples this series skips now and then (0: none). */
  dropRatio: number;
}

/** Label sets that satisfy (or not) the matchers of the built-in pack: plugin and tcp checks, real and virtual interfaces. */
const VARIANTS: ReadonlyArray<Record<string, string>> = [
  { kind: 'plugin', check: 'raid', interface: 'eth0', mount: '/', device: 'sda', target: 'ssh', name: 'nginx', unit: 'nginx.service', reason: 'rejected', level: 'raid1', group: 'a' },
  { kind: 'tcp', check: 'api', interface: 'veth3', mount: '/var', device: 'md0', target: 'api', name: 'cron', unit: 'cron.service', reason: 'spool_full', level: 'raid5', group: 'b' },
];

/** Values around every threshold the rules of `metric` compare with, plus the check codes, 0, NaN and a few others. */
function levelsOf(metric: string, rules: readonly Rule[]): number[] {
  const levels = new Set<number>([0, 1, 2, 3, NaN, 0.5]);
  for (const rule of rules) {
    if (rule.metric !== metric) continue;
    for (const threshold of [rule.fire.threshold, rule.clear.threshold]) {
      if (!Number.isFinite(threshold)) continue;
      const step = Math.max(Math.abs(threshold) * 0.02, 0.001);
      levels.add(threshold);
      levels.add(threshold + step);
      levels.add(threshold - step);
      levels.add(threshold * 3 + 1);
    }
  }
  return [...levels];
}

function planSeries(metric: string, labels: Record<string, string>, rules: readonly Rule[], random: () => number): SeriesPlan {
  const watching = rules.filter((rule) => rule.metric === metric);
  const counts = watching.some((rule) => rule.window?.function === 'rate' || rule.window?.function === 'increase') || metric.endsWith('_total');
  const predicts = watching.some((rule) => rule.predict !== undefined);
  const roll = random();
  const shape: Shape = counts && roll < 0.7 ? 'counter' : predicts && roll < 0.6 ? 'ramp' : roll < 0.2 ? 'flapping' : 'levels';
  const levels = levelsOf(metric, rules);
  return { metric, labels, shape, levels, value: shape === 'ramp' ? 0.5 : levels[Math.floor(random() * levels.length)]!, dropRatio: random() < 0.3 ? 0.05 : 0 };
}

function nextValue(plan: SeriesPlan, random: () => number): number {
  switch (plan.shape) {
    case 'levels':
      if (random() < 0.04) plan.value = plan.levels[Math.floor(random() * plan.levels.length)]!;
      return plan.value;
    case 'flapping':
      if (random() < 0.4) plan.value = plan.levels[Math.floor(random() * plan.levels.length)]!;
      return plan.value;
    case 'counter':
      plan.value = random() < 0.01 ? 0 : plan.value + (random() < 0.3 ? Math.floor(random() * 5) : 0);
      return plan.value;
    case 'ramp':
      // Fills up, then is cleaned up; now and then a NaN.
      plan.value = plan.value >= 1.02 || random() < 0.002 ? 0.4 + random() * 0.2 : plan.value + random() * 0.0015;
      return random() < 0.005 ? NaN : plan.value;
    default:
      throw new Error(`unknown shape ${String(plan.shape)}`);
  }
}

/** A history of every metric `rules` watch (two label variants each) on `options.hosts` hosts. */
export function generateHistory(rules: readonly Rule[], options: HistoryOptions): GeneratedHistory {
  const random = seededRandom(options.seed);
  const metrics = [...new Set(rules.map((rule) => rule.metric))].filter((metric) => metric !== 'agent_missed_reports');
  const toMs = options.startMs + options.hours * 3_600_000;
  const intervalSecondsByHost = new Map<string, number>();
  const samples: StoredSample[] = [];
  const hosts = Array.from({ length: options.hosts }, (_, index) => {
    const host = `h${index}`;
    // One host reports every 10 s; the last one is missing from the map (the replay assumes 15 s).
    const intervalSeconds = index === 1 ? 10 : 15;
    if (index !== options.hosts - 1) intervalSecondsByHost.set(host, intervalSeconds);
    const silentFromMs = options.startMs + random() * (toMs - options.startMs);
    const silentForMs = (2 + random() * 20) * 60_000;
    // The host before the last stops for good two thirds of the way through.
    const stopsAtMs = index === options.hosts - 2 ? options.startMs + ((toMs - options.startMs) * 2) / 3 : Infinity;
    const series = metrics.flatMap((metric) => VARIANTS.filter(() => random() < 0.8).map((variant) => planSeries(metric, { ...variant, host }, rules, random)));
    return { host, intervalSeconds, silentFromMs, silentForMs, stopsAtMs, series, nextMs: options.startMs + Math.floor(random() * intervalSeconds * 1000) };
  });
  for (;;) {
    const next = hosts.reduce((best, h) => (h.nextMs < best.nextMs ? h : best));
    if (next.nextMs >= toMs) break;
    const atMs = next.nextMs + Math.floor(random() * 6);
    const silent = (atMs >= next.silentFromMs && atMs < next.silentFromMs + next.silentForMs) || atMs >= next.stopsAtMs;
    if (!silent) {
      for (const plan of next.series) {
        const value = nextValue(plan, random);
        if (plan.dropRatio > 0 && random() < plan.dropRatio) continue;
        const labels = options.sharedLabels ? plan.labels : { ...plan.labels };
        const sample: StoredSample = plan.metric === 'check_status' ? { metric: plan.metric, labels, value, atMs, text: `state ${value}` } : { metric: plan.metric, labels, value, atMs };
        samples.push(sample);
      }
    }
    next.nextMs += next.intervalSeconds * 1000;
  }
  samples.sort((a, b) => a.atMs - b.atMs);
  return { samples, intervalSecondsByHost, toMs };
}

/** Rules of every kind and option beyond the built-in pack's, on metrics the generator feeds. */
export function fixtureRules(): Rule[] {
  const MIN = 60;
  return [
    diskRule,
    cpuRule,
    linkRule,
    agentSilentRule,
    testRule({ name: 'load_kept', inhibits: [{ rules: ['load_window_min'], equal: ['host'] }], metric: 'load1_per_core', fire: { op: 'above', threshold: 2 }, clear: { op: 'below', threshold: 1.5 }, forSeconds: 60, clearForSeconds: 45, keepFiringForSeconds: 120 }),
    testRule({ name: 'load_window_max', metric: 'load1_per_core', window: { function: 'max', windowSeconds: 2 * MIN }, fire: { op: 'above', threshold: 3 }, clear: { op: 'atOrBelow', threshold: 3 } }),
    testRule({ name: 'load_window_min', metric: 'load1_per_core', window: { function: 'min', windowSeconds: 90 }, fire: { op: 'above', threshold: 1.9 }, clear: { op: 'below', threshold: 1 } }),
    testRule({ name: 'errors_rate', metric: 'oom_kills_total', window: { function: 'rate', windowSeconds: 5 * MIN }, fire: { op: 'above', threshold: 0.005 }, clear: { op: 'atOrBelow', threshold: 0.001 }, forSeconds: 30 }),
    testRule({ name: 'ssh_absent', metric: 'tcp_up', absent: { intervals: 3 }, fire: { op: 'above', threshold: 3 }, clear: { op: 'below', threshold: 3 } }),
    testRule({ name: 'ping_absent', metric: 'ping_loss_ratio', absent: { seconds: 100 }, fire: { op: 'above', threshold: 100 }, clear: { op: 'below', threshold: 100 } }),
    testRule({ name: 'fleet_loss', metric: 'ping_loss_ratio', aggregate: { by: [], function: 'avg', staleAfterSeconds: 2 * MIN }, fire: { op: 'above', threshold: 0.5 }, clear: { op: 'atOrBelow', threshold: 0.5 }, forSeconds: 30 }),
    testRule({ name: 'group_disks', metric: 'filesystem_used_ratio', aggregate: { by: ['group'], function: 'ratio', member: { op: 'above', threshold: 0.9 }, staleAfterSeconds: 90 }, fire: { op: 'above', threshold: 0.4 }, clear: { op: 'below', threshold: 0.2 } }),
    testRule({ name: 'load_max_by_mount', metric: 'load1_per_core', aggregate: { by: ['mount'], function: 'max', staleAfterSeconds: 60 }, fire: { op: 'above', threshold: 2 }, clear: { op: 'atOrBelow', threshold: 2 } }),
    testRule({ name: 'speed_changed', metric: 'network_speed_bytes_per_second', change: { windowSeconds: 5 * MIN, tolerance: 0.5 }, fire: { op: 'above', threshold: 0.5 }, clear: { op: 'atOrBelow', threshold: 0.5 }, forSeconds: 30 }),
    testRule({ name: 'speed_up', metric: 'network_speed_bytes_per_second', change: { windowSeconds: 2 * MIN, tolerance: 0, direction: 'up' }, fire: { op: 'above', threshold: 0 }, clear: { op: 'atOrBelow', threshold: 0 } }),
    testRule({ name: 'check_warn_or_unknown', metric: 'check_status', status: { states: ['warning', 'unknown'] }, fire: { op: 'above', threshold: 0.5 }, clear: { op: 'below', threshold: 0.5 }, forSeconds: 45 }),
    testRule({ name: 'fs_predict', metric: 'filesystem_used_ratio', predict: { windowSeconds: 20 * MIN, horizonSeconds: 30 * MIN }, fire: { op: 'above', threshold: 1 }, clear: { op: 'below', threshold: 0.95 }, summary: 'full in {{ secondsToThreshold | seconds }} ({{ current | percent }})' }),
  ];
}

/** The samples of a generated history as the rules engine takes them (for tests of the engine alone). */
export function asSeriesSamples(samples: readonly StoredSample[], intervalSecondsByHost: ReadonlyMap<string, number>): SeriesSample[] {
  return samples.map((s) => ({ ...s, intervalMs: (intervalSecondsByHost.get(s.labels.host ?? '') ?? 15) * 1000 }));
}

/** Stores the history as one report per host and time (the order its samples come in), in one transaction. */
export function storeGeneratedHistory(store: Pick<Store, 'transaction'>, history: GeneratedHistory): void {
  const reports = new Map<string, StoredSample[]>();
  for (const sample of history.samples) {
    const key = `${sample.labels.host}\u0000${sample.atMs}`;
    const list = reports.get(key);
    if (list) list.push(sample);
    else reports.set(key, [sample]);
  }
  const sequences = new Map<string, number>();
  store.transaction((tx) => {
    for (const samples of reports.values()) {
      const host = samples[0]!.labels.host!;
      const sequence = (sequences.get(host) ?? 0) + 1;
      sequences.set(host, sequence);
      tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 't', intervalSeconds: history.intervalSecondsByHost.get(host) ?? 15, sequence, receivedAtMs: samples[0]!.atMs, samples, checks: [] });
    }
  });
}
