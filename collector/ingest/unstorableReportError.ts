/**
 * A report that passed validation but could not be stored: refused alone (its savepoint rolled
 * back, the rest of its batch committed), and for good, since the same bytes would fail again. The
 * API answers it with 422 TRIPLINE_REPORT_UNSTORABLE, which the agent treats as final.
 */
export class UnstorableReportError extends Error {
  readonly agentId: string;
  readonly sequence: number;

  /** `report`: the refused report's agent and sequence number (a ReportRecord has both). */
  constructor(report: { agentId: string; sequence: number }, cause: unknown) {
    super(`report ${report.sequence} of agent ${report.agentId} could not be stored: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'UnstorableReportError';
    this.agentId = report.agentId;
    this.sequence = report.sequence;
  }
}
