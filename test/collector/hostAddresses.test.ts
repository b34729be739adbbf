/**
 * The agent identity's optional `addresses` and `defaultGateway` reach the hosts table and
 * `GET /api/v1/hosts`; an agent that omits them keeps what was stored; malformed ones are refused.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type AgentIdentity, type Report } from '../../contract/report.js';

const TOKEN = 'host-addresses-token-0123456789';

function report(sequence: number, agent: Partial<AgentIdentity>): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: 'agent-addr', hostname: 'addr-host', version: 'test', intervalSeconds: 15, labels: {}, ...agent },
    sequence,
    sentAt: new Date().toISOString(),
    observations: [],
    checks: [],
  };
}

const ADMIN = 'addresses-admin-token-0123456789';

describe('host addresses and default gateway', () => {
  let collector: RunningCollector;
  const post = (body: Report) =>
    fetch(`${collector.url}${REPORTS_PATH}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
  const hosts = async () => ((await (await fetch(`${collector.url}/api/v1/hosts`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { hosts: Array<Record<string, unknown>> }).hosts;

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-addr-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [TOKEN];
    config.collector.adminTokens = [ADMIN];
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await collector.stop();
  });

  it('stores them, keeps them when a later report omits them, and updates them when they change', async () => {
    expect((await post(report(0, { addresses: ['192.0.2.10', '2001:db8::10'], defaultGateway: '192.0.2.1' }))).status).toBe(200);
    expect(await hosts()).toMatchObject([{ agentId: 'agent-addr', addresses: ['192.0.2.10', '2001:db8::10'], defaultGateway: '192.0.2.1' }]);
    expect((await post(report(1, {}))).status).toBe(200);
    expect(await hosts()).toMatchObject([{ addresses: ['192.0.2.10', '2001:db8::10'], defaultGateway: '192.0.2.1' }]);
    expect((await post(report(2, { addresses: ['192.0.2.11'], defaultGateway: 'fe80::1' }))).status).toBe(200);
    expect(collector.store.listHosts()).toMatchObject([{ addresses: ['192.0.2.11'], defaultGateway: 'fe80::1' }]);
  });

  it('stores the inventory when sent and keeps it when a later report omits it', async () => {
    const inventory = { os: 'Debian 12', kernel: '6.1.0', architecture: 'x64', cpuModel: 'AMD EPYC', cpuCores: 2, memoryBytes: 1e9, disks: [], interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', speedBitsPerSecond: null }] };
    expect((await post({ ...report(10, {}), inventory })).status).toBe(200);
    expect((await post(report(11, {}))).status).toBe(200);
    expect(await hosts()).toMatchObject([{ inventory }]);
    // A field a newer minor adds is accepted and ignored (contract/report.ts, versioning rule), not stored.
    expect((await post({ ...report(12, {}), inventory: { ...inventory, extra: 1 } as never })).status).toBe(200);
    expect((await hosts())[0]!.inventory).toEqual(inventory);
  });

  it('refuses a gateway that is not an IP literal', async () => {
    const response = await post(report(3, { defaultGateway: 'gw; rm -rf /' }));
    expect(response.status).toBe(400);
  });
});
