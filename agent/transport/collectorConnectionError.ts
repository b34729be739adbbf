/**
 * Stable codes of the ways one POST over the collector connection can fail on our side of the
 * socket. Errors of the socket itself (ECONNREFUSED, EPIPE, a TLS certificate error) are Node's own
 * and keep their codes.
 *
 * | code                     | meaning                                                              |
 * |--------------------------|----------------------------------------------------------------------|
 * | TRIPLINE_BAD_RESPONSE    | the bytes are not an HTTP/1.x response this client reads (the message says which part) |
 * | ETIMEDOUT                | no complete response within the timeout (connect, upload and response) |
 * | ECONNRESET               | the connection closed before the response was complete              |
 * | TRIPLINE_CONNECTION_BUSY | a second POST while one is in flight (a caller bug: posts are serialised) |
 * | ERR_INVALID_CHAR         | a header name or value with a character HTTP forbids (as node:http says) |
 *
 * The `TRIPLINE_` codes are in the error catalogue (contract/errorCatalogue.ts); the others are Node's.
 */
import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';

export type CollectorConnectionErrorCode = ErrorCodeOf<'CollectorConnectionError'> | NodeSocketErrorCode;

/** Node's own codes, kept where this client fails the way a node:http socket would; not in the catalogue. */
type NodeSocketErrorCode = 'ETIMEDOUT' | 'ECONNRESET' | 'ERR_INVALID_CHAR';

/** A failed POST to the collector; never carries a header value (the bearer token) in its message. */
export class CollectorConnectionError extends Error {
  override readonly name = 'CollectorConnectionError';

  constructor(
    readonly code: CollectorConnectionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
