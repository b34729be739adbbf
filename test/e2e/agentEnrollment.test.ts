/**
 * Enrollment and auth over HTTPS with a private CA generated here (openssl): an agent with only the
 * shared enrollment token enrols, stores its own credential (0600), and reports with it; the
 * collector keeps only the credential's SHA-256, binds it to that agent id, lists agents to an
 * admin, and refuses a revoked credential. Unhappy paths: wrong tokens, a re-used id, a credential
 * used for another id, and an agent that does not trust the CA.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { Agent as Dispatcher, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../agent/agent.js';
import { credentialFile, enrollAgent } from '../../agent/lifecycle/agentEnrollment.js';
import { AgentEnrollmentError } from '../../agent/lifecycle/agentEnrollmentError.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { makeCertificates } from '../support/certificates.js';
import { waitFor } from '../support/processes.js';

const ENROLL = 'enrollment-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef0123';
const AGENT_ID = 'enrolled-agent-1';
const AGENT_HOST = 'enrolled-host-1';

describe('enrollment, per-agent credentials and HTTPS with a private CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-enroll-'));
  const agentDir = join(dir, 'agent-data');
  let certs: { ca: string; cert: string; key: string };
  let collector: RunningCollector;
  let agent: Agent | undefined;
  let dispatcher: Dispatcher;
  const call = async (method: 'GET' | 'POST', path: string, token: string | undefined, body?: unknown, gzip = false) => {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (gzip) headers['content-encoding'] = 'gzip';
    const payload = body === undefined ? undefined : gzip ? gzipSync(JSON.stringify(body)) : JSON.stringify(body);
    const response = await request(`${collector.url}${path}`, { method, headers, body: payload, dispatcher });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  };
  const report = (agentId: string, sequence: number): Report => ({
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: agentId, hostname: AGENT_HOST, version: 't', intervalSeconds: 1, labels: {} },
    sequence,
    sentAt: new Date().toISOString(),
    observations: [],
    checks: [],
  });

  beforeAll(async () => {
    certs = makeCertificates(dir);
    dispatcher = new Dispatcher({ connect: { ca: readFileSync(certs.ca) } });
    const { config } = loadConfig(undefined, {});
    config.dataDir = join(dir, 'collector-data');
    config.collector.listen.port = 0;
    config.collector.enrollmentTokens = [ENROLL];
    config.collector.adminTokens = [ADMIN];
    config.collector.tls = { certFile: certs.cert, keyFile: certs.key };
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await dispatcher?.close();
  });

  it('serves HTTPS', () => {
    expect(collector.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('an agent with only the enrollment token enrols over HTTPS, stores its credential 0600 and reports with it', async () => {
    const { config } = loadConfig(undefined, {});
    Object.assign(config.agent, { collectorUrl: collector.url, enrollmentToken: ENROLL, caFile: certs.ca, id: AGENT_ID, hostname: AGENT_HOST, interval: parseDurationMs('1s') });
    config.agent.ping.gateway = false;
    agent = createAgent({ config: config.agent, dataDir: agentDir, log: pino({ level: 'silent' }), version: 'test' });
    await agent.start();
    await waitFor('reports from the enrolled agent', () => (collector.store.listHosts().find((h) => h.agentId === AGENT_ID)?.lastSequence ?? -1) >= 1);
    await agent.stop();
    agent = undefined;

    const file = credentialFile(agentDir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credential = readFileSync(file, 'utf8').trim();
    const db = new Database(join(dir, 'collector-data', 'tripline.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM agents').all() as Array<Record<string, unknown>>;
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.credential_sha256).toBe(createHash('sha256').update(credential).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(credential);
  });

  it('lists agents to an admin only', async () => {
    expect((await call('GET', '/api/v1/agents', undefined)).status).toBe(401);
    expect((await call('GET', '/api/v1/agents', ENROLL)).status).toBe(401);
    const listed = await call('GET', '/api/v1/agents', ADMIN);
    expect(listed.status).toBe(200);
    expect(listed.body.agents).toEqual([expect.objectContaining({ agentId: AGENT_ID, revokedAt: null })]);
  });

  it('refuses a wrong enrollment token, a re-used id, and a credential used for another agent id', async () => {
    expect((await call('POST', '/api/v1/enroll', 'not-the-enrollment-token', { agentId: 'x', hostname: 'h' })).status).toBe(401);
    expect((await call('POST', '/api/v1/enroll', ENROLL, { agentId: AGENT_ID, hostname: 'thief' })).status).toBe(409);
    const credential = readFileSync(credentialFile(agentDir), 'utf8').trim();
    const stolen = await call('POST', REPORTS_PATH, credential, report('someone-else', 0), true);
    expect(stolen.status).toBe(403);
    expect((stolen.body.error as { code: string }).code).toBe('TRIPLINE_FORBIDDEN');
  });

  it('refuses the credential once revoked, and a second revoke is 404', async () => {
    const credential = readFileSync(credentialFile(agentDir), 'utf8').trim();
    expect((await call('POST', REPORTS_PATH, credential, report(AGENT_ID, 1000), true)).status).toBe(200);
    expect((await call('POST', `/api/v1/agents/${AGENT_ID}/revoke`, undefined)).status).toBe(401);
    expect((await call('POST', `/api/v1/agents/${AGENT_ID}/revoke`, ADMIN)).status).toBe(200);
    expect((await call('POST', REPORTS_PATH, credential, report(AGENT_ID, 1001), true)).status).toBe(403);
    expect((await call('POST', `/api/v1/agents/${AGENT_ID}/revoke`, ADMIN)).status).toBe(404);
  });

  it('an agent that does not trust the private CA cannot enrol, and may retry later', async () => {
    const attempt = enrollAgent({ collectorUrl: collector.url, enrollmentToken: ENROLL, agentId: 'untrusting', hostname: 'h', timeoutSeconds: 5 }, join(dir, 'no-ca-credential'));
    await expect(attempt).rejects.toBeInstanceOf(AgentEnrollmentError);
    await expect(attempt).rejects.toMatchObject({ retryable: true });
  });
});
