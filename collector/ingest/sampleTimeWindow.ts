/**
 * The window of sample times intake accepts, around the collector's clock (`collector.intake`):
 * an agent with a clock far ahead, or a report replayed from long ago, is refused with the field
 * path of its first sample outside, before it reaches the batch, rather than stored where no range
 * query over recent time finds it. (The chunk encoder, collector/store/sampleChunk.ts, holds any time.)
 */
import type { WireReport } from '../../contract/report.js';

/** How far ahead of and behind the collector clock a sample time may be, in milliseconds. */
export interface SampleTimeWindow {
  maxAheadMs: number;
  maxAgeMs: number;
}

/** The first sample time of the report outside the window, as a field path and a message; undefined when all are inside. */
export function sampleTimeProblem(report: WireReport, nowMs: number, window: SampleTimeWindow): { path: string; message: string } | undefined {
  // The observations of one report mostly share their time: each distinct time is parsed and judged once.
  let lastAt: string | undefined;
  const judge = (at: string, path: () => string) => {
    if (at === lastAt) return undefined;
    const atMs = Date.parse(at);
    if (!Number.isFinite(atMs)) return { path: path(), message: `${path()} is not a time: ${JSON.stringify(at)}` };
    if (atMs > nowMs + window.maxAheadMs) {
      return { path: path(), message: `${path()} ${at} is ${describe(atMs - nowMs)} ahead of the collector clock (at most ${describe(window.maxAheadMs)}: collector.intake.maxClockAhead); check the agent's clock` };
    }
    if (atMs < nowMs - window.maxAgeMs) {
      return { path: path(), message: `${path()} ${at} is ${describe(nowMs - atMs)} behind the collector clock (at most ${describe(window.maxAgeMs)}: collector.intake.maxAge)` };
    }
    lastAt = at;
    return undefined;
  };
  const observations = report.observations ?? [];
  for (let i = 0; i < observations.length; i++) {
    const problem = judge(observations[i]!.at, () => `body/observations/${i}/at`);
    if (problem) return problem;
  }
  for (let i = 0; i < report.checks.length; i++) {
    const problem = judge(report.checks[i]!.at, () => `body/checks/${i}/at`);
    if (problem) return problem;
  }
  // A report of values against a series set (seriesSets.ts) has its times here, before it is expanded.
  const valueTimes = report.valueTimes ?? [];
  for (let i = 0; i < valueTimes.length; i++) {
    const problem = judge(valueTimes[i]!.at, () => `body/valueTimes/${i}/at`);
    if (problem) return problem;
  }
  return undefined;
}

/** A span of milliseconds in the largest whole unit that keeps it readable: `3d 4h`, `12m 5s`. */
function describe(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length > 0) break;
  }
  return parts.join(' ');
}
