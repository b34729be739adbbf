/**
 * Why an operator action did not happen. Operations throw it; each adapter answers it in its own
 * terms: the HTTP API with a status and an error code, the CLI with its wording and exit code.
 */
import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';

/** `not-found`: no such object; `conflict`: its state forbids the action; `invalid`: the input is wrong. */
export type OperationProblem = 'not-found' | 'conflict' | 'invalid';

/** Where in the input an `invalid` problem is. */
export interface OperationField {
  /** The input field at fault, as a slash path: `cron`, `matchers/1`. */
  path: string;
  /** Whether the message continues the field's name (`cron is not…`) or the input's (`… must name…`). */
  subject: 'field' | 'input';
  /** Where the field is in a request: the body (default) or the query string. */
  in?: 'body' | 'querystring';
}

/** The catalogue code of each problem: the one the HTTP API answers it with. */
export function operationErrorCode(problem: OperationProblem): ErrorCodeOf<'OperationError'> {
  switch (problem) {
    case 'not-found':
      return 'TRIPLINE_NOT_FOUND';
    case 'conflict':
      return 'TRIPLINE_CONFLICT';
    case 'invalid':
      return 'TRIPLINE_VALIDATION_FAILED';
    default:
      return problem satisfies never;
  }
}

export class OperationError extends Error {
  /** Stable code from the error catalogue, given by the problem. */
  readonly code: ErrorCodeOf<'OperationError'>;
  constructor(
    readonly problem: OperationProblem,
    message: string,
    readonly field?: OperationField,
  ) {
    super(message);
    this.name = 'OperationError';
    this.code = operationErrorCode(problem);
  }
}

/** An `invalid` problem of one input field, its message continuing the field's name. */
export function invalidField(path: string, message: string): OperationError {
  return new OperationError('invalid', message, { path, subject: 'field' });
}
