/**
 * Dead letters are visible and retryable from the API and the CLI: a desk refuses (401) until an
 * operator fixes it, the deliveries die, and a retry delivers them in order.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { deliveriesListCommand } from '../../cli/commands/deliveriesListCommand.js';
import { deliveriesRetryCommand } from '../../cli/commands/deliveriesRetryCommand.js';
import { loadConfig } from '../../config/loadConfig.js';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from '../support/processes.js';

const SECRET = 'deliveries-test-secret-0001';

const OPERATOR_TOKEN = 'deliveries-operator-token-0123';

describe('dead letters: API and CLI', () => {
  let collector: RunningCollector;
  let receiver: WebhookReceiver;
  let configFile: string;
  const api = async (path: string, init?: RequestInit, token: string | null = OPERATOR_TOKEN) => {
    const response = await fetch(`${collector.url}${path}`, { ...init, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const deadIds = async () => ((await api('/api/v1/deliveries?state=dead')).body.deliveries as Array<{ id: number; operation: string }>).map((d) => `${d.id}:${d.operation}`);
  let incidentId = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    receiver.respondWith = 401;
    const dir = mkdtempSync(join(tmpdir(), 'tripline-deliveries-'));
    configFile = join(dir, 'tripline.yaml');
    writeFileSync(configFile, `dataDir: ${dir}\ncollector:\n  listen: { port: 0 }\n  agentTokens: [deliveries-agent-token-0123]\ndesks:\n  - { type: webhook, name: ops, url: "${receiver.url}" }\ndelivery: { pollInterval: 20ms }\nincidents: { operatorTokens: [${OPERATOR_TOKEN}] }\n`);
    const { config } = loadConfig(configFile, { TRIPLINE_DESK_OPS_SECRET: SECRET });
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
    incidentId = collector.store.transaction((tx) => {
      const incident = tx.insertIncident({ key: 'tripline-dead-1', fingerprint: 'fp-dead', ruleName: 'r', ruleVersion: 'v', host: 'h', severity: 'critical', summary: 's', description: '', labels: {}, status: 'resolved', openedAtMs: Date.now(), resolvedAtMs: Date.now(), updatedAtMs: Date.now(), why: {} });
      tx.enqueueOutbox({ incidentId: incident.id, desk: 'ops', operation: 'open', createdAtMs: Date.now() });
      tx.enqueueOutbox({ incidentId: incident.id, desk: 'ops', operation: 'resolve', createdAtMs: Date.now() });
      return incident.id;
    });
  });
  afterAll(async () => {
    await collector?.stop();
    await receiver?.close();
  });

  it('a refused open becomes a dead letter, and so does the resolve behind it', async () => {
    await waitFor('two dead letters', async () => (await deadIds()).length === 2, 10_000);
    const [first] = (await api('/api/v1/deliveries?state=dead')).body.deliveries as Array<{ lastError: string }>;
    expect(first!.lastError).toMatch(/TRIPLINE_DESK_(AUTH_FAILED|REJECTED)/);
    expect(first!.lastError).not.toContain(SECRET);
  });

  it('the CLI lists the dead letters (table and JSON)', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(deliveriesListCommand({ config: configFile, state: 'dead' })).toBe(0);
      expect(String(out.mock.calls[0]![0])).toMatch(/^ID\s+INCIDENT\s+DESK\s+OPERATION\s+STATE\s+ATTEMPTS\s+LAST ERROR\n/);
      expect(deliveriesListCommand({ config: configFile, state: 'dead', json: true })).toBe(0);
      expect((JSON.parse(String(out.mock.calls[1]![0])) as unknown[]).length).toBe(2);
    } finally {
      out.mockRestore();
    }
  });

  it('a retry is a write: without an operator token it is refused', async () => {
    const [dead] = (await api('/api/v1/deliveries?state=dead')).body.deliveries as Array<{ id: number }>;
    for (const token of [null, 'not-the-operator-token-0000']) {
      const answer = await api(`/api/v1/deliveries/${dead!.id}/retry`, { method: 'POST' }, token);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: 'TRIPLINE_UNAUTHORIZED' } });
    }
    expect(await deadIds()).toHaveLength(2);
  });

  it('retrying something that is not dead is a conflict; an unknown id is not found', async () => {
    expect((await api('/api/v1/deliveries/999999/retry', { method: 'POST' })).body).toMatchObject({ error: { code: 'TRIPLINE_NOT_FOUND' } });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(deliveriesRetryCommand('999999', { config: configFile })).toBe(1);
      expect(deliveriesRetryCommand('abc', { config: configFile })).toBe(2);
    } finally {
      err.mockRestore();
    }
  });

  it('after the desk is fixed, an API retry of the open delivers open and resolve in order', async () => {
    receiver.respondWith = 200;
    const [resolveRow, openRow] = (await api('/api/v1/deliveries?state=dead')).body.deliveries as Array<{ id: number }>;
    const answer = await api(`/api/v1/deliveries/${openRow!.id}/retry`, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(answer.body.retried).toEqual([openRow!.id, resolveRow!.id]);
    await waitFor('both delivered', () => receiver.received.length === 2, 10_000);
    expect(receiver.received.map((r) => r.payload.operation)).toEqual(['open', 'resolve']);
    expect((await api(`/api/v1/deliveries/${openRow!.id}/retry`, { method: 'POST' })).status).toBe(409);
    const detail = (await api(`/api/v1/incidents/${incidentId}`)).body;
    expect((detail.timeline as Array<{ kind: string }>).map((e) => e.kind)).toContain('desk-retry');
    expect(detail.tickets).toEqual([expect.objectContaining({ desk: 'ops', externalId: `WH-${incidentId}`, state: 'resolved' })]);
  });
});
