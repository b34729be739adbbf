/**
 * Reads one HTTP/1.x response from the bytes of a socket, as they come, for the collector
 * connection. Strict: what it does not understand is an error, never a guess.
 *
 * - Status line `HTTP/1.0` or `HTTP/1.1`, a three-digit status and an optional reason; 1xx interim
 *   responses (100 Continue, 103 Early Hints) are skipped, 101 Switching Protocols is an error.
 * - Header lines `name: value` up to the blank line, at most `MAX_HEAD_BYTES`; names lower-cased,
 *   repeated names joined with `, `; no obsolete line folding.
 * - The body by `content-length`, by `transfer-encoding: chunked` (chunk extensions and trailers
 *   read and ignored), or, with neither, until the server closes; none for 204 and 304. Both
 *   framings at once, or another transfer coding, is an error.
 * - At most `maxBodyBytes` of the body are kept; the rest is read and discarded, so the connection
 *   stays in step.
 * - Keep-alive: HTTP/1.1 unless `connection: close`; HTTP/1.0 only with `connection: keep-alive`;
 *   never after a read-until-close body or with bytes beyond the response.
 */
import { CollectorConnectionError } from './collectorConnectionError.js';

/** Longest status line plus headers, and longest trailer section, accepted. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Longest chunk-size line (with its extensions) accepted. */
const MAX_CHUNK_LINE_BYTES = 1024;

/** One complete response. */
export interface ParsedResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** The body, cut at `maxBodyBytes`. */
  body: Buffer;
  /** Whether the connection may carry the next request. */
  keepAlive: boolean;
}

/** Fed with the bytes of one response. */
export interface ResponseParser {
  /** Takes the next bytes; returns the response once it is complete. Throws on malformed input. */
  push(chunk: Buffer): ParsedResponse | undefined;
  /** The server closed the connection: completes a read-until-close body, otherwise throws. */
  end(): ParsedResponse;
}

/**
 * | phase       | reads                                | next                                       |
 * |-------------|--------------------------------------|--------------------------------------------|
 * | head        | status line and headers to CRLFCRLF  | head (1xx), length, chunk-size, until-close, done |
 * | length      | `content-length` bytes               | done                                       |
 * | chunk-size  | a hex size line                      | chunk-data, trailers (size 0)              |
 * | chunk-data  | that many bytes                      | chunk-end                                  |
 * | chunk-end   | the CRLF after the data              | chunk-size                                 |
 * | trailers    | lines to an empty one                | done                                       |
 * | until-close | everything                           | done at `end()`                            |
 */
type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CHUNK_SIZE = /^[0-9A-Fa-f]{1,12}$/;
const CRLF = Buffer.from('\r\n', 'latin1');
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);

function bad(message: string): CollectorConnectionError {
  return new CollectorConnectionError('TRIPLINE_BAD_RESPONSE', message);
}

/** A parser for one response, keeping at most `maxBodyBytes` of its body. */
export function createResponseParser(maxBodyBytes: number): ResponseParser {
  let phase: Phase = 'head';
  /** Bytes of an unfinished head, line or chunk terminator, waiting for more. */
  let pending: Buffer = EMPTY;
  let status = 0;
  let headers: Record<string, string> = Object.create(null) as Record<string, string>;
  let keepAlive = true;
  /** Bytes left of the body (length) or of the current chunk. */
  let remaining = 0;
  let trailerBytes = 0;
  const kept: Buffer[] = [];
  let keptBytes = 0;

  function keep(bytes: Buffer): void {
    if (keptBytes >= maxBodyBytes) return;
    const part = bytes.length <= maxBodyBytes - keptBytes ? bytes : bytes.subarray(0, maxBodyBytes - keptBytes);
    kept.push(part);
    keptBytes += part.length;
  }

  /** Parses status line and headers (without the final CRLFCRLF) and picks the body's framing. */
  function readHead(text: string): void {
    const lines = text.split('\r\n');
    const match = STATUS_LINE.exec(lines[0]!);
    if (match === null) throw bad(`malformed status line ${JSON.stringify(lines[0]!.slice(0, 64))}`);
    status = Number(match[2]);
    headers = Object.create(null) as Record<string, string>;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      if (colon <= 0 || !TOKEN.test(name)) throw bad(`malformed header line ${JSON.stringify(line.slice(0, 64))}`);
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    if (status < 200) {
      if (status === 101) throw bad('unexpected 101 Switching Protocols');
      return; // interim: the final response follows
    }
    const connection = (headers.connection ?? '').toLowerCase();
    keepAlive = match[1] === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
    phase = framing();
  }

  function framing(): Phase {
    const transferEncoding = headers['transfer-encoding'];
    const contentLength = headers['content-length'];
    if (status === 204 || status === 304) return 'done';
    if (transferEncoding !== undefined) {
      if (contentLength !== undefined) throw bad('both transfer-encoding and content-length');
      if (transferEncoding.toLowerCase() !== 'chunked') throw bad(`unsupported transfer-encoding ${JSON.stringify(transferEncoding.slice(0, 64))}`);
      return 'chunk-size';
    }
    if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength)) throw bad(`malformed content-length ${JSON.stringify(contentLength.slice(0, 64))}`);
      remaining = Number(contentLength);
      return remaining === 0 ? 'done' : 'length';
    }
    keepAlive = false;
    return 'until-close';
  }

  /** One line ending in CRLF from `offset`, or undefined (the rest kept in `pending`) when not all here. */
  function line(data: Buffer, offset: number, max: number, what: string): { text: string; next: number } | undefined {
    const end = data.indexOf(CRLF, offset);
    if (end === -1) {
      if (data.length - offset > max) throw bad(`${what} exceeds ${max} bytes`);
      pending = data.subarray(offset);
      return undefined;
    }
    if (end - offset > max) throw bad(`${what} exceeds ${max} bytes`);
    return { text: data.toString('latin1', offset, end), next: end + 2 };
  }

  /** Consumes bytes of `data` from `offset` for the current phase; returns the new offset. */
  function step(data: Buffer, offset: number): number {
    switch (phase) {
      case 'head': {
        const end = data.indexOf(CRLFCRLF, offset);
        if (end === -1 || end - offset > MAX_HEAD_BYTES) {
          if (data.length - offset > MAX_HEAD_BYTES) throw bad(`response head exceeds ${MAX_HEAD_BYTES} bytes`);
          pending = data.subarray(offset);
          return data.length;
        }
        readHead(data.toString('latin1', offset, end));
        return end + 4;
      }
      case 'length':
      case 'chunk-data': {
        const size = Math.min(remaining, data.length - offset);
        keep(data.subarray(offset, offset + size));
        remaining -= size;
        if (remaining === 0) phase = phase === 'length' ? 'done' : 'chunk-end';
        return offset + size;
      }
      case 'chunk-size': {
        const read = line(data, offset, MAX_CHUNK_LINE_BYTES, 'chunk-size line');
        if (read === undefined) return data.length;
        const semicolon = read.text.indexOf(';');
        const hex = (semicolon === -1 ? read.text : read.text.slice(0, semicolon)).trim();
        if (!CHUNK_SIZE.test(hex)) throw bad(`malformed chunk size ${JSON.stringify(read.text.slice(0, 64))}`);
        remaining = parseInt(hex, 16);
        phase = remaining === 0 ? 'trailers' : 'chunk-data';
        return read.next;
      }
      case 'chunk-end': {
        if (data.length - offset < 2) {
          pending = data.subarray(offset);
          return data.length;
        }
        if (data[offset] !== 13 || data[offset + 1] !== 10) throw bad('chunk data not followed by CRLF');
        phase = 'chunk-size';
        return offset + 2;
      }
      case 'trailers': {
        const read = line(data, offset, MAX_HEAD_BYTES - trailerBytes, 'trailer section');
        if (read === undefined) return data.length;
        trailerBytes += read.next - offset;
        if (read.text === '') phase = 'done';
        return read.next;
      }
      case 'until-close':
        keep(data.subarray(offset));
        return data.length;
      case 'done':
        return offset;
      default:
        return assertNever(phase);
    }
  }

  function response(): ParsedResponse {
    return { status, headers, body: kept.length === 1 ? kept[0]! : Buffer.concat(kept), keepAlive };
  }

  return {
    push(chunk) {
      const data = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      pending = EMPTY;
      let offset = 0;
      while (offset < data.length && phase !== 'done') offset = step(data, offset);
      if (phase !== 'done') return undefined;
      // Bytes beyond the response: the server is out of step with us; do not reuse the connection.
      if (offset < data.length) keepAlive = false;
      return response();
    },
    end() {
      if (phase !== 'until-close') throw new CollectorConnectionError('ECONNRESET', 'the connection closed before the response was complete');
      phase = 'done';
      return response();
    },
  };
}

function assertNever(value: never): never {
  throw new Error(`unexpected parser phase ${String(value)}`);
}
