/**
 * The one body parser of the API: `application/json` in UTF-8 and nothing else. Fastify's own
 * parsers would decode invalid UTF-8 into U+FFFD silently and take `charset=utf-16` at its word;
 * here a body that is not valid UTF-8 is a 400 `TRIPLINE_INVALID_UTF8`, a charset other than utf-8
 * and any other media type a 415, before JSON parsing (fastify's, with prototype poisoning refused).
 * A body nesting arrays and objects deeper than MAX_JSON_DEPTH is a 400 before it is parsed: no
 * request of the API needs more than a few levels, and a few megabytes of `[[[[…` cost seconds of
 * CPU to parse and overflow the stack of whatever walks them recursively afterwards.
 */
import type { FastifyInstance } from 'fastify';
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
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new ApiError('TRIPLINE_INVALID_UTF8', 'body is not valid UTF-8', 'body'), undefined);
      return;
    }
    if (nestingDeeperThan(text, MAX_JSON_DEPTH)) {
      done(new ApiError('TRIPLINE_VALIDATION_FAILED', `body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, 'body'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}

/** The deepest nesting of arrays and objects a body may have. */
export const MAX_JSON_DEPTH = 32;

/** Whether JSON text nests `[` and `{` deeper than `limit` outside its strings (one pass, stops at the limit). */
export function nestingDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The charset parameter of a Content-Type, lower-cased and unquoted; undefined without one. */
function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType);
  return match?.[2]?.toLowerCase();
}
