/**
 * A report that passed validation but could not be stored: refused alone (its savepoint rolled
 * back, the rest of its batch committed), and for good, since the same bytes would fail again. The
 * API answers it with 422 TRIPLINE_REPORT_UNSTORABLE, which the agent treats as final.
 */
import type { Report } from '../../contract/report.js';

export class UnstorableReportError extends Error {
  constructor(report: Report, cause: unknown) {
    super(`report ${report.sequence} of agent ${report.agent.id} could not be stored: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'UnstorableReportError';
  }
}
