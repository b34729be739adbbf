/**
 * The backtest replay as it was before the step evaluator: every step's samples handed to
 * `evaluate` with the map of states its previous calls returned. Kept only as the reference the
 * equivalence tests compare the replay with (test/collector/replayEquivalence.test.ts); the
 * collector runs collector/backtest/runBacktest.ts.
 */
import { pino } from 'pino';
import { AGENT_MISSED_REPORTS_METRIC } from '../../collector/alerting/missedReportWatcher.js';
import { replaySummary, type Replay, type ReplayOptions } from '../../collector/backtest/runBacktest.js';
import { createMemoryLedger } from '../../collector/backtest/memoryLedger.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { compileRules, evaluate, isForgettable, type RuleState, type SeriesSample } from '../../rules/index.js';

export function createReferenceReplay(options: ReplayOptions): Replay {
  const stepMs = options.stepMs ?? 15_000;
  const compiled = compileRules(options.rules);
  const watchesSilence = options.rules.some((r) => r.metric === AGENT_MISSED_REPORTS_METRIC);
  const ledger = createMemoryLedger();
  const service = createIncidentService({ route: () => ({ desks: ['backtest'], reason: 'backtest: every incident counts as ticketed at one desk' }), policy: { ...options.policy, probeReachability: false }, environment: options.environment, log: pino({ level: 'silent' }) });
  const states = new Map<string, RuleState>();
  const lastSeen = new Map<string, { atMs: number; labels: Record<string, string>; silent: boolean }>();
  let batch: SeriesSample[] = [];
  let batchEndMs: number | undefined;
  let count = 0;

  const silenceSamples = (nowMs: number): SeriesSample[] => {
    if (!watchesSilence) return [];
    const out: SeriesSample[] = [];
    for (const [host, seen] of lastSeen) {
      const atMs = nowMs - 1;
      const missed = (atMs - seen.atMs) / 1000 / (options.intervalSecondsByHost.get(host) ?? 15);
      if (missed >= 1) {
        seen.silent = true;
        out.push({ metric: AGENT_MISSED_REPORTS_METRIC, labels: seen.labels, value: missed, atMs });
      }
    }
    return out;
  };
  const flush = (nowMs: number) => {
    const samples = batch.concat(silenceSamples(nowMs));
    batch = [];
    const result = evaluate(compiled, samples, states, nowMs);
    for (const state of result.states) {
      if (isForgettable(state)) states.delete(state.fingerprint);
      else states.set(state.fingerprint, state);
    }
    service.applySignals(ledger, result.signals, nowMs);
  };

  return {
    push(sample) {
      count++;
      if (batchEndMs === undefined) batchEndMs = sample.atMs + stepMs;
      while (sample.atMs >= batchEndMs) {
        flush(batchEndMs);
        batchEndMs += stepMs;
      }
      const host = sample.labels.host ?? '';
      batch.push({ ...sample, intervalMs: (options.intervalSecondsByHost.get(host) ?? 15) * 1000 });
      const seen = lastSeen.get(host);
      if (!seen) lastSeen.set(host, { atMs: sample.atMs, labels: { host }, silent: false });
      else if (sample.atMs > seen.atMs) {
        if (seen.silent && watchesSilence) batch.push({ metric: AGENT_MISSED_REPORTS_METRIC, labels: seen.labels, value: 0, atMs: sample.atMs });
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
