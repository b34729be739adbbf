/**
 * The series sets of a stand-in collector (bench:agent's and the agent tests'), answering as the
 * collector does (contract/report.ts): a report that asks (`wantsSeriesSet`, with observations) is
 * answered with the name of its series set, which is kept; a compact report (`seriesSet`, `values`,
 * `valueTimes`) is read back into observations against a kept set, or answered 409
 * TRIPLINE_UNKNOWN_SERIES_SET. The name is any 22 characters of base64url a hash of the series
 * gives; the agent only repeats it.
 */
import { createHash } from 'node:crypto';
import type { Observation, Report, WireReport } from '../contract/report.js';

/** What a stub collector answers to a report, and the full report it keeps when it takes it. */
export type StubAnswer = { status: 200; body: string; report: Report } | { status: 400 | 409; body: string };

/** A stub collector's kept series sets. */
export interface StubSeriesSets {
  /** The answer to a received report (already parsed). */
  receive(report: WireReport): StubAnswer;
  /** Lets go of every set, as a restarted collector has. */
  forget(): void;
}

/** Series sets kept in a Map, for as long as the stub runs. */
export function createStubSeriesSets(): StubSeriesSets {
  const sets = new Map<string, { metric: string; labels: Observation['labels'] }[]>();
  const refusal = (status: 400 | 409, code: string, message: string): StubAnswer => ({ status, body: JSON.stringify({ error: { code, message, path: 'body/seriesSet' } }) });
  return {
    receive(report) {
      let full: Report;
      if (report.seriesSet === undefined) {
        if (report.observations === undefined) return refusal(400, 'TRIPLINE_VALIDATION_FAILED', "body must have required property 'observations'");
        full = { ...report, observations: report.observations };
      } else {
        if (report.observations !== undefined) return refusal(400, 'TRIPLINE_VALIDATION_FAILED', 'a report sends observations or values, not both');
        const series = sets.get(report.seriesSet);
        if (series === undefined) return refusal(409, 'TRIPLINE_UNKNOWN_SERIES_SET', 'no such series set');
        const values = report.values ?? [];
        const times = (report.valueTimes ?? []).flatMap(({ at, count }) => Array.from({ length: count }, () => at));
        if (values.length !== series.length || times.length !== values.length) return refusal(400, 'TRIPLINE_VALIDATION_FAILED', 'values do not match the series set');
        const { seriesSet: _set, values: _values, valueTimes: _times, ...rest } = report;
        full = { ...rest, observations: series.map((one, i) => ({ ...one, value: values[i]!, at: times[i]! })) };
      }
      let answer: { sequence: number; duplicate: false; seriesSet?: string } = { sequence: report.sequence, duplicate: false };
      if (report.wantsSeriesSet === true && full.observations.length > 0) {
        const series = full.observations.map(({ metric, labels }) => ({ metric, labels }));
        const id = createHash('sha256').update(JSON.stringify(series)).digest('base64url').slice(0, 22);
        sets.set(id, series);
        answer = { ...answer, seriesSet: id };
      }
      return { status: 200, body: JSON.stringify(answer), report: full };
    },
    forget: () => sets.clear(),
  };
}
