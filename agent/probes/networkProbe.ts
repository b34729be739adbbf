/**
 * Per-interface traffic from `/proc/net/dev` (raw counters and per-second rates), and link state and
 * speed from `/sys/class/net/<interface>/{operstate,speed}` when a sysfs reader is given.
 */
import type { Observation } from '../../contract/report.js';
import { createDeltaTracker } from '../deltaTracker.js';
import type { MetricName } from '../metricCatalogue.js';
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcNetDev, type DirectionCounters } from '../procfs/procNetDev.js';
import { observation, type Probe } from '../probe.js';

/** Dependencies of the network probe. */
export interface NetworkProbeDeps {
  proc: ProcReader;
  /** Reads below `/sys`; without it, link state and speed are not reported. */
  sys?: ProcReader;
  /** Exact interface names to leave out (`lo` by default in config). */
  excludeInterfaces: readonly string[];
  /** Monotonic milliseconds, for rates that ignore wall-clock steps. */
  monotonicMs?: () => number;
}

type Direction = 'receive' | 'transmit';
type Counter = keyof DirectionCounters;

const COUNTERS: readonly Counter[] = ['bytes', 'packets', 'errors', 'drops'];

type NetworkMetric = Extract<MetricName, `network_${string}`>;

/** The metric names of every direction and counter, made once rather than per interface and cycle. */
const SERIES: readonly { direction: Direction; counter: Counter; total: NetworkMetric; rate: NetworkMetric }[] = (['receive', 'transmit'] as const).flatMap((direction) =>
  COUNTERS.map((counter) => ({
    direction,
    counter,
    total: `network_${direction}_${counter}_total` as const,
    rate: `network_${direction}_${counter}_per_second` as const,
  })),
);

/** Creates the network probe; rates start with the second run. */
/** Link state and speed of one interface; speed is absent when the driver reports none (-1, EINVAL). */
export function linkObservations(sys: ProcReader, name: string, now: Date): Observation[] {
  const labels = { interface: name };
  const operstate = optionalRead(sys, `class/net/${name}/operstate`);
  const speedText = optionalRead(sys, `class/net/${name}/speed`);
  const speed = speedText === undefined ? undefined : Number(speedText);
  const observations: Observation[] = [];
  if (operstate !== undefined) observations.push(observation('network_up', operstate === 'up' ? 1 : 0, labels, now));
  if (speed !== undefined && Number.isFinite(speed) && speed > 0) observations.push(observation('network_speed_bytes_per_second', (speed * 1_000_000) / 8, labels, now));
  return observations;
}

/** The trimmed file, or undefined when it cannot be read (speed of a link that is down: EINVAL). */
function optionalRead(sys: ProcReader, path: string): string | undefined {
  try {
    return sys.read(path).trim();
  } catch {
    return undefined;
  }
}

export function createNetworkProbe({ proc, sys, excludeInterfaces, monotonicMs = () => performance.now() }: NetworkProbeDeps): Probe {
  const tracker = createDeltaTracker();
  const excluded = new Set(excludeInterfaces);
  return {
    name: 'network',
    collect(now) {
      const interfaces = parseProcNetDev(proc.read('net/dev')).filter((i) => !excluded.has(i.interface));
      const atMs = monotonicMs();
      const observations: Observation[] = [];
      const seen = new Set<string>();
      for (const counters of interfaces) {
        const labels = { interface: counters.interface };
        for (const { direction, counter, total, rate: rateMetric } of SERIES) {
          const value = counters[direction][counter];
          const key = `${counters.interface}\u0000${total}`;
          seen.add(key);
          observations.push(observation(total, value, labels, now));
          const rate = tracker.rate(key, value, atMs);
          if (rate !== undefined) observations.push(observation(rateMetric, rate, labels, now));
        }
      }
      tracker.retainOnly(seen);
      if (sys !== undefined) for (const { interface: name } of interfaces) observations.push(...linkObservations(sys, name, now));
      return { observations };
    },
  };
}
