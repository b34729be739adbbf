/**
 * HTTP(S) checks with undici: status, response time (to the last body byte, body capped), and for
 * https the days until the server certificate expires. Each run opens a fresh connection (so the
 * certificate seen is the one served now) and reads at most 64 KiB of the body. URLs were checked
 * with the config: http(s) only, no credentials in the URL, and a host that passes the target rules.
 */
import type { TLSSocket } from 'node:tls';
import type { buildConnector as BuildConnector } from 'undici';
import type { CheckResult, Observation } from '../../contract/report.js';
import { observation, type Probe } from './probe.js';

/** One configured HTTP target, timeout parsed. */
export interface HttpTarget {
  name: string;
  url: string;
  timeoutSeconds: number;
  /** Statuses that count as up; 200-399 when empty. */
  expectStatus: readonly number[];
  /** PEM CA bundle to trust (a private CA). */
  ca?: Buffer;
}

const MAX_BODY_BYTES = 64 * 1024;

/** Seconds until a certificate's notAfter. */
export function certificateExpirySeconds(validTo: string, nowMs: number): number | undefined {
  const notAfter = Date.parse(validTo);
  return Number.isFinite(notAfter) ? (notAfter - nowMs) / 1000 : undefined;
}

async function fetchOnce(target: HttpTarget): Promise<{ status: number; seconds: number; certExpirySeconds?: number }> {
  // Loaded on first use: undici costs about 20 MB, which agents without HTTP checks do not pay.
  const { Agent: Dispatcher, buildConnector, request } = await import('undici');
  let validTo: string | undefined;
  const base: BuildConnector.connector = buildConnector({ timeout: target.timeoutSeconds * 1000, ...(target.ca ? { ca: target.ca } : {}) });
  const dispatcher = new Dispatcher({
    connect: (options, callback) =>
      base(options, (error, socket) => {
        if (error != null || socket == null) return callback(error ?? new Error('no socket'), null);
        if ('getPeerCertificate' in socket) validTo = (socket as TLSSocket).getPeerCertificate().valid_to;
        callback(null, socket);
      }),
  });
  const started = performance.now();
  try {
    const response = await request(target.url, {
      method: 'GET',
      dispatcher,
      headers: { 'user-agent': 'tripline-agent' },
      signal: AbortSignal.timeout(target.timeoutSeconds * 1000),
    });
    let read = 0;
    for await (const chunk of response.body) {
      read += (chunk as Buffer).length;
      if (read > MAX_BODY_BYTES) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const certExpirySeconds = validTo === undefined ? undefined : certificateExpirySeconds(validTo, Date.now());
    return { status: response.statusCode, seconds, ...(certExpirySeconds === undefined ? {} : { certExpirySeconds }) };
  } finally {
    await dispatcher.destroy();
  }
}

/** Creates the HTTP probe for targets checked when the config was loaded (config/checkAgentTargets.ts). */
export function createHttpProbe({ targets }: { targets: readonly HttpTarget[] }): Probe {

  async function probeOne(target: HttpTarget, now: Date): Promise<{ observations: Observation[]; check: CheckResult }> {
    const labels = { target: target.name };
    const at = now.toISOString();
    const started = performance.now();
    try {
      const result = await fetchOnce(target);
      const up = target.expectStatus.length === 0 ? result.status >= 200 && result.status < 400 : target.expectStatus.includes(result.status);
      const observations = [
        observation('http_up', up ? 1 : 0, labels, now),
        observation('http_status_code', result.status, labels, now),
        observation('http_response_seconds', result.seconds, labels, now),
      ];
      if (result.certExpirySeconds !== undefined) observations.push(observation('http_tls_cert_expiry_seconds', result.certExpirySeconds, labels, now));
      const days = result.certExpirySeconds === undefined ? '' : `, certificate expires in ${(result.certExpirySeconds / 86400).toFixed(1)} days`;
      const output = `${target.url} answered ${result.status} in ${(result.seconds * 1000).toFixed(1)} ms${days}`;
      return { observations, check: { name: `http:${target.name}`, status: up ? 'ok' : 'critical', output, at, durationSeconds: result.seconds } };
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      const seconds = (performance.now() - started) / 1000;
      return {
        observations: [observation('http_up', 0, labels, now)],
        check: { name: `http:${target.name}`, status: 'critical', output: `${target.url} failed: ${code ?? ''} ${message ?? ''}`.trim(), at, durationSeconds: seconds },
      };
    }
  }

  return {
    name: 'http',
    timeoutSeconds: Math.max(0, ...targets.map((t) => t.timeoutSeconds)) + 1,
    async collect(now) {
      const results = await Promise.all(targets.map((target) => probeOne(target, now)));
      return { observations: results.flatMap((r) => r.observations), checks: results.map((r) => r.check) };
    },
  };
}
