/**
 * The HTTP client every HTTP desk adapter shares: JSON in and out, a per-request timeout, the
 * one classification of failures (429 and 5xx retry, other 4xx do not, transport errors retry),
 * and redaction, so that no credential the adapter knows can reach an error message.
 */
import { errors as undiciErrors, request } from 'undici';
import { createSecretRedactor, headerCredentials } from '../../contract/secretRedactor.js';
import { DeskError, deskErrorForStatus, parseRetryAfter } from './deskAdapter.js';

export interface DeskHttpClientOptions {
  /** Desk name, the first word of every error message. */
  desk: string;
  /** Base URL; request paths are appended to it. */
  baseUrl: string;
  timeoutMs: number;
  /** Headers sent on every request (authorization included); never logged or echoed. */
  headers: Record<string, string>;
  /** Every credential the adapter holds; each (and each header value above) is replaced by `[redacted]` in error text. */
  secrets: readonly string[];
  clock: { nowMs(): number };
}

export interface DeskHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
  text: string;
}

export interface DeskHttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses other than 2xx that the caller handles itself (for example 404 on a read). */
  accept?: readonly number[];
}

export interface DeskHttpClient {
  send(request: DeskHttpRequest): Promise<DeskHttpResponse>;
  /** Replaces every known secret in `text`. */
  redact(text: string): string;
}

export function createDeskHttpClient(options: DeskHttpClientOptions): DeskHttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const target = safeTarget(base);
  // The headers sent on every request are credentials too: Basic auth's base64 of `user:secret`
  // holds no spelling of the secret alone, and a desk may echo the header back.
  const redact = createSecretRedactor([...options.secrets, ...Object.values(options.headers).flatMap(headerCredentials)]);
  return {
    redact,
    async send(req) {
      const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'tripline-collector', ...options.headers, ...req.headers };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response;
      try {
        response = await request(`${base}${req.path}`, { method: req.method, body, headers, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
      } catch (error) {
        throw transportError(options.desk, target, error);
      }
      const text = await response.body.text().catch(() => '');
      const status = response.statusCode;
      if ((status < 200 || status >= 300) && !(req.accept ?? []).includes(status)) {
        const retryAfter = parseRetryAfter(response.headers['retry-after'], options.clock.nowMs());
        const said = redact(text).slice(0, 200);
        throw deskErrorForStatus(options.desk, status, retryAfter, redact(`${req.method} ${pathOnly(req.path)}: ${said}`));
      }
      return { status, headers: response.headers, json: parseJson(text), text };
    },
  };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The path without its query string, which may carry search terms or keys. */
function pathOnly(path: string): string {
  return path.split('?')[0] ?? path;
}

/** The URL without credentials or query string, safe to put in an error message. */
export function safeTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

function transportError(desk: string, target: string, error: unknown): DeskError {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new DeskError('TRIPLINE_DESK_TIMEOUT', `${desk}: no answer from ${target} in time`, true);
  }
  const code = (error as { code?: string }).code ?? 'error';
  return new DeskError('TRIPLINE_DESK_UNREACHABLE', `${desk}: cannot reach ${target} (${code})`, true);
}

/** A field of a parsed JSON object, or undefined. */
export function field(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** A desk answered 2xx with a body we cannot use: retrying the same request will not help. */
export function badResponse(desk: string, what: string): DeskError {
  return new DeskError('TRIPLINE_DESK_BAD_RESPONSE', `${desk}: ${what}`, false);
}
