/**
 * The response parser on exact bytes: every framing fed whole and one byte at a time (a socket may
 * split a response anywhere), and the malformed responses it refuses.
 */
import { describe, expect, it } from 'vitest';
import { createResponseParser, MAX_HEAD_BYTES, type ParsedResponse } from '../../agent/transport/httpResponseParser.js';

/** Feeds `raw` in pieces of `pieceBytes`; returns the response and the pushes it took. */
function parse(raw: string, pieceBytes: number, maxBodyBytes = 1024): { response: ParsedResponse | undefined; pushes: number } {
  const parser = createResponseParser(maxBodyBytes);
  const bytes = Buffer.from(raw, 'latin1');
  let pushes = 0;
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
    pushes += 1;
    const response = parser.push(bytes.subarray(offset, offset + pieceBytes));
    if (response !== undefined) return { response, pushes };
  }
  return { response: undefined, pushes };
}

describe('createResponseParser', () => {
  it.each([
    // content-length, repeated header joined, names lower-cased
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello', 200, 'hello', true, { 'content-length': '5', 'x-a': '1, 2' }],
    // chunked with an extension and a trailer
    ['HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nx-trailer: t\r\n\r\n', 201, 'hello, world!!!', true, { 'transfer-encoding': 'chunked' }],
    // interim 100 and 103 skipped
    ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 429 Too Many\r\nretry-after: 7\r\ncontent-length: 0\r\n\r\n', 429, '', true, { 'retry-after': '7', 'content-length': '0' }],
    // 204 has no body even without framing headers
    ['HTTP/1.1 204 No Content\r\n\r\n', 204, '', true, {}],
    // connection: close
    ['HTTP/1.1 200 OK\r\nConnection: Close\r\ncontent-length: 2\r\n\r\nok', 200, 'ok', false, { connection: 'Close', 'content-length': '2' }],
    // HTTP/1.0 keeps the connection only when asked
    ['HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok', 200, 'ok', false, { 'content-length': '2' }],
    ['HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nok', 200, 'ok', true, { connection: 'keep-alive', 'content-length': '2' }],
    // an empty reason phrase, and none at all
    ['HTTP/1.1 503 \r\ncontent-length: 0\r\n\r\n', 503, '', true, { 'content-length': '0' }],
    ['HTTP/1.1 200\r\ncontent-length: 0\r\n\r\n', 200, '', true, { 'content-length': '0' }],
  ])('%j', (raw, status, text, keepAlive, headers) => {
    for (const pieceBytes of [raw.length, 1, 3]) {
      const { response, pushes } = parse(raw, pieceBytes);
      expect(response).toBeDefined();
      expect(pushes).toBe(Math.ceil(raw.length / pieceBytes)); // complete exactly at its last byte
      expect({ status: response!.status, text: response!.body.toString('latin1'), keepAlive: response!.keepAlive, headers: { ...response!.headers } }).toEqual({ status, text, keepAlive, headers });
    }
  });

  it('reads a body without framing until the connection ends, and does not keep that connection', () => {
    const parser = createResponseParser(1024);
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\npart one, '))).toBeUndefined();
    expect(parser.push(Buffer.from('part two'))).toBeUndefined();
    const response = parser.end();
    expect(response.body.toString()).toBe('part one, part two');
    expect(response.keepAlive).toBe(false);
  });

  it('keeps at most maxBodyBytes of the body and still finds the end of the response', () => {
    const body = 'x'.repeat(100) + 'y'.repeat(100);
    const chunked = `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n64\r\n${'x'.repeat(100)}\r\n64\r\n${'y'.repeat(100)}\r\n0\r\n\r\n`;
    for (const raw of [`HTTP/1.1 200 OK\r\ncontent-length: 200\r\n\r\n${body}`, chunked]) {
      const { response } = parse(raw, 7, 150);
      expect(response!.body.toString()).toBe(body.slice(0, 150));
      expect(response!.keepAlive).toBe(true);
    }
  });

  it('does not keep a connection that sent bytes beyond the response', () => {
    const { response } = parse('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n', 1000);
    expect(response!.body.toString()).toBe('ok');
    expect(response!.keepAlive).toBe(false);
  });

  it.each([
    ['an SSH greeting', 'SSH-2.0-OpenSSH_9.2\r\n\r\n', /malformed status line "SSH-2.0-OpenSSH_9.2"/],
    ['an HTTP/2 status line', 'HTTP/2 200\r\n\r\n', /malformed status line/],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', /malformed status line/],
    ['a status below 100', 'HTTP/1.1 099 Odd\r\n\r\n', /malformed status line/],
    ['bare LF line ends', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n\r\n\r\n', /malformed status line/],
    ['an unrequested 101 upgrade', 'HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\n\r\n', /101/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /malformed header line "no colon here"/],
    ['a space in a header name', 'HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n', /malformed header line/],
    ['obsolete line folding', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n folded\r\n\r\n', /malformed header line/],
    ['a negative content-length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n', /malformed content-length/],
    ['conflicting content-lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok', /malformed content-length "2, 3"/],
    ['both framings (the request-smuggling shape)', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 2\r\n\r\n', /both transfer-encoding and content-length/],
    ['a transfer coding other than chunked', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n', /unsupported transfer-encoding/],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', /malformed chunk size "zz"/],
    ['a chunk longer than its size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokX\r\n', /chunk data not followed by CRLF/],
    ['headers over 16 KiB', `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`, /response head exceeds 16384 bytes/],
    ['a chunk-size line over 1 KiB', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1;${'e'.repeat(2000)}\r\n`, /chunk-size line exceeds/],
    ['trailers over 16 KiB', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-t: ${'t'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`, /trailer section exceeds/],
  ])('refuses %s', (_what, raw, message) => {
    for (const pieceBytes of [raw.length, 1]) {
      expect(() => parse(raw, pieceBytes)).toThrow(expect.objectContaining({ code: 'TRIPLINE_BAD_RESPONSE', message: expect.stringMatching(message) }));
    }
  });

  it.each([
    ['HTTP/1.1 200 OK\r\ncontent-len'], // mid-head
    ['HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort'], // mid-body
    ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n'], // no last chunk
  ])('a connection that ends during %j is cut short (ECONNRESET)', (raw) => {
    const parser = createResponseParser(1024);
    expect(parser.push(Buffer.from(raw))).toBeUndefined();
    expect(() => parser.end()).toThrow(expect.objectContaining({ code: 'ECONNRESET' }));
  });
});
