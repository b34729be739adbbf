/**
 * The agent's report uploads: POSTs over one kept-open `net` or `tls` socket to the collector, one
 * at a time, with a pre-formatted request head and a small response parser (`httpResponseParser.ts`).
 *
 * Why not node:http: the agent runs interpreter-only (`--no-opt --no-sparkplug`) and wakes once per
 * cycle with cold caches, so the volume of JavaScript run per request is what costs. Measured on the
 * development VM, one ~1.4 KB gzip POST per second to a local sink, CPU per POST above the idle
 * floor: node:http with a keep-alive Agent about 2.4 ms (2.0 to 2.9 ms in later runs: ClientRequest,
 * header validation, the IncomingMessage stream, the agent's free list), this client about 0.75 ms
 * (0.4 to 0.9 ms). undici was not a candidate: it costs the agent about 20 MB of RSS (it is loaded
 * only by the HTTP check probe, when HTTP checks are configured).
 *
 * The HTTP/1.1 subset: POST only; request head `host` (with a non-default port), `connection:
 * keep-alive`, the caller's headers and `content-length`, written with the body in one write; no
 * pipelining (one request at a time), no redirects, no `Expect: 100-continue` (interim responses are
 * skipped anyway); the responses `httpResponseParser.ts` reads. Through an HTTP proxy
 * (`proxyRoute.ts`): an http collector gets absolute-form requests sent to the proxy, an https one a
 * CONNECT tunnel (`proxyTunnel.ts`) with TLS to the collector inside it.
 *
 * The connection: opened on the first POST, kept open between POSTs and unref'd while idle (it never
 * keeps the process alive; an error or close while idle just drops it, and the next POST opens a new
 * one). One deadline per POST covers connect, upload and the whole response (a single timer per
 * connection, re-armed by each POST: `TimerScheduler.deadline`). When a kept-open socket
 * turns out to have been closed by the server (reset, broken pipe or end of stream before any byte of
 * the response: the keep-alive race), the POST is sent once more on a new connection; it is never
 * repeated once response bytes have arrived. A repeat is safe: the collector de-duplicates reports
 * by sequence number.
 */
import { connect as netConnect, isIP, type OnReadOpts, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { ConnectionOptions } from 'node:tls';
import { createSecretRedactor, headerCredentials } from '../../contract/secretRedactor.js';
import { nodeTimers, type TimerScheduler } from '../lifecycle/timerScheduler.js';
import { CollectorConnectionError } from './collectorConnectionError.js';
import { createResponseParser, type ParsedResponse, type ResponseParser } from './httpResponseParser.js';
import { bareHost, type ProxyRoute } from './proxyRoute.js';
import { openProxyTunnel } from './proxyTunnel.js';

let tlsModule: typeof import('node:tls') | undefined;
/** node:tls, loaded on the first TLS connection: an agent reporting over plain http never loads it (RSS, `npm run bench:agent`). */
function tls(): typeof import('node:tls') {
  tlsModule ??= createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
  return tlsModule;
}

/** The collector's answer to one POST. */
export interface CollectorResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Readonly<Record<string, string>>;
  /** The body as UTF-8, cut at `maxResponseBytes`. */
  text: string;
}

/** Where and how to connect. */
export interface CollectorConnectionOptions {
  /** The http(s) URL POSTed to, with any path prefix and query. */
  url: URL;
  /** PEM CA bundle trusted for an https collector (a private CA); the system's CAs otherwise. */
  ca?: Buffer;
  /** Limit of one POST, connect to last response byte. */
  timeoutMs: number;
  /** Bytes of a response body kept; the rest is read and discarded. */
  maxResponseBytes: number;
  /** The deadline of each POST; node's timers by default. */
  timers?: TimerScheduler;
  /** The HTTP proxy to go through (`proxyRouteFor`); direct without one. */
  proxy?: ProxyRoute;
}

/** Called once with the outcome of a `request`: an error, or the response. */
export type CollectorCallback = (error: Error | undefined, response?: CollectorResponse) => void;

/** One kept-open connection to the collector. */
export interface CollectorConnection {
  /**
   * POSTs `body` (bytes, or text sent as UTF-8) with `headers` (lower-case names; `host`,
   * `connection` and `content-length` are added). One at a time: a second POST while one is in
   * flight fails with TRIPLINE_CONNECTION_BUSY.
   */
  post(body: Buffer | string, headers: Readonly<Record<string, string>>): Promise<CollectorResponse>;
  /**
   * `post` with a callback instead of a promise: the report sender's direct upload, once per
   * cycle, costs no promise here (the interpreter-only agent pays for every one). `done` is called
   * exactly once, synchronously when the POST cannot start (closed, busy, a forbidden header).
   */
  request(body: Buffer | string, headers: Readonly<Record<string, string>>, done: CollectorCallback): void;
  /** Fails a POST in flight with `error`, closes the socket, and fails every later POST with `error`. */
  destroy(error: Error): void;
}

/** One POST in flight. */
interface Exchange {
  /** Head and body as written (a view of `backing`), kept whole for the one retry. */
  request: Buffer;
  backing: Buffer;
  /** Socket writes of `request` not yet completed: `backing` is not reused before they are. */
  writesPending: number;
  /** Its callback was called. */
  settled: boolean;
  parser: ResponseParser;
  /** The request's headers: a peer may echo its credential into what the parser quotes. */
  headers: Readonly<Record<string, string>>;
  done: CollectorCallback;
  /** Sent on a socket kept open from an earlier POST. */
  reused: boolean;
  /** Gives up a proxy tunnel still being opened (the POST failed or timed out first). */
  abandon?: () => void;
  /** Response bytes arrived: from here on a failure is never retried. */
  answered: boolean;
  retried: boolean;
}

/** Socket errors that, before any response byte on a reused socket, mean the server had closed it. */
const CLOSED_BY_SERVER = new Set(['ECONNRESET', 'EPIPE']);
/** What node:http accepts in a header name or value; a CR or LF would let a value inject headers. */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
/** Bytes read from the socket at a time (a collector's answer is well under 1 kB). */
const READ_BUFFER_BYTES = 16 * 1024;
/** TCP keep-alive probes on the idle socket start after this (the kernel's work, not ours). */
const KEEPALIVE_PROBE_DELAY_MS = 60_000;
/**
 * First size of the reused request buffer: a default report is about 15 kB of JSON, for which
 * `format` sets aside three bytes per character (the most UTF-8 can take) before it knows the size.
 */
const REQUEST_BUFFER_BYTES = 64 * 1024;
/** `content-length: ` with the longest safe integer, and the blank line that ends the head. */
const MAX_CONTENT_LENGTH_LINE = 'content-length: \r\n\r\n'.length + String(Number.MAX_SAFE_INTEGER).length;
/** A request buffer larger than this (a big spooled report) is not kept for reuse. */
const MAX_REUSED_REQUEST_BYTES = 256 * 1024;

/** A connection to `options.url`; it connects on the first POST. */
export function createCollectorConnection(options: CollectorConnectionOptions): CollectorConnection {
  const { url, ca, timeoutMs, maxResponseBytes, timers = nodeTimers, proxy } = options;
  const secure = url.protocol === 'https:';
  const host = bareHost(url.hostname);
  const port = Number(url.port) || (secure ? 443 : 80);
  /** A plain-http collector behind a proxy: requests go to the proxy, in absolute form. */
  const forwarded = proxy !== undefined && !secure;
  const target = forwarded ? `${url.origin}${url.pathname}${url.search}` : `${url.pathname}${url.search}`;
  const proxyAuthorization = forwarded && proxy.authorization ? `proxy-authorization: ${proxy.authorization}\r\n` : '';
  const head = `POST ${target} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n${proxyAuthorization}`;
  const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  /**
   * The request buffer of the last POST, free again: each POST is formatted into it instead of into
   * new buffers (the report's bytes, then head and body joined), which in a once-a-second process
   * means fresh memory, and its page faults, every cycle.
   */
  let spareRequestBuffer: Buffer | undefined;
  let socket: Socket | undefined;
  let exchange: Exchange | undefined;
  let destroyedBy: Error | undefined;
  /** Armed by each POST, stopped when it is over: when it expires, the POST in flight fails. */
  const deadline = timers.deadline(() => {
    if (exchange !== undefined) fail(exchange, new CollectorConnectionError('ETIMEDOUT', `no response within ${timeoutMs / 1000}s`));
  }, timeoutMs);

  /** A socket to the collector (or, forwarded, to the proxy); over `tunnel` when one was opened. */
  function open(tunnel?: Socket): Socket {
    // Responses are read through `onread` into one buffer, not through the socket's Readable
    // stream (push, buffer list, 'data' events: a third of the response handling's CPU). The
    // parser keeps slices of what it is given, so each read is copied out of the shared buffer.
    const onread: OnReadOpts = {
      buffer: readBuffer,
      callback: (bytes, buffer) => {
        onData(opened, Buffer.from(buffer.subarray(0, bytes)));
        return true;
      },
    };
    // No SNI for an IP address (RFC 6066); the certificate is then checked against the address.
    // tls.connect takes `onread` as net.connect does (documented; missing from @types/node).
    const tlsOptions: ConnectionOptions = { host, port, ca, servername: isIP(host) === 0 ? host : undefined };
    let opened: Socket;
    if (tunnel !== undefined) {
      // TLS over a tunnel reads through its stream: `onread` applies to sockets TLS opens itself.
      opened = tls().connect({ ...tlsOptions, socket: tunnel });
      opened.on('data', (chunk: Buffer) => onData(opened, chunk));
    } else if (secure) opened = tls().connect({ ...tlsOptions, onread } as ConnectionOptions);
    else opened = forwarded ? netConnect({ host: proxy.host, port: proxy.port, onread }) : netConnect({ host, port, onread });
    opened.setNoDelay(true);
    opened.setKeepAlive(true, KEEPALIVE_PROBE_DELAY_MS);
    opened.on('end', () => onEnd(opened));
    opened.on('close', () => onEnd(opened));
    opened.on('error', (error: NodeJS.ErrnoException) => onError(opened, error));
    return opened;
  }

  function drop(): void {
    const dropped = socket;
    socket = undefined;
    dropped?.destroy();
  }

  function send(current: Exchange): void {
    if (socket !== undefined && !socket.writable) drop();
    current.reused = socket !== undefined;
    if (socket === undefined && proxy !== undefined && secure) return tunnelThenWrite(current);
    socket ??= open();
    write(current, socket);
  }

  /** An https collector behind a proxy: CONNECT first, then TLS inside the tunnel, then the request. */
  function tunnelThenWrite(current: Exchange): void {
    const abandoned = new AbortController();
    current.abandon = () => abandoned.abort();
    openProxyTunnel(proxy!, host, port, abandoned.signal).then(
      (tunnel) => {
        if (current.settled) return void tunnel.destroy();
        socket = open(tunnel);
        write(current, socket);
      },
      (error: Error) => {
        if (!current.settled) fail(current, error);
      },
    );
  }

  function write(current: Exchange, to: Socket): void {
    to.ref();
    current.writesPending += 1;
    to.write(current.request, () => {
      current.writesPending -= 1;
      release(current);
    });
  }

  /** The request buffer goes back for reuse once the exchange is over and no write still reads it. */
  function release(current: Exchange): void {
    if (!current.settled || current.writesPending > 0) return;
    const { backing } = current;
    if (backing.length <= MAX_REUSED_REQUEST_BYTES && backing.length > (spareRequestBuffer?.length ?? 0)) spareRequestBuffer = backing;
  }

  function finish(current: Exchange, parsed: ParsedResponse): void {
    exchange = undefined;
    deadline.stop();
    current.settled = true;
    release(current);
    if (parsed.keepAlive) socket?.unref();
    else drop();
    current.done(undefined, { status: parsed.status, headers: parsed.headers, text: parsed.body.toString('utf8') });
  }

  function fail(current: Exchange, error: Error): void {
    current.abandon?.();
    exchange = undefined;
    deadline.stop();
    current.settled = true;
    drop();
    release(current);
    current.done(error);
  }

  /** The keep-alive race: once, on a new connection, if the server closed a reused one unanswered. */
  function retryOrFail(current: Exchange, error: Error): void {
    if (!current.reused || current.retried || current.answered) return fail(current, error);
    current.retried = true;
    drop();
    send(current);
  }

  function onData(from: Socket, chunk: Buffer): void {
    if (from !== socket) return;
    const current = exchange;
    if (current === undefined) return drop(); // bytes nobody asked for: out of step
    current.answered = true;
    let parsed: ParsedResponse | undefined;
    try {
      parsed = current.parser.push(chunk);
    } catch (error) {
      return fail(current, withoutCredential(error as Error, current.headers));
    }
    if (parsed !== undefined) finish(current, parsed);
  }

  function onEnd(from: Socket): void {
    if (from !== socket) return;
    const current = exchange;
    if (current === undefined) return drop();
    if (!current.answered) return retryOrFail(current, new CollectorConnectionError('ECONNRESET', 'the collector closed the connection before answering'));
    let parsed: ParsedResponse;
    try {
      parsed = current.parser.end();
    } catch (error) {
      return fail(current, withoutCredential(error as Error, current.headers));
    }
    finish(current, parsed);
  }

  function onError(from: Socket, error: NodeJS.ErrnoException): void {
    if (from !== socket) return;
    const current = exchange;
    if (current === undefined) return drop(); // an idle socket's error only costs a reconnect
    if (CLOSED_BY_SERVER.has(error.code ?? '')) return retryOrFail(current, error);
    fail(current, error);
  }

  /**
   * The head lines of the caller's headers (`name: value\r\n` each), checked: header names and
   * values with a character HTTP forbids are refused, never echoed. A frozen headers object (the
   * report sender's) is checked and joined once and its text reused; any other every time.
   */
  let lastFrozenHeaders: Readonly<Record<string, string>> | undefined;
  let lastFrozenHeaderLines = '';
  function headerLines(headers: Readonly<Record<string, string>>): string {
    if (headers === lastFrozenHeaders) return lastFrozenHeaderLines;
    let text = '';
    for (const name in headers) {
      const value = headers[name]!;
      if (INVALID_HEADER_CHAR.test(name) || INVALID_HEADER_CHAR.test(value)) {
        throw new CollectorConnectionError('ERR_INVALID_CHAR', 'a header name or value has a character HTTP forbids');
      }
      text += `${name}: ${value}\r\n`;
    }
    if (Object.isFrozen(headers)) {
      lastFrozenHeaders = headers;
      lastFrozenHeaderLines = text;
    }
    return text;
  }

  /**
   * The request head and body, in the spare request buffer when it is large enough. A text body is
   * written first, after room for the longest head, and the head (whose content-length is the count
   * that write returns) then ends where the body starts: the body is encoded once, with no separate
   * pass to measure its UTF-8 size.
   */
  function format(body: Buffer | string, headers: Readonly<Record<string, string>>): { request: Buffer; backing: Buffer } {
    // The head is Latin-1 (checked in headerLines), one byte per character.
    const fixedHead = head + headerLines(headers);
    const headRoom = fixedHead.length + MAX_CONTENT_LENGTH_LINE;
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
    const bodyRoom = typeof body === 'string' ? body.length * 3 : body.length;
    let backing = spareRequestBuffer;
    if (backing !== undefined && backing.length >= headRoom + bodyRoom) spareRequestBuffer = undefined;
    else backing = Buffer.allocUnsafe(Math.max(headRoom + bodyRoom, REQUEST_BUFFER_BYTES));
    const bodyBytes = typeof body === 'string' ? backing.write(body, headRoom, 'utf8') : body.copy(backing, headRoom);
    const headText = `${fixedHead}content-length: ${bodyBytes}\r\n\r\n`;
    const start = headRoom - headText.length;
    backing.write(headText, start, 'latin1');
    return { request: backing.subarray(start, headRoom + bodyBytes), backing };
  }

  function request(body: Buffer | string, headers: Readonly<Record<string, string>>, done: CollectorCallback): void {
    if (destroyedBy !== undefined) return done(destroyedBy);
    if (exchange !== undefined) return done(new CollectorConnectionError('TRIPLINE_CONNECTION_BUSY', 'a POST is already in flight'));
    let formatted: { request: Buffer; backing: Buffer };
    try {
      formatted = format(body, headers);
    } catch (error) {
      return done(error as Error);
    }
    const current: Exchange = { request: formatted.request, backing: formatted.backing, writesPending: 0, settled: false, parser: createResponseParser(maxResponseBytes), headers, done, reused: false, answered: false, retried: false };
    deadline.restart();
    exchange = current;
    try {
      send(current);
    } catch (error) {
      // net.connect refusing its options, say: the callback is still called, once.
      fail(current, error as Error);
    }
  }

  return {
    post(body, headers) {
      return new Promise((resolve, reject) => request(body, headers, (error, response) => (error === undefined ? resolve(response!) : reject(error))));
    },
    request,
    destroy(error) {
      destroyedBy = error;
      if (exchange !== undefined) fail(exchange, error);
      else drop();
    },
  };
}

/**
 * The parser's error with the request's credential taken out of its message: the parser quotes the
 * line it cannot read, and a broken peer may have echoed the authorization header into it.
 */
function withoutCredential(error: Error, headers: Readonly<Record<string, string>>): Error {
  const authorization = headers.authorization;
  if (!(error instanceof CollectorConnectionError) || authorization === undefined) return error;
  const message = createSecretRedactor(headerCredentials(authorization))(error.message);
  return message === error.message ? error : new CollectorConnectionError(error.code, message);
}
