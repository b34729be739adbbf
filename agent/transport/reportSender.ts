/**
 * Delivers reports to the collector, oldest first, one at a time so that order is kept. A new
 * report goes straight to the collector when nothing waits before it; the on-disk queue (the
 * spool) holds only what could not be delivered, so the healthy path writes nothing to disk. A
 * crash during that one upload loses that one report (the collector sees a gap in the sequence).
 *
 * Several collectors: the agent is given their URLs in order and sends to one at a time, starting
 * with the first. An attempt the collector could not have taken (no connection, a timeout, a 5xx)
 * is tried on the next URL, and the agent sticks to the one that answered; when none answers the
 * report stays in the spool as with one collector. A report that reached a collector which then
 * failed to answer may arrive at two: collectors sharing one store acknowledge the second as a
 * duplicate of (agent, sequence), so nothing is stored twice.
 *
 * Each report is POSTed with the agent's bearer token and a timeout, as plain JSON or, when larger
 * than `gzipAboveBytes` (and always from the spool), gzip-compressed, over one
 * kept-open connection (`collectorConnection.ts`, a small HTTP/1.1 client: node:http cost the
 * interpreter-only agent about 2.4 ms of CPU per POST on the development VM, the connection about
 * 0.75 ms; undici costs about 20 MB of RSS and is loaded only by the HTTP check probe). The outcome
 * decides its fate (see `classifyStatus`): acknowledged reports leave the queue, rejected ones (a
 * 4xx: the same bytes would fail again) are set aside (`<dataDir>/agent/rejected/`) and counted; a
 * retryable failure stops the drain and leaves the report at the head for the next flush. Retry is
 * owned here and nowhere else.
 *
 * Series sets (contract/report.ts): the answer to a direct upload that asked (`wantsSeriesSet`) is
 * read for the set the collector named, which `onSeriesSet` hands to the agent. A compact report
 * (values against a set) exists only on its way to the collector that named the set: it is spooled
 * and set aside in its full form (after a collector restart nothing could expand it), and sent in
 * full, at once and with the same sequence, when the collector answers 409
 * TRIPLINE_UNKNOWN_SERIES_SET or 400 (its values do not fit the set as the collector keeps it: the
 * full form is the one that must be refused, if any), or when it fails over to another collector
 * (which did not name the set: an old one would strip the values and store an empty report).
 */
import type { Logger } from 'pino';
import type { Report } from '../../contract/report.js';
import { REPORTS_PATH, SERIES_SET_ID_PATTERN } from '../../contract/reportLimits.js';
import { createSecretRedactor, type Redact } from '../../contract/secretRedactor.js';
import type { TimerScheduler } from '../lifecycle/timerScheduler.js';
import { createCollectorConnection, type CollectorConnection, type CollectorResponse } from './collectorConnection.js';
import type { ProxyRoute } from './proxyRoute.js';
import type { QueuedReport, ReportQueue } from './reportQueue.js';

/** Level 1 (Z_BEST_SPEED), a 4 KiB window, memLevel 5 (see compress). */
const GZIP_OPTIONS = { level: 1, windowBits: 12, memLevel: 5 };

/** Larger reports are compressed on the thread pool, so the event loop is never held long. */
const SYNC_GZIP_MAX_CHARS = 256 * 1024;

/**
 * A report's gzip body, as it is POSTed and spooled, from its JSON (text or UTF-8 bytes).
 * Level 1: on a default report (14 kB of JSON) it compresses 8.3x instead of level 6's 9.3x, in
 * 40 instead of 53 microseconds. A 4 KiB window and memLevel 5: zlib's default state is ~256 KiB
 * allocated and page-faulted in on every call, which in the agent's cold once-per-cycle wake-ups
 * cost ~0.8 ms per 12 KB report against ~0.45 ms with the small state, for nearly the same size
 * (12242 -> 1495 bytes instead of 1456). A usual report is compressed in place: a thread-pool round
 * trip costs more than the compression itself. node:zlib is imported on the first compression: an
 * agent whose reports go out as plain JSON never loads it.
 */
async function compress(json: string | Buffer): Promise<Buffer> {
  const { gzip, gzipSync } = await import('node:zlib');
  if (json.length <= SYNC_GZIP_MAX_CHARS) return gzipSync(json, GZIP_OPTIONS);
  return new Promise((resolve, reject) => gzip(json, GZIP_OPTIONS, (error, body) => (error ? reject(error) : resolve(body))));
}

/**
 * Default of `agent.gzipAboveBytes`: a default report (about 12 kB of JSON) goes uncompressed.
 * Compressing it (to 1.5 kB) cost the agent 0.4 ms per cycle in bench:agent, a tenth of its whole
 * cycle, and the collector a gunzip per report; on a LAN 12 kB per interval is nothing. A host
 * with many disks, interfaces or plugins, whose reports are larger, compresses them.
 */
export const DEFAULT_GZIP_ABOVE_BYTES = 32 * 1024;

/**
 * One upload: the body as POSTed, gzip bytes or JSON text (which the connection writes as UTF-8).
 * `full` is the full report of a compact body; `asks` whether the answer may name a series set.
 */
type Upload = ({ gzip: true; body: Buffer } | { gzip: false; body: string }) & { sequence: number; full?: Report; asks: boolean };

/** The code of the 409 that says the collector does not keep the set a compact report was written against. */
const UNKNOWN_SERIES_SET = 'TRIPLINE_UNKNOWN_SERIES_SET';
const SERIES_SET_ID = new RegExp(SERIES_SET_ID_PATTERN);

/** Whether a report's JSON goes as it is: up to `gzipAboveBytes` of UTF-8. */
function sendsPlain(json: string, gzipAboveBytes: number): boolean {
  // Length in UTF-16 units is a lower bound of the UTF-8 size, three times it an upper bound: most need no count.
  return json.length <= gzipAboveBytes && (json.length * 3 <= gzipAboveBytes || Buffer.byteLength(json) <= gzipAboveBytes);
}

/**
 * The report's body for a direct upload: plain JSON up to `gzipAboveBytes`, gzip above; `json` is
 * the compact form of `report` when `compact`.
 */
async function uploadBody(report: Report, json: string | undefined, gzipAboveBytes: number, compact = false): Promise<Upload> {
  const text = json ?? JSON.stringify(report);
  // Each literal written out, not spread from a common part: see withObservations in ../report/reportBuilder.ts.
  const { sequence } = report;
  const asks = !compact && report.wantsSeriesSet === true;
  if (sendsPlain(text, gzipAboveBytes)) return compact ? { sequence, body: text, gzip: false, full: report, asks } : { sequence, body: text, gzip: false, asks };
  const body = await compress(text);
  return compact ? { sequence, body, gzip: true, full: report, asks } : { sequence, body, gzip: true, asks };
}

/** The JSON the spool holds for an upload: the full report's, never a compact one. */
function spooledJson(upload: Upload): string | Buffer | undefined {
  if (upload.full !== undefined) return JSON.stringify(upload.full);
  return upload.gzip ? undefined : upload.body;
}

/** The series set an answer names, or undefined; the text is parsed only when it mentions one. */
function namedSeriesSet(text: string): string | undefined {
  if (!text.includes('"seriesSet"')) return undefined;
  try {
    const { seriesSet } = JSON.parse(text) as { seriesSet?: unknown };
    return typeof seriesSet === 'string' && SERIES_SET_ID.test(seriesSet) ? seriesSet : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a 409's body is the collector's TRIPLINE_UNKNOWN_SERIES_SET (any other 409 is a refusal). */
function isUnknownSeriesSet(text: string): boolean {
  if (!text.includes(UNKNOWN_SERIES_SET)) return false;
  try {
    return (JSON.parse(text) as { error?: { code?: unknown } }).error?.code === UNKNOWN_SERIES_SET;
  } catch {
    return false;
  }
}

/** What a delivery attempt means for the report. */
export type SendOutcome = 'acknowledged' | 'rejected' | 'retryable';

/**
 * Classifies a collector response status.
 *
 * | status                      | outcome      | why                                                    |
 * |-----------------------------|--------------|--------------------------------------------------------|
 * | 2xx                         | acknowledged | stored, or a duplicate the collector already had       |
 * | 408, 425, 429               | retryable    | the collector asks us to come back later                |
 * | 5xx                         | retryable    | the collector is failing or shutting down (503)        |
 * | other 4xx (400, 401, 413..) | rejected     | the same bytes with the same token will fail again     |
 * | 1xx, 3xx                    | rejected     | a redirect or oddity will not change on retry          |
 */
export function classifyStatus(status: number): SendOutcome {
  if (status >= 200 && status < 300) return 'acknowledged';
  // 407 comes from a proxy on the way, not the collector: the report waits until its credentials are fixed.
  if (status === 407 || status === 408 || status === 425 || status === 429 || status >= 500) return 'retryable';
  return 'rejected';
}

/** Reports given up on since the sender was created. */
export interface DroppedReports {
  /** Dropped by the spool (oldest first) at its bound while the collector was unreachable. */
  spoolFull: number;
  /** Refused by the collector with a non-retryable status. */
  rejected: number;
}

/** What one flush achieved. */
export interface FlushResult {
  delivered: number;
  rejected: number;
  /** True when the flush stopped at a report that must be retried later. */
  blocked: boolean;
}

/**
 * Whether a failed attempt is worth trying on another collector: this one could not take the report
 * (no connection, a timeout, a 5xx). A 408, 425 or 429 is this collector asking us to come back
 * later (its limits are per collector: going elsewhere would dodge them), a 407 a proxy's.
 */
export function triesNextCollector(attempt: { outcome: SendOutcome; status?: number }): boolean {
  return attempt.outcome === 'retryable' && (attempt.status === undefined || attempt.status >= 500);
}

/** Dependencies of the sender. */
export interface ReportSenderOptions {
  /** The collectors' base URLs, in the order they are tried (agent.collectorUrls); at least one. */
  collectorUrls: readonly string[];
  /** Bearer token; never logged. An enrolling agent sets it later with `setToken`. */
  token: string | undefined;
  /** PEM CA bundle trusted for an https collector (a private CA). */
  ca?: Buffer;
  /** Limit of one upload, connect to last response byte. */
  timeoutSeconds: number;
  /** Reports whose JSON is larger are POSTed gzip-compressed; DEFAULT_GZIP_ABOVE_BYTES when absent, 0 for all. */
  gzipAboveBytes?: number;
  queue: ReportQueue;
  log: Logger;
  /** Wall-clock milliseconds, for Retry-After. */
  nowMs?: () => number;
  /** Sets and clears the timer of each upload; node's timers by default. */
  timers?: TimerScheduler;
  /** The HTTP proxy uploads to a collector go through (`proxyRouteFor`); direct without one. */
  proxyFor?: (collectorUrl: URL) => ProxyRoute | undefined;
  /**
   * Told the series set the collector named for the report of `sequence` (a direct upload that
   * asked), or undefined when a compact report's set is to be forgotten (the collector does not keep
   * it, or the sender turned to another collector): the agent writes later reports against the set.
   */
  onSeriesSet?: (sequence: number, seriesSet: string | undefined) => void;
}

/** Queues reports and drains the queue to the collector. */
export interface ReportSender {
  /** Compresses the report and queues it (in the spool); does not send. */
  enqueue(report: Report): Promise<void>;
  /**
   * Delivers the report. When nothing waits before it (the queue is empty, no flush runs, no
   * Retry-After holds) it is POSTed straight away (gzip only above `gzipAboveBytes`) and reaches
   * the queue (the spool, compressed) only if the attempt fails retryably; otherwise it is queued
   * behind the others and a flush started, so reports always arrive oldest first. Resolves when
   * the attempt is over. `json` is `JSON.stringify(report)` when the caller has it already, or with
   * `compact`, the report as values against a series set (reportBuilder.ts), which is sent only
   * directly: the spool holds `report`, and it is sent in full if the collector does not know the set.
   */
  deliver(report: Report, json?: string, compact?: boolean): Promise<FlushResult>;
  /** Sends queued reports until the queue is empty or a retryable failure; joins a running flush. */
  flush(): Promise<FlushResult>;
  /** Resolves when no flush is running. */
  idle(): Promise<void>;
  dropped(): DroppedReports;
  /** Reports waiting in the queue. */
  pending(): Promise<number>;
  /** Replaces the bearer token (after enrollment). */
  setToken(token: string): void;
  /** Aborts an upload in flight and closes connections; later flushes do nothing. */
  close(): Promise<void>;
}

/** A delivery attempt; `inFull` when a compact report is to be sent again in full (a 409 TRIPLINE_UNKNOWN_SERIES_SET or a 400; outcome `rejected`). */
type Attempt = { outcome: SendOutcome; status?: number; retryAfterSeconds?: number; inFull?: true };

/** One collector: where its reports go (for logs, without credentials) and its kept-open connection. */
interface Target {
  logTarget: string;
  connection: CollectorConnection;
}

const MAX_RETRY_AFTER_SECONDS = 300;
const LOGGED_RESPONSE_CHARS = 512;
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Creates a sender for an http(s) collector URL (checked when the config was loaded). */
export function createReportSender(options: ReportSenderOptions): ReportSender {
  const { queue, log, nowMs = Date.now } = options;
  if (options.collectorUrls.length === 0) throw new Error('no collector URL to send reports to');
  const timeoutMs = options.timeoutSeconds * 1000;
  const targets: Target[] = options.collectorUrls.map((collectorUrl) => {
    const url = new URL(reportsUrl(collectorUrl));
    const proxy = options.proxyFor?.(new URL(collectorUrl));
    const connection = createCollectorConnection({ url, ca: options.ca, timeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES, timers: options.timers, ...(proxy ? { proxy } : {}) });
    return { logTarget: `${url.origin}${url.pathname}`, connection };
  });
  /** The collector reports go to; it changes only when it fails and another answers. */
  let current = 0;
  const closing = new AbortController();
  const dropped: DroppedReports = { spoolFull: 0, rejected: 0 };
  const gzipAboveBytes = options.gzipAboveBytes ?? DEFAULT_GZIP_ABOVE_BYTES;
  // Frozen, and replaced rather than changed: the connection checks and formats a frozen headers object once.
  let plainHeaders: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });
  let gzipHeaders: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json', 'content-encoding': 'gzip' });
  /** A refusal's body is logged; a proxy's error page may echo the token, so it is redacted first. */
  let redact: Redact = (text) => text;
  const setAuthorization = (token: string) => {
    const authorization = `Bearer ${token}`;
    plainHeaders = Object.freeze({ 'content-type': 'application/json', authorization });
    gzipHeaders = Object.freeze({ 'content-type': 'application/json', 'content-encoding': 'gzip', authorization });
    redact = createSecretRedactor([token]);
  };
  if (options.token) setAuthorization(options.token);
  else log.info({ collector: targets[0]!.logTarget }, 'agent has no token yet; reports wait in the spool until it has one');
  let notBeforeMs = 0;
  let running: Promise<FlushResult> | undefined;
  let requested = false;

  /** One POST; the connection's timeout covers connect, upload and the whole response. */
  function send(target: Target, upload: Upload): Promise<CollectorResponse> {
    if (closing.signal.aborted) return Promise.reject(Object.assign(new Error('the sender is closed'), { code: 'ABORT_ERR' }));
    return target.connection.post(upload.body, upload.gzip ? gzipHeaders : plainHeaders);
  }

  /** Tries the current collector, then each other in turn while they could not take the report; sticks to the one that answered. */
  async function post(entry: Upload): Promise<Attempt> {
    return failover(entry, await postTo(targets[current]!, entry));
  }

  /**
   * After `first`, the attempt at the current collector: each other in turn while they could not take
   * the report. A compact report goes to another collector in full, and is sent again in full when
   * the collector does not know its set.
   */
  async function failover(first: Upload, firstAttempt: Attempt): Promise<Attempt> {
    let entry = first;
    let attempt = firstAttempt;
    for (let tried = 1; tried < targets.length && triesNextCollector(attempt) && !closing.signal.aborted; tried++) {
      const next = (current + 1) % targets.length;
      log.warn({ sequence: entry.sequence, from: targets[current]!.logTarget, to: targets[next]!.logTarget }, 'trying the next collector');
      current = next;
      if (entry.full !== undefined) entry = await inFull(entry.sequence, entry.full);
      attempt = await postTo(targets[current]!, entry);
    }
    if (attempt.inFull === true && entry.full !== undefined) return post(await inFull(entry.sequence, entry.full));
    return attempt;
  }

  /** A compact report's full upload; the agent forgets the set, which the next collector (or this one) does not keep. */
  function inFull(sequence: number, report: Report): Promise<Upload> {
    options.onSeriesSet?.(sequence, undefined);
    return uploadBody(report, undefined, gzipAboveBytes);
  }

  async function postTo(target: Target, entry: Upload): Promise<Attempt> {
    try {
      return answered(target, entry, await send(target, entry));
    } catch (error) {
      return unanswered(target, entry, error);
    }
  }

  /** What the collector's response means for the report (logged), and the series set it names to a report that asked. */
  function answered(target: Target, entry: Upload, response: CollectorResponse): Attempt {
    const attempt: Attempt = { outcome: classifyStatus(response.status), status: response.status };
    if (entry.full !== undefined && (response.status === 400 || (response.status === 409 && isUnknownSeriesSet(response.text)))) {
      const fields = { sequence: entry.sequence, collector: target.logTarget, status: response.status };
      if (response.status === 409) log.info(fields, 'collector does not keep the series set; sending the report in full');
      else log.warn({ ...fields, response: redact(response.text).slice(0, LOGGED_RESPONSE_CHARS) }, 'collector refused the report as values; sending it in full');
      return { ...attempt, inFull: true };
    }
    logAttempt(entry, attempt, response.text, target.logTarget);
    if (entry.asks && attempt.outcome === 'acknowledged') {
      const seriesSet = namedSeriesSet(response.text);
      if (seriesSet !== undefined) options.onSeriesSet?.(entry.sequence, seriesSet);
    }
    const retryAfterSeconds = parseRetryAfter(response.headers['retry-after'], nowMs());
    return retryAfterSeconds === undefined ? attempt : { ...attempt, retryAfterSeconds };
  }

  /** An upload that got no response (no connection, a timeout, a closed sender): retryable (logged). */
  function unanswered(target: Target, entry: Upload, error: unknown): Attempt {
    const { code, message } = error as { code?: string; message?: string };
    // Messages of these errors carry no header value; a proxy's refusal is only clear with its text.
    log.warn({ sequence: entry.sequence, collector: target.logTarget, reason: code ?? message, ...(code !== undefined && message ? { detail: message } : {}) }, 'report upload failed; will retry');
    return { outcome: 'retryable' };
  }

  function logAttempt(entry: Upload, attempt: Attempt, responseText: string, logTarget: string): void {
    const fields = { sequence: entry.sequence, collector: logTarget, status: attempt.status };
    switch (attempt.outcome) {
      case 'acknowledged':
        return log.debug(fields, 'report delivered');
      case 'rejected':
        return log.error({ ...fields, response: redact(responseText).slice(0, LOGGED_RESPONSE_CHARS) }, 'report rejected by collector; set aside, not retried');
      case 'retryable':
        return log.warn({ ...fields, response: redact(responseText).slice(0, LOGGED_RESPONSE_CHARS) }, 'report upload failed; will retry');
      default:
        return assertNever(attempt.outcome);
    }
  }

  async function drainOnce(): Promise<FlushResult> {
    const result: FlushResult = { delivered: 0, rejected: 0, blocked: false };
    while (!closing.signal.aborted) {
      if (nowMs() < notBeforeMs) return { ...result, blocked: true };
      const entry = await queue.peek();
      if (entry === undefined) return result;
      // The spool's answers are not read for a set: the agent asks with its current reports.
      const attempt = await post({ sequence: entry.sequence, body: entry.gzipBody, gzip: true, asks: false });
      if (attempt.outcome === 'retryable') {
        notBeforeMs = attempt.retryAfterSeconds === undefined ? 0 : nowMs() + attempt.retryAfterSeconds * 1000;
        return { ...result, blocked: true };
      }
      if (attempt.outcome === 'acknowledged') {
        await queue.remove(entry.sequence);
        result.delivered += 1;
      } else {
        await queue.setAside(entry);
        result.rejected += 1;
        dropped.rejected += 1;
      }
    }
    return { ...result, blocked: true };
  }

  /** Drains again when a flush was requested while one ran, so no report waits a whole cycle. */
  async function drain(): Promise<FlushResult> {
    const total: FlushResult = { delivered: 0, rejected: 0, blocked: false };
    do {
      requested = false;
      const result = await drainOnce();
      total.delivered += result.delivered;
      total.rejected += result.rejected;
      total.blocked = result.blocked;
    } while (requested && !total.blocked);
    return total;
  }

  async function spool(entry: QueuedReport): Promise<void> {
    const count = await queue.push(entry);
    if (count > 0) {
      dropped.spoolFull += count;
      log.warn({ dropped: count, droppedTotal: dropped.spoolFull }, 'reports dropped: spool full');
    }
  }

  function flush(): Promise<FlushResult> {
    if (running !== undefined) {
      requested = true;
      return running;
    }
    running = drain().finally(() => {
      running = undefined;
    });
    return running;
  }

  /** The spool holds full reports' gzip bodies: a compact report goes in full, one that failed as plain JSON is compressed. */
  async function spooledEntry(upload: Upload): Promise<QueuedReport> {
    const json = spooledJson(upload);
    return { sequence: upload.sequence, gzipBody: json === undefined ? (upload.body as Buffer) : await compress(json) };
  }

  /** The direct attempt of a report nothing waits before; the spool only if it must be retried. */
  async function sendDirect(upload: Upload): Promise<FlushResult> {
    return settleDirect(upload, await post(upload));
  }

  /**
   * The direct upload of a plain-JSON report when nothing waits and nothing is being decided:
   * the first attempt through the connection's callback, so that a report the collector
   * acknowledges costs one promise (the one returned) where the chain of `sendDirect` cost the
   * interpreter-only agent a dozen per cycle. Any other answer continues as `sendDirect` does.
   */
  function sendDirectNow(upload: Upload & { gzip: false }): Promise<FlushResult> {
    const target = targets[current]!;
    let settle!: (result: FlushResult) => void;
    let fail!: (error: unknown) => void;
    const outcome = new Promise<FlushResult>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    running = outcome;
    target.connection.request(upload.body, plainHeaders, (error, response) => {
      let attempt: Attempt;
      try {
        attempt = error === undefined ? answered(target, upload, response!) : unanswered(target, upload, error);
      } catch (thrown) {
        attempt = unanswered(target, upload, thrown);
      }
      if (attempt.outcome === 'acknowledged' && !requested) {
        running = undefined;
        return settle({ delivered: 1, rejected: 0, blocked: false });
      }
      failover(upload, attempt)
        .then((last) => settleDirect(upload, last))
        .then(
          (result) => {
            running = undefined;
            settle(result);
          },
          (thrown: unknown) => {
            running = undefined;
            fail(thrown);
          },
        );
    });
    return outcome;
  }

  /** After the direct attempt (and any failover): the spool if it must be retried, aside if refused, then a flush asked for meanwhile. */
  async function settleDirect(upload: Upload, attempt: Attempt): Promise<FlushResult> {
    if (attempt.outcome === 'retryable') {
      notBeforeMs = attempt.retryAfterSeconds === undefined ? 0 : nowMs() + attempt.retryAfterSeconds * 1000;
      await spool(await spooledEntry(upload));
      return { delivered: 0, rejected: 0, blocked: true };
    }
    const result: FlushResult = { delivered: 0, rejected: 0, blocked: false };
    if (attempt.outcome === 'acknowledged') result.delivered += 1;
    else {
      await queue.setAside(await spooledEntry(upload));
      result.rejected += 1;
      dropped.rejected += 1;
    }
    if (!requested) return result;
    const more = await drain();
    return { delivered: result.delivered + more.delivered, rejected: result.rejected + more.rejected, blocked: more.blocked };
  }

  /** Deliveries are serialised, so a report never overtakes the one before it. */
  let delivering: Promise<unknown> = Promise.resolve();
  /** Decisions queued on `delivering` and not yet made. */
  let deciding = 0;

  return {
    async enqueue(report) {
      await spool({ sequence: report.sequence, gzipBody: await compress(JSON.stringify(report)) });
    },
    deliver(report, json, compact = false) {
      // Nothing waits and nothing is being decided: the usual cycle goes straight out, without a promise per step.
      if (json !== undefined && deciding === 0 && running === undefined && !closing.signal.aborted && nowMs() >= notBeforeMs && queue.sizeNow?.() === 0 && sendsPlain(json, gzipAboveBytes)) {
        return sendDirectNow(compact ? { sequence: report.sequence, body: json, gzip: false, full: report, asks: false } : { sequence: report.sequence, body: json, gzip: false, asks: report.wantsSeriesSet === true });
      }
      // Only the decision (and a push to the spool) is serialised, not the upload: a report that
      // comes while one is in flight goes to the spool, behind it.
      deciding += 1;
      const decided = delivering.then(async (): Promise<{ outcome: Promise<FlushResult> }> => {
        const direct = (await queue.size()) === 0 && running === undefined && !closing.signal.aborted && nowMs() >= notBeforeMs;
        if (!direct) {
          await spool({ sequence: report.sequence, gzipBody: await compress(compact || json === undefined ? JSON.stringify(report) : json) });
          return { outcome: flush() };
        }
        const upload = await uploadBody(report, json, gzipAboveBytes, compact);
        running = sendDirect(upload).finally(() => {
          running = undefined;
        });
        return { outcome: running };
      });
      delivering = decided.catch(() => undefined).finally(() => {
        deciding -= 1;
      });
      return decided.then(({ outcome }) => outcome);
    },
    flush,
    async idle() {
      await delivering;
      await running;
    },
    dropped: () => ({ ...dropped }),
    setToken: setAuthorization,
    pending: () => queue.size(),
    async close() {
      closing.abort();
      for (const target of targets) target.connection.destroy(Object.assign(new Error('the sender is closed'), { code: 'ABORT_ERR' }));
      await delivering;
      await running;
    },
  };
}

/** `collectorUrl` + `REPORTS_PATH`, keeping any path prefix of the collector URL. */
export function reportsUrl(collectorUrl: string): string {
  return `${collectorUrl.replace(/\/+$/, '')}${REPORTS_PATH}`;
}

/** Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped; undefined when absent. */
export function parseRetryAfter(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : (Date.parse(value) - nowMs) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}

function assertNever(value: never): never {
  throw new Error(`unexpected send outcome ${String(value)}`);
}
