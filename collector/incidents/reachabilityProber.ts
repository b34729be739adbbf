/**
 * Tells "host down" from "agent down": for each active incident held for a probe (hold 'probing'),
 * pings the host's address once and records the verdict in its own transaction. Only IP literals are
 * pinged, through an injectable pinger (the real one runs the system ping via the `ping` package
 * with an argument array, never a shell).
 */
import { isIP } from 'node:net';
import ping from 'ping';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { createPeriodicLoop, type LoopTimer } from '../periodicLoop.js';
import type { Store } from '../store/store.js';
import type { ReachabilityResult } from './decideReachability.js';
import type { IncidentEnvironment, IncidentService, ReachabilityVerdict } from './incidentService.js';

/** Resolves true when `address` answered within `timeoutMs`. */
export type Pinger = (address: string, timeoutMs: number) => Promise<{ alive: boolean; rttMs: number | null }>;

export const systemPinger: Pinger = async (address, timeoutMs) => {
  if (isIP(address) === 0) throw new Error(`not an IP literal: ${address}`);
  const result = await ping.promise.probe(address, { timeout: Math.max(1, Math.ceil(timeoutMs / 1000)), min_reply: 1, v6: isIP(address) === 6 });
  const rtt = Number(result.time);
  return { alive: result.alive, rttMs: result.alive && Number.isFinite(rtt) ? rtt : null };
};

export interface ReachabilityProberOptions {
  store: Store;
  incidents: IncidentService;
  environment: IncidentEnvironment;
  pinger: Pinger;
  clock: Clock;
  log: Logger;
  timeoutMs: number;
  intervalMs: number;
  /** A host with parents is probed only once its incident has waited this long (see topology.settle). */
  settleMs: number;
  timer?: LoopTimer;
}

export interface ReachabilityProber {
  /** Probes every incident waiting for a verdict; resolves when all verdicts are recorded. */
  probeWaiting(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Seconds since its last pass ended (periodicLoop.ts): the lag of the job where it runs. */
  runAgeSeconds(): number | null;
}

/** Pings one address and turns the answer into a verdict. */
export async function probeAddress(pinger: Pinger, address: string | undefined, timeoutMs: number): Promise<ReachabilityResult> {
  if (!address || isIP(address) === 0) return { verdict: 'unknown', address: null, detail: 'no IP address known for the host (declare incidents.topology.hosts.NAME.address)' };
  try {
    const answer = await pinger(address, timeoutMs);
    return answer.alive
      ? { verdict: 'agent-down', address, detail: `reply from ${address}${answer.rttMs === null ? '' : ` in ${answer.rttMs}ms`}` }
      : { verdict: 'host-down', address, detail: `no reply from ${address} within ${timeoutMs}ms` };
  } catch (error) {
    return { verdict: 'unknown', address, detail: `ping could not run: ${(error as Error).message}` };
  }
}

/** Pings running at once: a storm of silent agents must not start thousands of processes together. */
export const MAX_PINGS_AT_ONCE = 32;

export function createReachabilityProber(options: ReachabilityProberOptions): ReachabilityProber {
  const inFlight = new Set<number>();
  const probeOne = async (incidentId: number, host: string): Promise<ReachabilityVerdict> => ({
    incidentId,
    result: await probeAddress(options.pinger, options.environment.topology().addressOf(host), options.timeoutMs),
  });
  const probeWaiting = async (): Promise<void> => {
    const nowMs = options.clock.nowMs();
    const topology = options.environment.topology();
    const settled = (i: { host: string; updatedAtMs: number }) => topology.parentsOf(i.host).length === 0 || nowMs - i.updatedAtMs >= options.settleMs;
    const waiting = options.store
      .listIncidents({ status: 'active', limit: 10_000 })
      .filter((i) => i.hold === 'probing' && !inFlight.has(i.id) && settled(i));
    if (waiting.length === 0) return;
    for (const i of waiting) inFlight.add(i.id);
    try {
      const verdicts = await mapLimited(waiting, MAX_PINGS_AT_ONCE, (i) => probeOne(i.id, i.host));
      // One transaction for the pass: one commit, and the active incidents read once, not once per verdict.
      options.store.transaction((tx) => options.incidents.applyReachability(tx, verdicts, options.clock.nowMs()));
      for (const { incidentId, result } of verdicts) options.log.info({ incidentId, verdict: result.verdict, detail: result.detail }, 'reachability verdict');
    } catch (error) {
      options.log.error({ err: error, incidents: waiting.length }, 'reachability probe failed');
    } finally {
      for (const i of waiting) inFlight.delete(i.id);
    }
  };
  const loop = createPeriodicLoop({ run: probeWaiting, delayMs: options.intervalMs, log: options.log, failureMessage: 'reachability pass failed', ...(options.timer ? { timer: options.timer } : {}) });
  return { probeWaiting, start: () => loop.start(), stop: () => loop.stop(), runAgeSeconds: () => loop.runAgeSeconds() };
}

/** `work` over `items`, at most `limit` at a time; the results in the order of `items`. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
