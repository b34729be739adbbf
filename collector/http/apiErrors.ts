/**
 * The catalogue of error codes the HTTP API answers with. The README's "API errors" table is
 * checked against this list by a test, so the two cannot drift apart.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OperationError } from '../operations/operationError.js';

export const API_ERRORS = {
  TRIPLINE_UNAUTHORIZED: { status: 401, meaning: 'missing or invalid bearer token' },
  TRIPLINE_FORBIDDEN: { status: 403, meaning: "an enrolled agent's credential used for another agent id, or a revoked credential" },
  TRIPLINE_VALIDATION_FAILED: { status: 400, meaning: 'the body, query or path does not match its schema; `path` names the field' },
  TRIPLINE_MALFORMED_JSON: { status: 400, meaning: 'the body is not JSON' },
  TRIPLINE_MALFORMED_GZIP: { status: 400, meaning: 'Content-Encoding is gzip but the body does not decompress' },
  TRIPLINE_BODY_TOO_LARGE: { status: 413, meaning: 'the body (after decompression) exceeds collector.maxBodyBytes' },
  TRIPLINE_UNSUPPORTED_ENCODING: { status: 415, meaning: 'Content-Encoding other than gzip or identity' },
  TRIPLINE_UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'Content-Type other than application/json' },
  TRIPLINE_NOT_FOUND: { status: 404, meaning: 'no such route or object' },
  TRIPLINE_CONFLICT: { status: 409, meaning: "the object's state forbids the action (e.g. acknowledging a resolved incident, retrying a delivery that is not dead, enrolling an agent id that is already enrolled); the message says why" },
  TRIPLINE_BAD_REQUEST: { status: 400, meaning: 'any other malformed request' },
  TRIPLINE_SHUTTING_DOWN: { status: 503, meaning: 'the collector is stopping; retry later' },
  TRIPLINE_INTERNAL: { status: 500, meaning: 'an unexpected failure; details are in the collector log only' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

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

/** The catalogue error an operation's refusal answers with; an invalid input is named by its body field. */
export function operationApiError(error: OperationError): ApiError {
  switch (error.problem) {
    case 'not-found':
      return new ApiError('TRIPLINE_NOT_FOUND', error.message);
    case 'conflict':
      return new ApiError('TRIPLINE_CONFLICT', error.message);
    case 'invalid': {
      const path = error.field ? `body/${error.field.path}` : 'body';
      return new ApiError('TRIPLINE_VALIDATION_FAILED', `${error.field?.subject === 'field' ? path : 'body'} ${error.message}`, path);
    }
    default:
      return error.problem satisfies never;
  }
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

/** Maps fastify's and zlib's errors onto the catalogue; internal details stay in the log. */
export function handleApiError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation) {
    const first = error.validation[0];
    const path = `${error.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
    const params = (first?.params ?? {}) as { additionalProperty?: string; missingProperty?: string };
    const detail = params.additionalProperty ? `: unknown field "${params.additionalProperty}"` : '';
    return sendApiError(reply, 'TRIPLINE_VALIDATION_FAILED', `${path} ${first?.message ?? 'is invalid'}${detail}`, path);
  }
  if (error instanceof OperationError) return sendApiErrorOf(reply, operationApiError(error));
  if (error instanceof ApiError) return sendApiErrorOf(reply, error);
  const mapped = FASTIFY_CODES[error.code ?? ''];
  if (mapped) return sendApiError(reply, mapped, mapped === 'TRIPLINE_MALFORMED_GZIP' ? 'body is not valid gzip' : error.message);
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return sendApiError(reply, 'TRIPLINE_INTERNAL', 'internal error; see the collector log');
  }
  return sendApiError(reply, 'TRIPLINE_BAD_REQUEST', error.message);
}
