/**
 * No agent speaks for another: over real HTTP against a collector with a real SQLite file, an
 * enrolled agent's credential reports only for its own id and enrolled host name, a shared agent
 * token cannot claim an enrolled id or an enrolled agent's host, and a host name is enrolled once.
 * Every refusal is a 403 (409 for enrollment) that says why, stores nothing, and leaves the hosts
 * list with one agent per host name.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { loadConfig } from '../../config/loadConfig.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { reportIdentityProblem } from '../../collector/http/reportIdentity.js';

const SHARED = 'shared-agent-token-0123456789';
const ENROLL = 'enrollment-token-0123456789abc';

function report(id: string, hostname: string, sequence: number): Report {
  const at = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id, hostname, version: 'test', intervalSeconds: 15, labels: {} },
    sequence,
    sentAt: at,
    observations: [{ metric: 'memory_used_ratio', labels: {}, value: 0.5, at }],
    checks: [],
  };
}

describe('report identity', () => {
  let collector: RunningCollector;
  const credentials: Record<string, string> = {};
  const post = async (path: string, token: string, body: unknown) => {
    const response = await fetch(`${collector.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  };
  const sequences = () => Object.fromEntries(collector.store.listHosts().map((h) => [h.agentId, [h.hostname, h.lastSequence]]));

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-identity-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [SHARED];
    config.collector.enrollmentTokens = [ENROLL];
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
    for (const [agentId, hostname] of [['agent-a', 'host-a'], ['agent-b', 'host-b']]) {
      const enrolled = await post('/api/v1/enroll', ENROLL, { agentId, hostname });
      expect(enrolled.status).toBe(200);
      credentials[agentId!] = (enrolled.body as unknown as { credential: string }).credential;
    }
    // Each enrolled agent reports as itself; an agent that never enrolled reports with the shared token.
    expect((await post(REPORTS_PATH, credentials['agent-a']!, report('agent-a', 'host-a', 0))).status).toBe(200);
    expect((await post(REPORTS_PATH, credentials['agent-b']!, report('agent-b', 'host-b', 0))).status).toBe(200);
    expect((await post(REPORTS_PATH, SHARED, report('plain-agent', 'host-plain', 0))).status).toBe(200);
  });
  afterAll(async () => {
    await collector.stop();
  });

  // Each row: who presents which credential, claiming which id and host name, and what the refusal says.
  const impersonations: Array<{ name: string; token: () => string; id: string; hostname: string; message: RegExp }> = [
    // The attack: an enrolled agent's own credential and id, another host's name.
    { name: "agent-a's credential, its own id, host-b's name", token: () => credentials['agent-a']!, id: 'agent-a', hostname: 'host-b', message: /agent agent-a enrolled as host "host-a" and cannot report as "host-b"/ },
    // Another enrolled agent's id.
    { name: "agent-a's credential, agent-b's id and host", token: () => credentials['agent-a']!, id: 'agent-b', hostname: 'host-b', message: /belongs to agent agent-a, not agent-b/ },
    // A host nobody enrolled, under its own id: still not its enrolled host name.
    { name: "agent-a's credential, a new host name", token: () => credentials['agent-a']!, id: 'agent-a', hostname: 'host-new', message: /cannot report as "host-new"/ },
    // The shared token claiming an enrolled id.
    { name: "the shared token, agent-b's id", token: () => SHARED, id: 'agent-b', hostname: 'host-b', message: /agent agent-b is enrolled: only its own credential/ },
    { name: "the shared token, agent-b's id on another host", token: () => SHARED, id: 'agent-b', hostname: 'host-x', message: /agent agent-b is enrolled/ },
    // The shared token claiming an enrolled agent's host under a new id.
    { name: "the shared token, a new id, host-a's name", token: () => SHARED, id: 'newcomer', hostname: 'host-a', message: /host "host-a" belongs to enrolled agent agent-a/ },
  ];

  it.each(impersonations)('refuses $name with 403 and stores nothing', async ({ token, id, hostname, message }) => {
    const before = sequences();
    const answer = await post(REPORTS_PATH, token(), report(id, hostname, 1));
    expect(answer.status).toBe(403);
    expect(answer.body.error?.code).toBe('TRIPLINE_FORBIDDEN');
    expect(answer.body.error?.message).toMatch(message);
    expect(sequences()).toEqual(before);
  });

  it('leaves one agent per host name in /api/v1/hosts', () => {
    expect(sequences()).toEqual({ 'agent-a': ['host-a', 0], 'agent-b': ['host-b', 0], 'plain-agent': ['host-plain', 0] });
  });

  it('enrols a host name once: a second id for an enrolled host is a 409 that names the holder', async () => {
    const second = await post('/api/v1/enroll', ENROLL, { agentId: 'agent-a2', hostname: 'host-a' });
    expect(second.status).toBe(409);
    expect(second.body.error?.message).toMatch(/host "host-a" is enrolled already, as agent agent-a/);
  });

  it('still takes what each credential may send', async () => {
    expect((await post(REPORTS_PATH, credentials['agent-a']!, report('agent-a', 'host-a', 1))).status).toBe(200);
    expect((await post(REPORTS_PATH, SHARED, report('plain-agent', 'host-plain', 1))).status).toBe(200);
    expect((await post(REPORTS_PATH, SHARED, report('other-plain', 'host-other', 0))).status).toBe(200);
  });

  it('decides by the table in reportIdentity.ts (pure)', () => {
    const revoked = { agentId: 'e', hostname: 'he', enrolledAtMs: 0, revokedAtMs: 1 };
    // As Store.agentsClaimed answers: the agent of the id, revoked or not, and the active agents of the host.
    const agents = { agentsClaimed: (id: string) => (id === 'e' ? [revoked] : []) };
    // A revoked id stays taken: the shared token cannot pick it up.
    expect(reportIdentityProblem({ kind: 'token' }, { id: 'e', hostname: 'he' }, agents)).toMatch(/agent e is enrolled/);
    // But a revoked agent's host is free for a shared-token agent (the host was rebuilt).
    expect(reportIdentityProblem({ kind: 'token' }, { id: 'f', hostname: 'he' }, agents)).toBeUndefined();
  });
});
