/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on loopback, with its own config file, its
 * webhook receiver pointing at a real collector with an operator token (`http_config.authorization`,
 * sent as a bearer token): an alert posted to Alertmanager's API fires into one Tripline incident
 * (service, priority) whose ticket opens at a webhook desk; the same alert posted again with an
 * `endsAt` in the past resolves it, and the ticket closes. The token appears in no collector log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, freePort, spawnTripline, startWebhookReceiver, waitFor, type TriplineProcess, type WebhookReceiver } from '../support/processes.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const SECRET = 'e2e-alertmanager-webhook-secret';
const AGENT_TOKEN = 'e2e-alertmanager-agent-token-0123456789';
const INTAKE_TOKEN = 'e2e-alertmanager-intake-token-0123456789';

interface IncidentView {
  id: number;
  status: string;
  ruleName: string;
  host: string;
  key: string;
  priority: string;
  services: string[];
}

describe.skipIf(!existsSync(ALERTMANAGER) && !process.env.CI)('a real Alertmanager firing and resolving into Tripline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-e2e-alertmanager-'));
  let desk: WebhookReceiver;
  let collector: TriplineProcess | undefined;
  let alertmanager: ChildProcess | undefined;
  let collectorPort = 0;
  let alertmanagerPort = 0;

  const allIncidents = async () =>
    ((await (await fetch(`http://127.0.0.1:${collectorPort}/api/v1/incidents`, asAdmin)).json()) as { incidents: IncidentView[] }).incidents;
  /** The alert's incidents: the service incident the critical alert opens for its service (shop) is listed apart. */
  const incidents = async () => (await allIncidents()).filter((i) => i.ruleName !== 'tripline:service');
  const postAlert = async (endsAt: Date) => {
    const response = await fetch(`http://127.0.0.1:${alertmanagerPort}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'CheckoutErrorsHigh', job: 'checkout', instance: 'shop-1:8080', severity: 'critical' },
          annotations: { summary: 'checkout errors above 5%', runbook_url: 'https://wiki.example.com/runbooks/checkout' },
          startsAt: startsAt.toISOString(),
          endsAt: endsAt.toISOString(),
          generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=checkout_errors',
        },
      ]),
    });
    expect(response.status).toBe(200);
  };
  const startsAt = new Date(Date.now() - 5_000);

  beforeAll(async () => {
    desk = await startWebhookReceiver(SECRET);
    collectorPort = await freePort();
    alertmanagerPort = await freePort();
    const configFile = join(dir, 'collector.yaml');
    writeFileSync(join(dir, 'rules.yaml'), 'rules: []\n');
    writeFileSync(
      configFile,
      `dataDir: ${join(dir, 'collector-data')}
log: { level: info }
collector:
  listen: { host: 127.0.0.1, port: ${collectorPort} }
  agentTokens: ['${AGENT_TOKEN}']
  rules: [rules.yaml]
  evaluationInterval: 1s
desks:
  - type: webhook
    name: ops
    url: ${desk.url}
    timeout: 2s
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms }
incidents: { resolveSettle: 0s, reachability: { enabled: false }, operatorTokens: ['${INTAKE_TOKEN}'] }
services:
  shop:
    description: The web shop
    owner: shop-team
    impact: high
    members: { matchers: ['job="checkout"'] }
`,
    );
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'), { TRIPLINE_DESK_OPS_SECRET: SECRET });
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${collectorPort}/readyz`)).ok);

    const amConfig = join(dir, 'alertmanager.yml');
    writeFileSync(
      amConfig,
      `global:
  resolve_timeout: 1m
route:
  receiver: tripline
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: tripline
    webhook_configs:
      - url: http://127.0.0.1:${collectorPort}/api/v1/intake/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${INTAKE_TOKEN}
`,
      { mode: 0o600 },
    );
    alertmanager = spawn(
      ALERTMANAGER,
      [`--config.file=${amConfig}`, `--storage.path=${join(dir, 'alertmanager-data')}`, `--web.listen-address=127.0.0.1:${alertmanagerPort}`, '--cluster.listen-address=', '--log.level=debug'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const amLog: Buffer[] = [];
    alertmanager.stdout!.on('data', (chunk: Buffer) => amLog.push(chunk));
    alertmanager.stderr!.on('data', (chunk: Buffer) => amLog.push(chunk));
    alertmanager.on('exit', () => writeFileSync(join(dir, 'alertmanager.log'), Buffer.concat(amLog)));
    await waitFor('alertmanager ready', async () => (await fetch(`http://127.0.0.1:${alertmanagerPort}/-/ready`)).ok);
  }, 120_000);

  afterAll(async () => {
    if (alertmanager && alertmanager.exitCode === null) {
      const exited = new Promise((ok) => alertmanager!.once('exit', ok));
      alertmanager.kill('SIGTERM');
      await exited;
    }
    await collector?.kill('SIGTERM');
    await desk?.close();
  });

  it('an alert fired in Alertmanager opens one incident with its service and priority, and a ticket', async () => {
    await postAlert(new Date(Date.now() + 3_600_000));
    const [incident] = await waitFor('the incident', async () => {
      const list = await incidents();
      return list.length > 0 && list;
    });
    // impact high (service shop, by job="checkout") x urgency high (critical) = P1
    expect(incident).toMatchObject({ ruleName: 'CheckoutErrorsHigh', host: 'shop-1', status: 'open', priority: 'P1', services: ['shop'] });
    const open = await waitFor('the ticket', () => desk.received.find((w) => w.payload.incident.key === incident!.key && w.payload.operation === 'open'));
    expect(open.signatureValid).toBe(true);
    expect(open.payload.incident).toMatchObject({ priority: 'P1', services: ['shop'], facts: { runbookUrl: 'https://wiki.example.com/runbooks/checkout' } });
  });

  it('the alert resolved in Alertmanager resolves the incident and closes the ticket, once', async () => {
    await postAlert(new Date(Date.now() - 1_000));
    const [incident] = await waitFor('the resolve', async () => {
      const list = await incidents();
      return list[0]?.status === 'resolved' && list;
    });
    await waitFor('the ticket resolved', () => desk.received.find((w) => w.payload.incident.key === incident!.key && w.payload.operation === 'resolve'));
    expect(await incidents()).toHaveLength(1);
    // the service incident of shop, opened with the critical alert, resolves with it
    await waitFor('the service incident resolved', async () => (await allIncidents()).some((i) => i.ruleName === 'tripline:service' && i.services.includes('shop') && i.status === 'resolved'));
    const operations = desk.received.filter((w) => w.payload.incident.key === incident!.key).map((w) => w.payload.operation);
    expect(new Set(operations)).toEqual(new Set(['open', 'resolve']));
    expect(operations.filter((o) => o === 'open')).toHaveLength(1);
    expect(readFileSync(join(dir, 'collector.log'), 'utf8')).not.toContain(INTAKE_TOKEN);
  });
});
