/**
 * Per-interface traffic from `/proc/net/dev` (raw counters and per-second rates), and link state and
 * speed from `/sys/class/net/<interface>/{operstate,speed}` when a sysfs reader is given.
 */
import type { Observation } from '../../contract/report.js';
import type { MetricName } from '../../contract/metricCatalogue.js';
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcNetDevCounters, type DirectionCounters } from '../procfs/procNetDev.js';
import { observation, type Probe } from './probe.js';

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

/**
 * The metric names of every direction and counter, made once rather than per interface and cycle,
 * in the order of parseProcNetDevCounters' lists (receive, then transmit; bytes to drops).
 */
const SERIES: readonly { total: NetworkMetric; rate: NetworkMetric }[] = (['receive', 'transmit'] as const satisfies readonly Direction[]).flatMap((direction) =>
  COUNTERS.map((counter) => ({
    total: `network_${direction}_${counter}_total` as const,
    rate: `network_${direction}_${counter}_per_second` as const,
  })),
);

/** How long a link speed is kept before it is read again: it changes only on renegotiation. */
const SPEED_TTL_MS = 60_000;

/** Link state and speed of interfaces, by name; pushed onto `into` when given (and returned), with `labels` when given (the interface's, kept by the caller). */
export type LinkObserver = (name: string, now: Date, into?: Observation[], labels?: { readonly interface: string }) => Observation[];

/**
 * Observes link state every call and link speed at most every `speedTtlMs` per interface: a
 * virtual or down link has no speed (the read fails with EINVAL, or says -1), and asking again
 * every cycle would cost a failed read and an exception each time. Speed is absent when the driver
 * reports none.
 */
export function createLinkObserver(sys: ProcReader, { speedTtlMs = SPEED_TTL_MS, monotonicMs = () => performance.now() } = {}): LinkObserver & { retainOnly(names: ReadonlySet<string>): void } {
  const speeds = new Map<string, { megabits: number | undefined; readAtMs: number }>();
  const observe = (name: string, now: Date, into: Observation[] = [], labels: { readonly interface: string } = Object.freeze({ interface: name })): Observation[] => {
    const observations = into;
    const operstate = optionalRead(sys, `class/net/${name}/operstate`);
    if (operstate !== undefined) observations.push(observation('network_up', operstate === 'up' ? 1 : 0, labels, now));
    const atMs = monotonicMs();
    let speed = speeds.get(name);
    if (speed === undefined || atMs - speed.readAtMs >= speedTtlMs) {
      const text = optionalRead(sys, `class/net/${name}/speed`);
      const megabits = text === undefined ? NaN : Number(text);
      speed = { megabits: Number.isFinite(megabits) && megabits > 0 ? megabits : undefined, readAtMs: atMs };
      speeds.set(name, speed);
    }
    if (speed.megabits !== undefined) observations.push(observation('network_speed_bytes_per_second', (speed.megabits * 1_000_000) / 8, labels, now));
    return observations;
  };
  return Object.assign(observe, {
    retainOnly(names: ReadonlySet<string>) {
      // Every name observed has a speed entry: as many entries as names means nothing to forget.
      if (speeds.size <= names.size) return;
      for (const name of speeds.keys()) if (!names.has(name)) speeds.delete(name);
    },
  });
}

/** The trimmed file, or undefined when it cannot be read (speed of a link that is down: EINVAL). */
function optionalRead(sys: ProcReader, path: string): string | undefined {
  try {
    return sys.read(path).trim();
  } catch {
    return undefined;
  }
}

/** What the probe keeps per interface: its counters at the last run, for the rates, and its labels, made once. */
interface InterfaceState {
  /** The last run's counters (SERIES order), or undefined before the first. */
  counters: number[] | undefined;
  /** Monotonic milliseconds of `counters`. */
  atMs: number;
  /** Frozen: the report builder keeps each series' JSON by its labels object (reportBuilder.ts). */
  labels: { readonly interface: string };
}

/** Creates the network probe; rates start with the second run. */
export function createNetworkProbe({ proc, sys, excludeInterfaces, monotonicMs = () => performance.now() }: NetworkProbeDeps): Probe {
  /** Per interface: its last counters and the labels object its observations share. */
  const states = new Map<string, InterfaceState>();
  const links = sys === undefined ? undefined : createLinkObserver(sys, { monotonicMs });
  const excluded = new Set(excludeInterfaces);
  const included = (name: string) => !excluded.has(name);
  return {
    name: 'network',
    collect(now) {
      const interfaces = parseProcNetDevCounters(proc.read('net/dev'), included);
      const atMs = monotonicMs();
      const observations: Observation[] = [];
      const seen = new Set<string>();
      // Indexed loops: the interpreter-only agent allocates an iterator result per element of a for-of.
      for (let i = 0; i < interfaces.length; i++) {
        const { interface: name, counters } = interfaces[i]!;
        seen.add(name);
        let state = states.get(name);
        if (state === undefined) states.set(name, (state = { counters: undefined, atMs, labels: Object.freeze({ interface: name }) }));
        const { labels } = state;
        // Rates as deltaTracker.ts makes them, from the interface's last counters (one time for all eight).
        const previous = atMs > state.atMs ? state.counters : undefined;
        const seconds = (atMs - state.atMs) / 1000;
        for (let s = 0; s < SERIES.length; s++) {
          const series = SERIES[s]!;
          const value = counters[s]!;
          observations.push(observation(series.total, value, labels, now));
          if (previous === undefined) continue;
          // A counter that went down was reset: the increase since the reset is the new value.
          const before = previous[s]!;
          observations.push(observation(series.rate, (value >= before ? value - before : value) / seconds, labels, now));
        }
        if (state.counters === undefined || atMs > state.atMs) {
          state.counters = counters;
          state.atMs = atMs;
        }
        if (links !== undefined) links(name, now, observations, labels);
      }
      // Interfaces that went away are forgotten, so that a container host does not accumulate them
      // (each interface seen has a state: as many states as interfaces means none went away).
      if (states.size > seen.size) for (const name of states.keys()) if (!seen.has(name)) states.delete(name);
      links?.retainOnly(seen);
      return { observations };
    },
  };
}
