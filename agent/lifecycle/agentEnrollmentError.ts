import type { ErrorCodeOf, RetryableFlag } from '../../contract/errorCatalogue.js';

/** Why enrollment failed, and whether trying again later can help (the catalogue fixes which, per code). */
export class AgentEnrollmentError<C extends ErrorCodeOf<'AgentEnrollmentError'> = ErrorCodeOf<'AgentEnrollmentError'>> extends Error {
  override readonly name = 'AgentEnrollmentError';
  constructor(
    readonly code: C,
    message: string,
    readonly retryable: RetryableFlag<C>,
  ) {
    super(message);
  }
}
