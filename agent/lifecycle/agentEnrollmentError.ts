/** Why enrollment failed, and whether trying again later can help. */
export class AgentEnrollmentError extends Error {
  override readonly name = 'AgentEnrollmentError';
  constructor(
    readonly code: 'TRIPLINE_ENROLL_REFUSED' | 'TRIPLINE_ENROLL_UNAVAILABLE',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
