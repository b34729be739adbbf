/**
 * The intake fuzz suite, on a real collector process over loopback: 10,000 hostile requests
 * generated from a seed (test/support/hostilePayloads.ts: every class of issue 13's list) to the
 * report route and the other write routes (enroll, silences, preview, maintenance, acknowledge,
 * tokens, Alertmanager intake, console sign-in), eight at a time, with healthy reports of two agents (one enrolled, one
 * on the shared token) interleaved. Every hostile request is answered 400, 413, 415 or 422 with an error
 * code and the place of the fault (`body...` or `headers/...`), none 5xx, none hangs; every healthy
 * report is stored; the process's resident memory stays under its level after warm-up + 150 MB;
 * and afterwards nothing of a hostile request is in the API or in the SQLite file.
 *
 * FUZZ_SEED replays another seed; FUZZ_COUNT changes the number of requests.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { hostileRequests, PAYLOAD_CLASSES, type HostileRequest } from '../support/hostilePayloads.js';
import { asAdmin, freePort, spawnTripline, TEST_ADMIN_TOKEN, waitFor, type TriplineProcess } from '../support/processes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261302);
const COUNT = Number(process.env.FUZZ_COUNT ?? 10_000);
const CONCURRENCY = 8;
/** One healthy report after this many hostile requests. */
const HEALTHY_EVERY = 40;
const MAX_BODY_BYTES = 64 * 1024;
/** The bound on resident memory over the level after warm-up. */
const RSS_HEADROOM_BYTES = 150 * 1024 * 1024;
const AGENT_TOKEN = 'fuzz-shared-agent-token-0123456789';
const ENROLLMENT_TOKEN = 'fuzz-enrollment-token-0123456789';
/** The statuses a hostile request may get: refused as bad input, as too large, as the wrong media type or encoding, as an Alertmanager payload of the wrong shape. */
const REFUSALS = new Set([400, 413, 415, 422]);

interface Answer {
  status: number;
  text: string;
}

/** The resident set of a process, in bytes (VmRSS of /proc/<pid>/status). */
function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

function healthyReport(id: string, sequence: number): Report {
  const at = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id, hostname: `${id}-host`, version: 'test', intervalSeconds: 15, labels: { role: 'healthy' } },
    sequence,
    sentAt: at,
    observations: [{ metric: 'memory_used_ratio', labels: {}, value: 0.3, at }],
    checks: [],
  };
}

describe('hostile input to a real collector process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-fuzz-'));
  const configFile = join(dir, 'tripline.yaml');
  let port = 0;
  let collector: TriplineProcess;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2 });

  /** One request on a kept-alive loopback socket; fails after 30 s without an answer (a hang). */
  const send = (route: string, headers: Record<string, string>, body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      let answered = false;
      const outgoing = request({ host: '127.0.0.1', port, method: 'POST', path: route, headers: { ...headers, 'content-length': String(body.length) }, agent, timeout: 30_000 }, (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within 30 s to POST ${route}`)));
      outgoing.on('error', (error) => {
        if (!answered) reject(error);
      });
      outgoing.end(body);
    });
  const api = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`, asAdmin)).json() as Promise<Record<string, any>>;

  beforeAll(async () => {
    port = await freePort();
    writeFileSync(
      configFile,
      `dataDir: ${join(dir, 'data')}
collector:
  listen: { host: 127.0.0.1, port: ${port} }
  agentTokens: ['${AGENT_TOKEN}']
  enrollmentTokens: ['${ENROLLMENT_TOKEN}']
  maxBodyBytes: ${MAX_BODY_BYTES}
  limits: { reportsPerMinute: 100000 }
incidents:
  reachability: { enabled: false }
`,
    );
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'));
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
  });
  afterAll(async () => {
    agent.destroy();
    await collector?.kill('SIGTERM');
  });

  it(`refuses ${COUNT} hostile requests with 4xx and a place, stores none of them, stores every healthy report, and stays within its memory bound`, async () => {
    const json = { 'content-type': 'application/json' };
    const enrolled = await send('/api/v1/enroll', { ...json, authorization: `Bearer ${ENROLLMENT_TOKEN}` }, Buffer.from(JSON.stringify({ agentId: 'healthy-enrolled', hostname: 'healthy-enrolled-host' })));
    expect(enrolled.status).toBe(200);
    const healthy = [
      { id: 'healthy-enrolled', token: (JSON.parse(enrolled.text) as { credential: string }).credential, sequence: 0 },
      { id: 'healthy-shared', token: AGENT_TOKEN, sequence: 0 },
    ];
    const healthyFailures: string[] = [];
    let healthySent = 0;
    const sendHealthy = async () => {
      const sender = healthy[healthySent++ % healthy.length]!;
      const sequence = sender.sequence++;
      const answer = await send(REPORTS_PATH, { ...json, authorization: `Bearer ${sender.token}` }, Buffer.from(JSON.stringify(healthyReport(sender.id, sequence))));
      if (answer.status !== 200 || answer.text !== JSON.stringify({ sequence, duplicate: false })) healthyFailures.push(`${sender.id} #${sequence}: ${answer.status} ${answer.text.slice(0, 300)}`);
    };
    // Warm-up: the first reports of each agent (the code paths, the database pages), then the memory level.
    for (let i = 0; i < 10; i++) await sendHealthy();
    const pid = collector.child.pid!;
    const startRss = residentBytes(pid);
    let peakRss = startRss;

    const requests = hostileRequests(COUNT, {
      seed: SEED,
      agentToken: AGENT_TOKEN,
      enrollmentToken: ENROLLMENT_TOKEN,
      adminToken: TEST_ADMIN_TOKEN,
      maxBodyBytes: MAX_BODY_BYTES,
      nowMs: Date.now(),
      maxAheadMs: 10 * 60_000,
      maxAgeMs: 14 * 86_400_000,
    });
    const failures: string[] = [];
    const byClass = new Map<string, Map<string, number>>();
    let sent = 0;
    const judge = (hostile: HostileRequest, answer: Answer) => {
      let error: { code?: unknown; path?: unknown } | undefined;
      try {
        error = (JSON.parse(answer.text) as { error?: { code?: unknown; path?: unknown } }).error;
      } catch {
        error = undefined;
      }
      const codes = byClass.get(hostile.payloadClass) ?? new Map<string, number>();
      byClass.set(hostile.payloadClass, codes);
      const key = `${answer.status} ${String(error?.code)}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
      const placed = typeof error?.path === 'string' && /^(body|headers\/)/.test(error.path);
      if (!REFUSALS.has(answer.status) || typeof error?.code !== 'string' || !placed) {
        failures.push(`seed ${SEED} #${hostile.index} ${hostile.payloadClass} POST ${hostile.route}: ${answer.status} ${answer.text.slice(0, 300)}`);
      }
    };
    const worker = async () => {
      for (let next = requests.next(); !next.done; next = requests.next()) {
        const hostile = next.value;
        try {
          judge(hostile, await send(hostile.route, hostile.headers, hostile.body));
        } catch (error) {
          failures.push(`seed ${SEED} #${hostile.index} ${hostile.payloadClass} POST ${hostile.route}: no answer (${(error as Error).message})`);
        }
        sent += 1;
        if (sent % HEALTHY_EVERY === 0) await sendHealthy();
        if (sent % 250 === 0) peakRss = Math.max(peakRss, residentBytes(pid));
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;
    const endRss = residentBytes(pid);
    peakRss = Math.max(peakRss, endRss);

    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    const summary = [...byClass].sort(([a], [b]) => a.localeCompare(b)).map(([c, codes]) => `  ${c.padEnd(20)} ${[...codes].map(([k, n]) => `${k} x${n}`).join(', ')}`);
    process.stdout.write(
      `fuzz seed ${SEED}: ${sent} hostile requests and ${healthySent} healthy reports in ${seconds.toFixed(1)} s; RSS ${mb(startRss)} after warm-up, peak ${mb(peakRss)}, end ${mb(endRss)} (bound ${mb(startRss + RSS_HEADROOM_BYTES)})\n${summary.join('\n')}\n`,
    );

    expect(failures.slice(0, 20)).toEqual([]);
    expect(healthyFailures).toEqual([]);
    expect(sent).toBe(COUNT);
    expect([...byClass.keys()].sort()).toEqual([...PAYLOAD_CLASSES].sort());
    expect(peakRss).toBeLessThan(startRss + RSS_HEADROOM_BYTES);
    expect(collector.child.exitCode).toBeNull();

    // Nothing of a hostile request in the API: the healthy hosts only, no agent, token, silence, window or audit entry of theirs.
    expect((await api('/api/v1/hosts')).hosts.map((h: { hostname: string }) => h.hostname).sort()).toEqual(['healthy-enrolled-host', 'healthy-shared-host']);
    expect((await api('/api/v1/agents')).agents.map((a: { agentId: string }) => a.agentId)).toEqual(['healthy-enrolled']);
    expect((await api('/api/v1/tokens')).tokens).toEqual([]);
    expect((await api('/api/v1/silences?expired=true')).silences).toEqual([]);
    expect((await api('/api/v1/maintenance')).maintenance).toEqual([]);
    expect((await api('/api/v1/audit')).entries).toEqual([]);
    expect((await api('/api/v1/incidents')).incidents).toEqual([]);

    // And in the SQLite file, once the process has stopped: every healthy report's chunk, nothing else.
    expect(await collector.kill('SIGTERM')).toBe(0);
    const db = new Database(join(dir, 'data', 'tripline.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT hostname FROM hosts ORDER BY hostname').pluck().all()).toEqual(['healthy-enrolled-host', 'healthy-shared-host']);
      expect(db.prepare('SELECT count(*) FROM report_chunks').pluck().get()).toBe(healthySent);
      expect(db.prepare('SELECT agent_id FROM agents').pluck().all()).toEqual(['healthy-enrolled']);
      for (const table of ['api_tokens', 'silences', 'maintenance_windows', 'audit_log']) expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
    } finally {
      db.close();
    }
  }, 300_000);
});
