/**
 * The ingest benchmarks' simulated fleet (bench/benchReport.ts) is healthy under the default rule
 * pack at the cadence bench:ingest sends it, so that every incident a bench run ends with is the
 * collector's doing, not the fleet's. A 50,000-agent run sends each agent's first report, then,
 * after the whole fleet's first reports (about 15 minutes at 50 reports/s), the first few hundred
 * agents again in every slice of the measured phases, a few seconds apart; the agents declare
 * benchIntervalSeconds(50,000) = 2,500 s, so every `for` of the pack up to a quarter of that (625 s)
 * completes at the first breaching sample (FOR_TOLERANCE_RATIO).
 */
import { describe, expect, it } from 'vitest';
import { reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { DEFAULT_RULES_DIR, compileRules, evaluate, isForgettable, loadRuleSet, type RuleState, type SeriesSample, type Signal } from '../../rules/index.js';
import { benchIntervalSeconds, benchReport } from '../../bench/benchReport.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0);

/** The firing signals of the default pack over the first `agents` agents of a fleet of `fleetAgents`, their reports sent at each of `offsetsS` (seconds after T0). */
function firings(fleetAgents: number, agents: number, offsetsS: readonly number[]): Signal[] {
  const rules = compileRules(loadRuleSet([DEFAULT_RULES_DIR]).rules);
  const states = new Map<string, RuleState>();
  const fired: Signal[] = [];
  offsetsS.forEach((offsetS, sequence) => {
    const nowMs = T0 + offsetS * 1000;
    const at = new Date(nowMs).toISOString();
    const samples: SeriesSample[] = [];
    for (let agent = 0; agent < agents; agent++) samples.push(...reportToRecord(benchReport(agent, sequence, at, benchIntervalSeconds(fleetAgents)), nowMs).samples);
    const result = evaluate(rules, samples, states, nowMs);
    for (const state of result.states) {
      if (isForgettable(state)) states.delete(state.fingerprint);
      else states.set(state.fingerprint, state);
    }
    fired.push(...result.signals.filter((signal) => signal.kind === 'firing'));
  });
  return fired;
}

describe('the ingest benchmarks\' simulated fleet', () => {
  it.each([
    // 50,000 agents: the first report, then eight slices 10 s apart once the fleet's first reports are in
    [50_000, 200, [0, 926, 936, 946, 956, 966, 976, 986, 996]],
    // 10,000 agents at the pace of a loaded machine: the fleet goes round every 40 s
    [10_000, 200, [0, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400, 440, 480, 520]],
    // a long run: a report every 15 s for an hour
    [10_000, 20, Array.from({ length: 240 }, (_, i) => i * 15)],
  ])('opens no incident in a fleet of %i agents (the first %i)', (fleetAgents, agents, offsetsS) => {
    const fired = firings(fleetAgents, agents, offsetsS);
    expect(fired.map((signal) => `${signal.ruleName} ${signal.labels.host} ${signal.labels.mount ?? ''}`).slice(0, 5)).toEqual([]);
  });
});
