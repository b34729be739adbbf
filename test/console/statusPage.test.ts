/**
 * The public status page in a real browser (Debian's chromium via playwright-core, as the console's
 * tests) against a collector and an agent spawned from the compiled CLI: a closed port on the
 * agent's host, checked as target "shop-db" (the members of service "shop"), degrades the service; an operator sets a notice through
 * the API (audited under the token's name); the page, read without any token, shows the service
 * degraded, the notice and 90 days of history, and neither its HTML nor its JSON holds the host's
 * name, any of its addresses, the check's address or the rule's name. Off by default: 404.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, freePort, spawnTripline, startTcpTarget, waitFor, type TriplineProcess } from '../support/processes.js';
import { expectText } from '../support/browserText.js';

const CHROMIUM = '/usr/bin/chromium';
const AGENT_TOKEN = 'status-agent-token-0123456789';
const OPERATOR_TOKEN = 'status-operator-token-0123456789';
const VIEWER_TOKEN = 'status-viewer-token-0123456789';
const HOST = 'status-shop-db-7';
const RULE = 'shop_database_port_down';
const NOTICE = 'Checkout is slow; the database team is on it.';

describe.skipIf(!existsSync(CHROMIUM))('the public status page in chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-status-'));
  let collector: TriplineProcess | undefined;
  let agent: TriplineProcess | undefined;
  let browser: Browser;
  let base: string;
  let closedPort = 0;

  const api = async (path: string, init: RequestInit = asAdmin) => {
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // a port nothing listens on: the check fails from the first report
    const target = await startTcpTarget();
    closedPort = target.port;
    await target.close();
    const configFile = join(dir, 'tripline.yaml');
    writeFileSync(join(dir, 'rules.yaml'), `rules:\n  - name: ${RULE}\n    metric: tcp_up\n    matchers: ['target="shop-db"']\n    below: 1\n    for: 1s\n    severity: critical\n    summary: 'Database port on {{ labels.host }} is down'\n`);
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
  statusPage: { enabled: true, title: Example Shop status }
agent:
  collectorUrl: ${base}
  token: '${AGENT_TOKEN}'
  hostname: ${HOST}
  interval: 1s
  ping: { gateway: false }
  sendTimeout: 2s
  tcp:
    targets: [{ name: shop-db, host: 127.0.0.1, port: ${closedPort}, timeout: 500ms }]
incidents: { reachability: { enabled: false }, operatorTokens: ['${OPERATOR_TOKEN}'] }
services:
  shop:
    description: The web shop and its checkout
    impact: high
    # by the check's label, so the service has no member hosts to be out of: a critical incident degrades it
    members: { matchers: ['target="shop-db"'] }
  newsletter:
    description: Weekly mail to customers
    members: { hosts: [mail-1] }
`,
    );
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'));
    await waitFor('collector ready', async () => (await fetch(`${base}/readyz`)).ok);
    agent = spawnTripline(['agent', '--config', configFile], join(dir, 'agent.log'));
    await waitFor('the shop degraded', async () => (await api('/api/v1/services/shop')).body.state === 'degraded');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.kill('SIGTERM');
    await collector?.kill('SIGTERM');
  });

  it('an operator sets the notice (a viewer may not), and it is audited under the token name', async () => {
    const put = (token: string, body: unknown) => api('/api/v1/status/notice', { method: 'PUT', body: JSON.stringify(body), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    expect((await put(VIEWER_TOKEN, { text: NOTICE })).status).toBe(403);
    expect((await put(OPERATOR_TOKEN, { text: '' })).body.error).toMatchObject({ code: 'TRIPLINE_VALIDATION_FAILED', path: 'body/text' });
    expect(await put(OPERATOR_TOKEN, { text: NOTICE })).toMatchObject({ status: 200, body: { text: NOTICE, setBy: 'config:operatorTokens[0]' } });
    const audit = (await api('/api/v1/audit')).body.entries;
    expect(audit[0]).toMatchObject({ actor: 'config:operatorTokens[0]', action: 'setStatusNotice' });
  });

  it('shows the degraded service, the notice and 90 days, with no host name, address or rule, to anyone', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const response = await page.goto(`${base}/status`);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    await expect(page.getByRole('heading', { name: 'Example Shop status' }).isVisible()).resolves.toBe(true);
    const shop = page.locator('li[data-service="shop"]');
    await expectText(shop.locator('.state'), { exact: 'Degraded' });
    await expectText(page.locator('li[data-service="newsletter"] .state'), { exact: 'Operational' });
    await expectText(page.locator('.overall'), { exact: 'Some services are degraded' });
    await expectText(page.getByRole('status'), NOTICE);
    await expect(shop.locator('.day').count()).resolves.toBe(90);
    await expect(shop.locator('.day').last().getAttribute('class')).resolves.toBe('day degraded');
    await page.screenshot({ path: join(dir, 'status.png') });

    const html = await page.content();
    const json = await (await fetch(`${base}/status.json`)).text();
    const addresses: string[] = (await api('/api/v1/hosts')).body.hosts.flatMap((h: { addresses: string[] }) => h.addresses);
    const internals = [HOST, 'mail-1', '127.0.0.1', `:${closedPort}`, RULE, 'shop-db', 'config:operatorTokens', ...addresses];
    for (const text of [html, json]) for (const internal of internals) expect(text).not.toContain(internal);
    expect(JSON.parse(json)).toMatchObject({ overall: 'degraded', notice: { text: NOTICE }, services: [{ name: 'shop', state: 'degraded' }, { name: 'newsletter', state: 'operational' }] });
    await context.close();
  });

  it('the console shows the service view to a viewer: services with state and why, one service with its P1 incident, priorities in the incident list', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('API token').fill(VIEWER_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click();
    const shop = page.locator('tr[data-service="shop"]');
    await expectText(shop.locator('.badge'), { exact: 'degraded' });
    await expectText(shop, /critical incident/);
    await expectText(page.locator('tr[data-service="newsletter"] .badge'), { exact: 'operational' });
    await expectText(shop, /\d+(\.\d+)?%/); // this month's availability from the service report
    await shop.getByRole('link', { name: 'shop' }).click();
    await expectText(page.getByRole('heading', { level: 1 }), { exact: 'Service shop' });
    await expectText(page.locator('main'), 'The web shop and its checkout');
    const incidentRow = page.locator('main table tbody tr').first();
    await expectText(incidentRow, /P1/);
    await expectText(incidentRow, /Database port on status-shop-db-7 is down/);
    await incidentRow.getByRole('link', { name: /^#\d+$/ }).click();
    await expectText(page.locator('main'), /Priority P1 · impact high · urgency high · services shop/);
    await page.goto(`${base}/incidents`);
    await expectText(page.locator('main table tbody tr').first(), /P1/);
    await context.close();
  });

  it('is read-only and public: no write under /status, the API still needs a token', async () => {
    expect((await fetch(`${base}/status`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/api/v1/status/notice`)).status).toBe(401);
  });
});
