/**
 * Replays stored history through the whole decision path the collector runs live: the pure rules
 * engine (hysteresis, for/clearFor), agent silence derived from gaps between a host's samples, and
 * the incident lifecycle (flap folding, re-open window, topology, silences, maintenance, grouping,
 * escalation) against an in-memory ledger. Nothing is written anywhere; no host is pinged (down
 * verdicts stay "unknown", which counts as down for children).
 *
 * The rules run through the step evaluator (rules/engine/stepEvaluator.ts): each series is resolved
 * once, when its first sample comes, and every step gives the signals `evaluate` would have given on
 * that step's samples. test/collector/replayEquivalence.test.ts holds the replay that called
 * `evaluate` per step (test/support/referenceReplay.ts) and requires the same outcome from both.
 */
import { pino } from 'pino';
import { compileRules, createStepEvaluator, type Rule, type StepSeries } from '../../rules/index.js';
import { AGENT_MISSED_REPORTS_METRIC } from '../alerting/missedReportWatcher.js';
import type { IncidentPolicy } from '../incidents/incidentPolicy.js';
import { createIncidentService, type IncidentEnvironment } from '../incidents/incidentService.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { StoredSample } from '../store/store.js';
import { createMemoryLedger, type MemoryLedger } from './memoryLedger.js';

export interface ReplayOptions {
  rules: readonly Rule[];
  policy: IncidentPolicy;
  environment: IncidentEnvironment;
  /** Report interval per host, to derive `agent_missed_reports` from gaps; hosts not listed use 15 s. */
  intervalSecondsByHost: ReadonlyMap<string, number>;
  /** History time per evaluation step (the live collector evaluates per batch and per silence tick). */
  stepMs?: number;
  /** Keep up to this many of the replayed incidents (oldest first) in the summary's `incidentList`; none by default. */
  keepIncidents?: number;
}

/** One incident a replay opened, as a backtest diff lists it. */
export interface ReplayedIncident {
  ruleName: string;
  host: string;
  labels: Record<string, string>;
  summary: string;
  openedAtMs: number;
  /** When it resolved within the replayed range; null when still open at its end. */
  resolvedAtMs: number | null;
  ticketed: boolean;
}

export interface BacktestOptions extends ReplayOptions {
  /** Samples in time order (chunk by chunk), e.g. `store.iterateSamples(from, to)`. */
  samples: Iterable<StoredSample>;
  toMs: number;
}

export interface BacktestSummary {
  incidents: number;
  /** Incidents that got a desk 'open' (their own ticket). */
  tickets: number;
  /** Incidents that never got a ticket: silenced, in maintenance, symptoms, grouped. */
  withoutTicket: number;
  stillOpen: number;
  /** Median of resolvedAt - openedAt over resolved incidents, null when none resolved. */
  medianDurationMs: number | null;
  deskOperations: Record<string, number>;
  perHost: Record<string, number>;
  perRule: Record<string, number>;
  samples: number;
  /** The first `keepIncidents` incidents by opening time, when the replay was asked to keep them. */
  incidentList?: ReplayedIncident[];
}

/** One replay fed sample by sample, so several rule sets can share one pass over the history. */
export interface Replay {
  push(sample: StoredSample): void;
  finish(toMs: number): BacktestSummary;
}

export function runBacktest(options: BacktestOptions): BacktestSummary {
  const replay = createReplay(options);
  for (const sample of options.samples) replay.push(sample);
  return replay.finish(options.toMs);
}

export function createReplay(options: ReplayOptions): Replay {
  const stepMs = options.stepMs ?? 15_000;
  const evaluator = createStepEvaluator(compileRules(options.rules));
  const watchesSilence = options.rules.some((r) => r.metric === AGENT_MISSED_REPORTS_METRIC);
  const ledger = createMemoryLedger();
  const service = createIncidentService({ route: () => ({ desks: ['backtest'], reason: 'backtest: every incident counts as ticketed at one desk' }), policy: { ...options.policy, probeReachability: false }, environment: options.environment, log: pino({ level: 'silent' }) });
  const intervalSecondsOf = (host: string) => options.intervalSecondsByHost.get(host) ?? 15;
  // Per host, in the order hosts first reported: its newest sample time and whether it was silent at the last step.
  const lastSeen = new Map<string, HostSeen>();
  // A series is resolved once per labels object (the store hands out one per series), not per sample;
  // weakly held, so that a source making a labels object per sample does not fill it.
  const resolved = new WeakMap<object, ResolvedSeries>();
  let batchEndMs: number | undefined;
  let count = 0;

  const resolve = (sample: StoredSample): ResolvedSeries => {
    const host = sample.labels.host ?? '';
    let seen = lastSeen.get(host);
    if (!seen) {
      const labels = { host };
      seen = { atMs: sample.atMs, silent: false, intervalSeconds: intervalSecondsOf(host), silence: watchesSilence ? evaluator.series(AGENT_MISSED_REPORTS_METRIC, labels, 0) : undefined };
      lastSeen.set(host, seen);
    }
    const series = evaluator.series(sample.metric, sample.labels, intervalSecondsOf(host) * 1000);
    const entry = { metric: sample.metric, series, seen };
    resolved.set(sample.labels, entry);
    return entry;
  };
  // Stamped just before the step's end, so that a report arriving exactly at the step boundary is newer.
  const flush = (nowMs: number) => {
    if (watchesSilence) {
      const atMs = nowMs - 1;
      for (const seen of lastSeen.values()) {
        const missed = (atMs - seen.atMs) / 1000 / seen.intervalSeconds;
        if (missed >= 1) {
          seen.silent = true;
          evaluator.add(seen.silence!, atMs, missed);
        }
      }
    }
    service.applySignals(ledger, evaluator.step(nowMs), nowMs);
  };

  return {
    push(sample) {
      count++;
      if (batchEndMs === undefined) batchEndMs = sample.atMs + stepMs;
      while (sample.atMs >= batchEndMs) {
        flush(batchEndMs);
        batchEndMs += stepMs;
      }
      let known = resolved.get(sample.labels);
      if (known === undefined || known.metric !== sample.metric) known = resolve(sample);
      evaluator.add(known.series, sample.atMs, sample.value, sample.text);
      const seen = known.seen;
      if (sample.atMs > seen.atMs) {
        if (seen.silent && watchesSilence) evaluator.add(seen.silence!, sample.atMs, 0);
        seen.atMs = sample.atMs;
        seen.silent = false;
      }
    },
    finish(toMs) {
      if (batchEndMs !== undefined) {
        for (; batchEndMs <= toMs; batchEndMs += stepMs) flush(batchEndMs);
        flush(toMs);
      }
      return replaySummary(ledger, count, options.keepIncidents);
    },
  };
}

/** The summary of a replay's ledger after `samples` samples, with the first `keepIncidents` incidents listed when asked. */
export function replaySummary(ledger: MemoryLedger, samples: number, keepIncidents?: number): BacktestSummary {
  const summary = summarize(ledger.incidents(), ledger.deskOperations(), samples);
  if (keepIncidents === undefined) return summary;
  const kept = ledger.incidents().sort((a, b) => a.openedAtMs - b.openedAtMs || a.id - b.id).slice(0, keepIncidents);
  const opened = new Set(ledger.deskOperations().filter((o) => o.operation === 'open').map((o) => o.incidentId));
  return {
    ...summary,
    incidentList: kept.map((i) => ({ ruleName: i.ruleName, host: i.host, labels: i.labels, summary: i.summary, openedAtMs: i.openedAtMs, resolvedAtMs: i.status === 'resolved' ? i.resolvedAtMs : null, ticketed: opened.has(i.id) })),
  };
}

/** What the replay knows of a host: its newest sample time, whether it was silent at the last step, and its silence series. */
interface HostSeen {
  atMs: number;
  silent: boolean;
  intervalSeconds: number;
  silence: StepSeries | undefined;
}

interface ResolvedSeries {
  metric: string;
  series: StepSeries;
  seen: HostSeen;
}

function summarize(incidents: IncidentRecord[], operations: ReadonlyArray<{ incidentId: number; operation: string }>, samples: number): BacktestSummary {
  const opened = new Set(operations.filter((o) => o.operation === 'open').map((o) => o.incidentId));
  const durations = incidents.filter((i) => i.resolvedAtMs !== null && i.status === 'resolved').map((i) => i.resolvedAtMs! - i.openedAtMs).sort((a, b) => a - b);
  const tally = (keys: string[]) => {
    const counts: Record<string, number> = {};
    for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
    return counts;
  };
  return {
    incidents: incidents.length,
    tickets: opened.size,
    withoutTicket: incidents.filter((i) => !opened.has(i.id)).length,
    stillOpen: incidents.filter((i) => i.status === 'open' || i.status === 'acknowledged').length,
    medianDurationMs: durations.length === 0 ? null : median(durations),
    deskOperations: tally(operations.map((o) => o.operation)),
    perHost: tally(incidents.map((i) => i.host)),
    perRule: tally(incidents.map((i) => i.ruleName)),
    samples,
  };
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
