/**
 * `npm run bench:rules`: observations per second through the pure rules engine with 100 rules of
 * every kind (thresholds with for and hysteresis, keepFiringFor, avg/max windows, counter rates,
 * linear predictions, absent series, group aggregates) over many hosts, the state fed back between
 * batches and inactive-and-memoryless states dropped, as the collector's alert pipeline does.
 * Figures only; nothing is asserted. Options: --hosts N --rounds R --batch B (hosts per call).
 *
 * Prints one line per figure; `figures` is the list to extend (a backtest figure belongs next to
 * the engine's).
 */
import { parseArgs } from 'node:util';
import { compileRules, evaluate, isForgettable, type RuleState, type SeriesSample } from '../rules/index.js';
import { benchRules, hostSamples } from './rulesFleet.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '12' },
    batch: { type: 'string', default: '100' },
  },
});
const HOSTS = Number(values.hosts);
const ROUNDS = Number(values.rounds);
const BATCH = Number(values.batch);
const INTERVAL_MS = 15_000;

/** One benchmark result line. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  detail: string;
}

/** Runs the engine over ROUNDS report cycles of HOSTS hosts, BATCH hosts per call. */
export function engineFigure(): BenchFigure {
  const rules = compileRules(benchRules());
  const states = new Map<string, RuleState>();
  const t0 = Date.UTC(2026, 0, 1);
  let observations = 0;
  let signals = 0;
  let elapsedNs = 0n;
  let cpuMicros = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let first = 0; first < HOSTS; first += BATCH) {
      const atMs = t0 + round * INTERVAL_MS + first;
      const batch: SeriesSample[] = [];
      for (let host = first; host < Math.min(HOSTS, first + BATCH); host++) batch.push(...hostSamples(host, round, atMs));
      const start = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      const result = evaluate(rules, batch, states, atMs);
      for (const state of result.states) {
        if (isForgettable(state)) states.delete(state.fingerprint);
        else states.set(state.fingerprint, state);
      }
      elapsedNs += process.hrtime.bigint() - start;
      const cpu = process.cpuUsage(cpuStart);
      cpuMicros += cpu.user + cpu.system;
      observations += batch.length;
      signals += result.signals.length;
    }
  }
  const seconds = Number(elapsedNs) / 1e9;
  return {
    name: 'rules engine',
    value: observations / seconds,
    unit: 'observations/s',
    detail: `100 rules, ${HOSTS} hosts x ${Math.round(observations / HOSTS / ROUNDS)} series, ${ROUNDS} rounds, ${BATCH} hosts per call; ${observations} observations in ${seconds.toFixed(2)} s (${(cpuMicros / 1e6).toFixed(2)} s of CPU: ${Math.round(observations / (cpuMicros / 1e6)).toLocaleString('en-US')} per CPU-second), ${signals} signals, ${states.size} states kept`,
  };
}

const figures: BenchFigure[] = [engineFigure()];
for (const figure of figures) {
  process.stdout.write(`${figure.name}: ${Math.round(figure.value).toLocaleString('en-US')} ${figure.unit}\n  ${figure.detail}\n`);
}
