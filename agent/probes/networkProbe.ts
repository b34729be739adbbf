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

function metricNames(direction: Direction, counter: Counter): { total: NetworkMetric; rate: NetworkMetric } {
  return {
    total: `network_${direction}_${counter}_total`,
    rate: `network_${direction}_${counter}_per_second`,
  };
}

/** Creates the network probe; rates start with the second run. */
/** Link state and speed of one interface; speed is absent when the driver reports none (-1, EINVAL). */
export async function linkObservations(sys: ProcReader, name: string, now: Date): Promise<Observation[]> {
  const labels = { interface: name };
  const [operstate, speed] = await Promise.all([
    sys.read(`class/net/${name}/operstate`).then((t) => t.trim(), () => undefined),
    sys.read(`class/net/${name}/speed`).then((t) => Number(t.trim()), () => undefined),
  ]);
  const observations: Observation[] = [];
  if (operstate !== undefined) observations.push(observation('network_up', operstate === 'up' ? 1 : 0, labels, now));
  if (speed !== undefined && Number.isFinite(speed) && speed > 0) observations.push(observation('network_speed_bytes_per_second', (speed * 1_000_000) / 8, labels, now));
  return observations;
}

export function createNetworkProbe({ proc, sys, excludeInterfaces, monotonicMs = () => performance.now() }: NetworkProbeDeps): Probe {
  const tracker = createDeltaTracker();
  const excluded = new Set(excludeInterfaces);
  return {
    name: 'network',
    async collect(now) {
      const interfaces = parseProcNetDev(await proc.read('net/dev')).filter((i) => !excluded.has(i.interface));
      const atMs = monotonicMs();
      const observations: Observation[] = [];
      const seen = new Set<string>();
      for (const counters of interfaces) {
        const labels = { interface: counters.interface };
        for (const direction of ['receive', 'transmit'] as const) {
          for (const counter of COUNTERS) {
            const value = counters[direction][counter];
            const names = metricNames(direction, counter);
            const key = `${counters.interface}\u0000${names.total}`;
            seen.add(key);
            observations.push(observation(names.total, value, labels, now));
            const rate = tracker.rate(key, value, atMs);
            if (rate !== undefined) observations.push(observation(names.rate, rate, labels, now));
          }
        }
      }
      tracker.retainOnly(seen);
      if (sys !== undefined) {
        const links = await Promise.all(interfaces.map((i) => linkObservations(sys, i.interface, now)));
        observations.push(...links.flat());
      }
      return { observations };
    },
  };
}
