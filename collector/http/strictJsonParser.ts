/**
 * The one body parser of the API: `application/json` in UTF-8 and nothing else. Fastify's own
 * parsers would decode invalid UTF-8 into U+FFFD silently and take `charset=utf-16` at its word;
 * here a body that is not valid UTF-8 is a 400 `TRIPLINE_INVALID_UTF8`, a charset other than utf-8
 * and any other media type a 415, before JSON parsing (fastify's, with prototype poisoning refused).
 * A body nesting arrays and objects deeper than MAX_JSON_DEPTH is a 400: no request of the API needs
 * more than a few levels, and deep values overflow the stack of whatever walks them recursively
 * afterwards. A body longer than PARSED_FIRST_MAX_CHARS is checked before it is parsed (V8 parses
 * megabytes of `[[[[…` without recursing, but at about five times the CPU of as many bytes of flat
 * JSON); a shorter one, every agent report, is parsed by JSON.parse first and its value walked once
 * for both the depth and the keys secure-json-parse refuses (`__proto__`, `constructor`), which
 * costs a sixth of the text scan and spares secure-json-parse's two regular-expression scans of the
 * text. A value with such a key, and a text JSON.parse refuses, go through the careful path (the
 * text's depth, then secure-json-parse), so they get the errors they always got. One answer differs
 * between the paths: a deep value under a key its object repeats later is dropped by JSON.parse
 * (the last value wins), so a short body is accepted with nothing deep in it, where the text's
 * depth check refuses a long one.
 * A gzip body (Content-Encoding, checked by httpServer.ts) is inflated here in one call, its
 * decompressed size capped at the route's body limit as its size on the wire is.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gunzipSync } from 'node:zlib';
import { ApiError } from './apiErrors.js';

/** Replaces fastify's content-type parsers (JSON, text/plain) with the strict JSON parser. */
export function registerStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = charsetOf(request.headers['content-type'] ?? '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(new ApiError('TRIPLINE_UNSUPPORTED_MEDIA_TYPE', `charset "${charset.slice(0, 40)}" is not supported; send application/json in UTF-8`, 'headers/content-type'), undefined);
      return;
    }
    let bytes = body as Buffer;
    if (request.headers['content-encoding']?.toLowerCase() === 'gzip') {
      try {
        bytes = gunzipped(bytes, request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? DEFAULT_BODY_LIMIT);
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      done(new ApiError('TRIPLINE_INVALID_UTF8', 'body is not valid UTF-8', 'body'), undefined);
      return;
    }
    const value = text.length > PARSED_FIRST_MAX_CHARS ? UNPARSED : parsedOrUnparsed(text);
    const problems = value === UNPARSED ? TEXT_UNCHECKED : parsedValueProblems(value, MAX_JSON_DEPTH);
    if (problems === NONE) done(null, value);
    else if (problems & TOO_DEEP || (problems === TEXT_UNCHECKED && nestingDeeperThan(text, MAX_JSON_DEPTH))) done(tooDeep(), undefined);
    else parseJson(request, text, done);
  });
}

/** The error of a body nested deeper than MAX_JSON_DEPTH. */
function tooDeep(): ApiError {
  return new ApiError('TRIPLINE_VALIDATION_FAILED', `body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, 'body');
}

/**
 * The longest body text parsed before its depth is checked: a body nested to the limit of this size
 * costs a few milliseconds to parse, a flat one at the default body limit (4 MiB) ten times more,
 * and an agent's report of a few hundred observations fits.
 */
export const PARSED_FIRST_MAX_CHARS = 64 * 1024;

/** A body not parsed yet: too long to parse first, or text JSON.parse refuses (BOM, empty, malformed). */
const UNPARSED: unique symbol = Symbol('unparsed');

function parsedOrUnparsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return UNPARSED;
  }
}

/** What parsedValueProblems finds, as bits; TEXT_UNCHECKED stands for a body that was not parsed first. */
const NONE = 0;
const PROTOTYPE_KEY = 1;
const TOO_DEEP = 2;
const TEXT_UNCHECKED = 4;

/**
 * Whether a parsed value nests arrays and objects deeper than `limit` (TOO_DEEP; the walk stops
 * there), and whether any of its objects has a key secure-json-parse judges (PROTOTYPE_KEY).
 */
export function parsedValueProblems(value: unknown, limit: number): number {
  return typeof value === 'object' && value !== null ? containerProblems(value, limit) : NONE;
}

/** parsedValueProblems of one array or object with `levels` levels left for it and what it holds (recursion at most `limit` deep). */
function containerProblems(container: object, levels: number): number {
  if (levels === 0) return TOO_DEEP;
  let found = NONE;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const item: unknown = container[i];
      if (typeof item === 'object' && item !== null && (found |= containerProblems(item, levels - 1)) & TOO_DEEP) return found;
    }
    return found;
  }
  for (const key in container) {
    if (key === '__proto__' || key === 'constructor') found |= PROTOTYPE_KEY;
    const item = (container as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null && (found |= containerProblems(item, levels - 1)) & TOO_DEEP) return found;
  }
  return found;
}

/** Whether the request's body is JSON (its media type, whatever its parameters): the one kind this parser reads. */
export function isJsonBody(request: FastifyRequest): boolean {
  const contentType = request.headers['content-type'] ?? '';
  const end = contentType.indexOf(';');
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase() === 'application/json';
}

/** Fastify's default body limit, for a server configured without one. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A gzip body inflated; past `limit` bytes a 413, corrupt gzip a zlib error (Z_DATA_ERROR, Z_BUF_ERROR: TRIPLINE_MALFORMED_GZIP). */
function gunzipped(body: Buffer, limit: number): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw error;
    throw new ApiError('TRIPLINE_BODY_TOO_LARGE', `request body is too large: more than ${limit} bytes once decompressed`, 'body');
  }
}

/** The deepest nesting of arrays and objects a body may have. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether JSON text nests `[` and `{` deeper than `limit` outside its strings (one pass, stops at
 * the limit). Strings, most of a report's text, are skipped to their closing quote by indexOf.
 */
export function nestingDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = closingQuote(text, i);
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The index of the quote that closes the string opened at `open` (one not escaped: an even run of backslashes before it), or the text's length. */
function closingQuote(text: string, open: number): number {
  for (let close = text.indexOf('"', open + 1); close !== -1; close = text.indexOf('"', close + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return close;
  }
  return text.length;
}

/** The charset parameter of a Content-Type, lower-cased and unquoted; undefined without one. */
function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType);
  return match?.[2]?.toLowerCase();
}
