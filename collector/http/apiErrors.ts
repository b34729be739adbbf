/**
 * The codes the HTTP API answers with, and their statuses: the view of the one error catalogue
 * (contract/errorCatalogue.ts) over the codes that have a status. The README's "Error codes" table
 * is checked against that catalogue by a test, so the two cannot drift apart.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, type HttpErrorCode } from '../../contract/errorCatalogue.js';
import { OperationError } from '../operations/operationError.js';

/** A code the API answers with. */
export type ApiErrorCode = HttpErrorCode;

/** Each API code's status and meaning, as the catalogue states them. */
export const API_ERRORS: Readonly<Record<ApiErrorCode, { status: number; meaning: string }>> = Object.fromEntries(
  ERROR_CATALOGUE.flatMap((entry) => ('status' in entry ? [[entry.code, { status: entry.status, meaning: entry.meaning }]] : [])),
) as Record<ApiErrorCode, { status: number; meaning: string }>;

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; path?: string };
}

export function apiError(code: ApiErrorCode, message: string, path?: string): ApiErrorBody {
  return { error: path === undefined ? { code, message } : { code, message, path } };
}

/** An error thrown from a hook or handler that maps straight onto the catalogue. */
export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = API_ERRORS[code].status;
  }
}

/** Sends a catalogue error with its status. */
export function sendApiError(reply: FastifyReply, code: ApiErrorCode, message: string, path?: string): FastifyReply {
  return reply.code(API_ERRORS[code].status).send(apiError(code, message, path));
}

/** The catalogue error an operation's refusal answers with (its own code); an invalid input is named by its field (of the body, or the query string). */
export function operationApiError(error: OperationError): ApiError {
  if (error.problem !== 'invalid') return new ApiError(error.code, error.message);
  const part = error.field?.in ?? 'body';
  const path = error.field ? `${part}/${error.field.path}` : part;
  return new ApiError(error.code, `${error.field?.subject === 'field' ? path : part} ${error.message}`, path);
}

function sendApiErrorOf(reply: FastifyReply, error: ApiError): FastifyReply {
  return sendApiError(reply, error.code, error.message, error.path);
}

const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'TRIPLINE_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'TRIPLINE_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'TRIPLINE_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'TRIPLINE_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'TRIPLINE_BAD_REQUEST',
  Z_DATA_ERROR: 'TRIPLINE_MALFORMED_GZIP',
  Z_BUF_ERROR: 'TRIPLINE_MALFORMED_GZIP',
};

/** Where the fault of each transport-level refusal lies, so that every 4xx about a request names a place. */
const FASTIFY_PATHS: Partial<Record<ApiErrorCode, string>> = {
  TRIPLINE_BODY_TOO_LARGE: 'body',
  TRIPLINE_MALFORMED_JSON: 'body',
  TRIPLINE_MALFORMED_GZIP: 'body',
  TRIPLINE_UNSUPPORTED_MEDIA_TYPE: 'headers/content-type',
  TRIPLINE_BAD_REQUEST: 'headers/content-length',
};

/** The first problem of a schema validation failure: its field path (`body/alerts/0/startsAt`) and a message that starts with it. */
export function validationProblem(error: { validation?: FastifyError['validation']; validationContext?: string | undefined }): { path: string; message: string } {
  const first = error.validation?.[0];
  const path = `${error.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
  const params = (first?.params ?? {}) as { additionalProperty?: string; missingProperty?: string };
  const detail = params.additionalProperty ? `: unknown field "${params.additionalProperty}"` : '';
  return { path, message: `${path} ${first?.message ?? 'is invalid'}${detail}` };
}

/** Maps fastify's and zlib's errors onto the catalogue; internal details stay in the log. */
export function handleApiError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation) {
    const problem = validationProblem(error);
    return sendApiError(reply, 'TRIPLINE_VALIDATION_FAILED', problem.message, problem.path);
  }
  if (error instanceof OperationError) return sendApiErrorOf(reply, operationApiError(error));
  if (error instanceof ApiError) return sendApiErrorOf(reply, error);
  const mapped = FASTIFY_CODES[error.code ?? ''];
  if (mapped) return sendApiError(reply, mapped, fastifyErrorMessage(mapped, error, request), FASTIFY_PATHS[mapped]);
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return sendApiError(reply, 'TRIPLINE_INTERNAL', 'internal error; see the collector log');
  }
  return sendApiError(reply, 'TRIPLINE_BAD_REQUEST', error.message);
}

/** The message of a fastify or zlib error mapped onto the catalogue: what was wrong, in Tripline's words where fastify's say too little. */
function fastifyErrorMessage(code: ApiErrorCode, error: FastifyError, request: FastifyRequest): string {
  if (code === 'TRIPLINE_MALFORMED_GZIP') return 'body is not valid gzip';
  if (code === 'TRIPLINE_UNSUPPORTED_MEDIA_TYPE') return `content-type ${JSON.stringify(String(request.headers['content-type'] ?? '').slice(0, 100))} is not supported; send application/json`;
  return error.message;
}

/**
 * Node's answer to a request that never became one (headers or body too slow, headers too large,
 * not HTTP): written on the socket in the catalogue's shape, then the connection is closed. This
 * replaces fastify's default, whose JSON has no catalogue code.
 *
 * A connection that timed out without having sent a single byte is closed without an answer. Node
 * times a new connection's headers from its accept, so a connection a client opened and kept for
 * later (undici does, when it reconnects for a request it then abandons: a garbage-collected
 * response with an unread body) expires after headersTimeout with no request of its own. A 408
 * written there answers nothing: the client, which takes the connection for an idle kept-open one,
 * reads it as the answer to the next request it writes on it if it writes before it has read the
 * 408 (a busy client), and reports "the request did not arrive in time" for a request the collector
 * never saw. A bare close is the end of an idle connection every keep-alive client knows (the agent
 * sends its report again on a new connection).
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // bytesRead counts what arrived of requests (over TLS too: the decrypted bytes, not the handshake).
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.bytesRead === 0) {
    socket.destroy();
    return;
  }
  const [code, message]: [ApiErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ['TRIPLINE_REQUEST_TIMEOUT', 'the request did not arrive in time (collector.limits.headersTimeout for its headers, requestTimeout for all of it); the connection is closed']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? ['TRIPLINE_HEADERS_TOO_LARGE', 'the request headers are too large; the connection is closed']
        : ['TRIPLINE_BAD_REQUEST', 'malformed HTTP request; the connection is closed'];
  const status = API_ERRORS[code].status;
  const body = JSON.stringify(apiError(code, message));
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroy();
}
