/**
 * The series sets of a stand-in collector (bench:agent's and the agent tests'), answering as the
 * collector does (contract/report.ts) because it is the collector's own registry
 * (collector/ingest/seriesSets.ts): a report that asks (`wantsSeriesSet`, with observations) is
 * answered with the name of its series set, which is kept; a compact report (`seriesSet`, `values`,
 * `valueTimes`) is read back into observations against a kept set (withObservations), or refused as the collector
 * refuses it (409 TRIPLINE_UNKNOWN_SERIES_SET, or 400 with the field).
 */
import type { Report, WireReport } from '../contract/report.js';
import { SeriesSetRegistry, withObservations } from '../collector/ingest/seriesSets.js';

/** What a stub collector answers to a report, and the full report it keeps when it takes it. */
export type StubAnswer = { status: 200; body: string; report: Report } | { status: 400 | 409; body: string };

/** A stub collector's kept series sets. */
export interface StubSeriesSets {
  /** The answer to a received report (already parsed). */
  receive(report: WireReport): StubAnswer;
  /** Lets go of every set, as a restarted collector has. */
  forget(): void;
}

/** The collector's registry, for as long as the stub runs (or until `forget`). */
export function createStubSeriesSets(): StubSeriesSets {
  let registry = new SeriesSetRegistry();
  return {
    receive(received) {
      const nowMs = Date.now();
      const expanded = registry.expand(received, nowMs);
      if ('problem' in expanded) {
        const { code, message, path } = expanded.problem;
        return { status: code === 'TRIPLINE_UNKNOWN_SERIES_SET' ? 409 : 400, body: JSON.stringify({ error: { code, message, path } }) };
      }
      const report = withObservations(expanded.report);
      const seriesSet = report.wantsSeriesSet === true ? registry.name(report, nowMs) : undefined;
      return { status: 200, body: JSON.stringify({ sequence: report.sequence, duplicate: false, ...(seriesSet === undefined ? {} : { seriesSet }) }), report };
    },
    forget: () => {
      registry = new SeriesSetRegistry();
    },
  };
}
