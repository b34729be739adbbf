import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';

/** Thrown when a `/proc` file does not have the shape the kernel documents. */
export class ProcParseError extends Error {
  /** Stable code for matching without parsing the message. */
  readonly code: ErrorCodeOf<'ProcParseError'> = 'TRIPLINE_PROC_PARSE';
  override readonly name = 'ProcParseError';

  /** `file` is the path relative to the proc root, e.g. `stat`. */
  constructor(readonly file: string, detail: string) {
    super(`cannot parse /proc/${file}: ${detail}`);
  }
}
