/**
 * What candidate rules would have done: stored history replayed through the rules engine and the
 * incident lifecycle twice in one pass, with the candidate and with the rules in force, as the
 * collector would have decided (no pings). Reads the store only.
 */
import { pino } from 'pino';
import type { Config } from '../../config/configSchema.js';
import type { Rule } from '../../rules/index.js';
import { createReplay, type BacktestSummary } from '../backtest/runBacktest.js';
import { createIncidentCore } from '../incidents/incidentCore.js';
import type { Store } from '../store/store.js';

export interface BacktestComparison {
  fromMs: number;
  toMs: number;
  candidate: BacktestSummary;
  inForce: BacktestSummary;
  elapsedMs: number;
}

/** The part of the config a replay decides by. */
export type BacktestConfig = Pick<Config, 'incidents' | 'routing' | 'desks' | 'timeZone' | 'services' | 'priority'>;

/** Runs both replays over one store, from `fromMs` to `toMs`; `keepIncidents` lists up to that many incidents of each. */
export function compareBacktest(store: Store, config: BacktestConfig, candidate: readonly Rule[], inForce: readonly Rule[], fromMs: number, toMs: number, keepIncidents?: number): BacktestComparison {
  const started = performance.now();
  const { environment, policy } = createIncidentCore({ store, config, clock: { nowMs: () => toMs }, log: pino({ level: 'silent' }), probeReachability: false });
  const intervalSecondsByHost = new Map(store.listHosts().map((h) => [h.hostname, h.intervalSeconds] as const));
  // One pass over the history feeds both replays.
  const replays = [candidate, inForce].map((rules) => createReplay({ rules, policy, environment, intervalSecondsByHost, ...(keepIncidents === undefined ? {} : { keepIncidents }) }));
  for (const sample of store.iterateSamples(fromMs, toMs)) for (const replay of replays) replay.push(sample);
  const [candidateSummary, inForceSummary] = replays.map((r) => r.finish(toMs));
  return { fromMs, toMs, candidate: candidateSummary!, inForce: inForceSummary!, elapsedMs: performance.now() - started };
}
