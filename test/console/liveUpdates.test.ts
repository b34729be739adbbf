/**
 * Live updates in a real browser: Debian's chromium (playwright-core) on the incidents page of a
 * collector and an agent spawned from the compiled CLI. A real fault (the TCP port the agent checks
 * stops listening) opens an incident, which appears in the open list without a reload while the
 * header says "live"; the port coming back resolves it, and the row shows resolved, again without a
 * reload. A marker set on the page's window before the fault is still there after, so the page was
 * never reloaded; and while the stream is live the page does not poll, so the rows came by the stream.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, freePort, spawnTripline, startTcpTarget, waitFor, type TriplineProcess } from '../support/processes.js';
import { expectText } from '../support/browserText.js';

const CHROMIUM = '/usr/bin/chromium';
const AGENT_TOKEN = 'live-browser-agent-token-0123456789';
const VIEWER_TOKEN = 'live-browser-viewer-token-0123456789';
const HOST = 'live-browser-host';

describe.skipIf(!existsSync(CHROMIUM))('live updates in chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-live-browser-'));
  let collector: TriplineProcess | undefined;
  let agent: TriplineProcess | undefined;
  let target: { port: number; close(): Promise<void> } | undefined;
  let browser: Browser;
  let base: string;
  let targetPort = 0;
  const api = async (path: string) => (await fetch(`${base}${path}`, asAdmin)).json() as Promise<Record<string, any>>;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    target = await startTcpTarget();
    targetPort = target.port;
    writeFileSync(
      join(dir, 'rules.yaml'),
      `rules:
  - name: live_port_down
    metric: tcp_up
    matchers: ['target="live-target"']
    below: 1
    for: 1s
    severity: critical
    summary: 'Port {{ labels.target }} on {{ labels.host }} is down'
`,
    );
    const configFile = join(dir, 'tripline.yaml');
    writeFileSync(
      configFile,
      `dataDir: ${join(dir, 'data')}
log: { level: info }
collector:
  listen: { host: 127.0.0.1, port: ${port} }
  agentTokens: ['${AGENT_TOKEN}']
  viewerTokens: ['${VIEWER_TOKEN}']
  rules: [rules.yaml]
  evaluationInterval: 1s
agent:
  collectorUrl: ${base}
  token: '${AGENT_TOKEN}'
  hostname: ${HOST}
  interval: 1s
  # Tests send traffic only to loopback: no ping of this machine's real default gateway.
  ping: { gateway: false }
  sendTimeout: 2s
  tcp:
    targets: [{ name: live-target, host: 127.0.0.1, port: ${target.port}, timeout: 500ms }]
incidents: { reopenWindow: 0s, resolveSettle: 0s, reachability: { enabled: false } }
`,
    );
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'));
    await waitFor('collector ready', async () => (await fetch(`${base}/readyz`)).ok);
    agent = spawnTripline(['agent', '--config', configFile], join(dir, 'agent.log'));
    await waitFor('agent reports arriving', async () => (await api('/api/v1/hosts')).hosts.length === 1);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.kill('SIGTERM');
    await collector?.kill('SIGTERM');
    await target?.close().catch(() => undefined);
  });

  it('shows an incident a real fault opens, and its resolve, without a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const incidentLists: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/v1/incidents') incidentLists.push(request.url());
    });
    await page.goto(`${base}/incidents`);
    await page.getByLabel('API token').fill(VIEWER_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.locator('.live'), { exact: 'live' });
    await expectText(page.locator('main'), 'No incidents match.');
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    const listsBefore = incidentLists.length;

    // The fault: the port the agent checks stops listening.
    await target!.close();
    target = undefined;
    const opened = await waitFor('the incident opens', async () => (await api('/api/v1/incidents?status=open')).incidents[0] as { id: number } | undefined, 30_000);
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: `#${opened.id}` }) });
    await expectText(row, 'Port live-target on live-browser-host is down');
    await expectText(row, 'open');

    // The port comes back on the same number: the rule clears and the incident resolves.
    target = await startTcpTarget(targetPort);
    await waitFor('the incident resolves', async () => (await api(`/api/v1/incidents/${opened.id}`)).incident.status === 'resolved', 30_000);
    await expectText(row, 'resolved');

    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expectText(page.locator('.live'), { exact: 'live' });
    // Each change reloaded the list once or so (debounced): no 5-second polling while live.
    expect(incidentLists.length - listsBefore).toBeLessThan(10);
    await context.close();
  }, 120_000);

});
