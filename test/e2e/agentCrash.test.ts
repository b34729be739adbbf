/**
 * On real processes: an agent is SIGKILLed; the collector notices the silence, pings the host's
 * declared address (127.0.0.1, which answers) and opens one "Agent down" ticket at the webhook desk.
 * Then the operator CLI on the same data directory: explain, acknowledge (the desk gets an update),
 * silences, maintenance windows and a backtest of the stored history.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, CLI, freePort, spawnTripline, startWebhookReceiver, waitFor, type TriplineProcess, type WebhookReceiver } from '../support/processes.js';

const SECRET = 'e2e-crash-webhook-secret';
const AGENT_TOKEN = 'e2e-crash-agent-token-0123456789';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('agent crash on a live host -> "Agent down" ticket; operator CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-e2e-crash-'));
  const configFile = join(dir, 'tripline.yaml');
  let webhook: WebhookReceiver;
  let port: number;
  let collector: TriplineProcess | undefined;
  let agent: TriplineProcess | undefined;
  const api = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, asAdmin).then((r) => r.json() as Promise<Record<string, any>>);

  beforeAll(async () => {
    webhook = await startWebhookReceiver(SECRET);
    port = await freePort();
    writeFileSync(
      join(dir, 'rules.yaml'),
      `rules:
  - name: agent_silent
    metric: agent_missed_reports
    above: 3
    clearBelow: 1
    severity: critical
    summary: 'Agent on {{ labels.host }} has stopped reporting'
`,
    );
    writeFileSync(
      configFile,
      `dataDir: ${join(dir, 'data')}
collector:
  listen: { host: 127.0.0.1, port: ${port} }
  agentTokens: ['${AGENT_TOKEN}']
  rules: [rules.yaml]
  evaluationInterval: 500ms
agent:
  collectorUrl: http://127.0.0.1:${port}
  token: '${AGENT_TOKEN}'
  hostname: crash-host
  interval: 1s
  # Tests send traffic only to loopback: no ping of this machine's real default gateway.
  ping: { gateway: false }
desks:
  - { type: webhook, name: ops, url: '${webhook.url}', timeout: 2s }
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms, coalesceWindow: 1s }
incidents:
  reachability: { pingTimeout: 1s }
  topology:
    hosts:
      crash-host: { address: 127.0.0.1 }
`,
    );
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'), { TRIPLINE_DESK_OPS_SECRET: SECRET });
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
  });

  afterAll(async () => {
    await agent?.kill('SIGTERM');
    await collector?.kill('SIGTERM');
    await webhook.close();
  });

  it('opens one "Agent down" ticket when the agent dies and the host still answers ping', async () => {
    agent = spawnTripline(['agent', '--config', configFile], join(dir, 'agent.log'));
    await waitFor('agent reports arriving', async () => (await api('/api/v1/hosts')).hosts.length === 1);
    await new Promise((ok) => setTimeout(ok, 1500));
    await agent.kill('SIGKILL');
    const opened = await waitFor('webhook open', () => webhook.received.find((w) => w.payload.operation === 'open'), 20_000);
    expect(opened.payload.incident.summary).toBe('Agent down: Agent on crash-host has stopped reporting');
    const [incident] = (await api('/api/v1/incidents')).incidents;
    expect(incident.why.reachability).toMatchObject({ verdict: 'agent-down', address: '127.0.0.1' });
    expect(webhook.received.filter((w) => w.payload.operation === 'open')).toHaveLength(1);
  });

  it('explains the incident and acknowledges it from the CLI; the desk gets an update', async () => {
    const id = String((await api('/api/v1/incidents')).incidents[0].id);
    const explained = await cli(['incidents', 'explain', id, '-c', configFile]);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('Agent down: Agent on crash-host has stopped reporting');
    expect(explained.stdout).toMatch(/rule agent_silent version [0-9a-f]+/);
    expect(explained.stdout).toContain('reachability: agent-down (reply from 127.0.0.1');
    expect(explained.stdout).toMatch(/pass  silence +no active silence matches/);
    expect((await cli(['incidents', 'ack', id, '--by', 'alice', '-c', configFile])).stdout).toBe(`incident ${id}: acknowledged by alice\n`);
    const again = await cli(['incidents', 'ack', id, '-c', configFile]);
    expect(again).toMatchObject({ code: 1, stderr: `incident ${id} is acknowledged; only an open incident can be acknowledged\n` });
    await waitFor('webhook update', () => webhook.received.some((w) => w.payload.operation === 'update'));
    expect((await cli(['incidents', 'explain', '424242', '-c', configFile])).stderr).toBe('tripline: incident 424242 does not exist\n');
  });

  it('manages silences and maintenance windows, and refuses bad input clearly', async () => {
    expect((await cli(['silences', 'add', 'host="crash-host"', '--duration', '2h', '-c', configFile])).stdout).toMatch(/^silence 1 until /);
    expect((await cli(['silences', 'add', 'host=~"("', '--duration', '2h', '-c', configFile])).stderr).toMatch(/^tripline: matcher 1 \(host=~"\("\): /);
    expect((await cli(['silences', 'list', '-c', configFile])).stdout).toContain('host="crash-host"');
    expect((await cli(['silences', 'expire', '1', '-c', configFile])).stdout).toBe('silence 1 expired\n');
    expect((await cli(['silences', 'list', '-c', configFile])).stdout).toBe('no silences\n');
    expect((await cli(['maintenance', 'add', '--cron', '0 2 * * 0', '--duration', '2h', '--group', 'db', '-c', configFile])).stdout).toMatch(/^maintenance window 1; next starts .*T02:00:00.000Z\n$/);
    expect((await cli(['maintenance', 'add', '--cron', '0 2 * * 0', '--duration', '2h', '-c', configFile])).stderr).toBe('tripline: give exactly one of --host and --group\n');
    expect((await cli(['maintenance', 'list', '-c', configFile])).stdout).toContain('group db');
    expect((await cli(['maintenance', 'remove', '1', '-c', configFile])).code).toBe(0);
  }, 120_000); // nine CLI processes, each loading the whole CLI: minutes on a busy 2-core machine

  it('backtests the stored history: the candidate without agent_silent would have opened nothing', async () => {
    writeFileSync(join(dir, 'candidate.yaml'), "rules:\n  - { name: load_very_high, metric: load1_per_core, above: 50, severity: warning, summary: 'load' }\n");
    const result = await cli(['rules', 'backtest', '--rules', join(dir, 'candidate.yaml'), '--since', '1h', '-c', configFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^incidents\s+1\s+0$/m);
    expect(result.stdout).toMatch(/^ {2}crash-host\s+1\s+0$/m);
  });
});
