/**
 * The web console in a real browser: Debian's chromium driven by playwright-core (headless, no
 * sandbox as root) against a collector and an agent spawned from the compiled CLI, with a webhook
 * desk on loopback. Sign-in refused without a role; the fleet lists this host; the host page draws
 * its CPU chart from data (pixels of the series colour on the canvas) and zooms it by keyboard (the
 * range in the address changes, the canvas redraws, the chart keeps the focus); an incident page shows the
 * why-record's gates and timeline; acknowledge from the browser reaches the desk; a silence is
 * previewed and created; a dead delivery is retried; a viewer can neither resolve from the page
 * nor through the API with its session; a write without the CSRF token is refused. The rules page
 * lists the rule in force with its file:line, shows a broken candidate's located problem and a valid
 * candidate's backtest diff; an admin revokes and resets an enrolled agent from the agents page (the
 * collector refuses its credential, then lets its id enrol again), which a viewer cannot.
 * Screenshots of the fleet, host and incident pages go to docs/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH } from '../../contract/report.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN, waitFor, type WebhookReceiver } from '../support/processes.js';
import { expectText } from '../support/browserText.js';
import {
  CONSOLE_ENROLLMENT_TOKEN as ENROLLMENT_TOKEN,
  CONSOLE_HOST as HOST,
  CONSOLE_OPERATOR_TOKEN as OPERATOR_TOKEN,
  CONSOLE_VIEWER_TOKEN as VIEWER_TOKEN,
  colouredPixels,
  hasChromium,
  screenshotsDir,
  startConsoleHarness,
  type ConsoleHarness,
} from '../support/consoleHarness.js';

const SHOTS = screenshotsDir();
/** The chart palette's first colour in light mode (console/styles.css --series-1): the first line of every chart. */
const SERIES_RGB = [37, 99, 235];

describe.skipIf(!hasChromium)('web console in chromium', () => {
  let harness: ConsoleHarness;
  let webhook: WebhookReceiver;
  let target: ConsoleHarness['target'];
  let base: string;
  let dir: string;

  const api = (path: string) => harness.api(path);
  const signIn = (token: string): Promise<Page> => harness.signIn(token);

  beforeAll(async () => {
    harness = await startConsoleHarness();
    ({ webhook, target, base, dir } = harness);
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('refuses a sign-in without a role and serves its files with cache headers', async () => {
    const page = await signIn('not-a-token-of-any-role');
    await expectText(page.getByRole('alert'), 'this token grants no role');
    const index = await fetch(`${base}/incidents/123`);
    expect([index.status, index.headers.get('cache-control'), index.headers.get('content-type')]).toEqual([200, 'no-cache', 'text/html; charset=utf-8']);
    const script = /src="(\/main-[A-Z0-9]+\.js)"/.exec(await index.text())![1]!;
    const bundle = await fetch(`${base}${script}`);
    // Read to the end: an unread body beyond undici's 64 KiB buffer holds its connection until the garbage
    // collector takes the response, and undici then opens a connection it sends nothing on, which the
    // collector closes after headersTimeout, possibly just as a later fetch of this file is written on it.
    await bundle.arrayBuffer();
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${base}/api/v1/nothing-here`)).status).toBe(404);
    await page.context().close();
  });

  it('lists the host on the fleet page and draws its CPU chart from data', async () => {
    const page = await signIn(OPERATOR_TOKEN);
    const row = page.locator(`tr[data-host="${HOST}"]`);
    await row.waitFor();
    await expectText(row, 'ok');
    await page.screenshot({ path: join(SHOTS, 'console-fleet.png') });

    // Enough reports for two steps of the 1 h chart (9 s each) to carry a line.
    await waitFor('20 s of CPU history', async () => {
      const cpu = (await api(`/api/v1/hosts/${HOST}/series?metric=cpu_usage_ratio&maxPoints=400`)).series[0];
      return cpu && cpu.points.avg.filter((v: number | null) => v !== null).length >= 3;
    }, 40_000, 1000);
    await row.getByRole('link', { name: HOST }).click();
    await page.getByRole('heading', { name: HOST }).waitFor();
    // Zoomed in on the last minute (as a drag on a chart does), the line spans the chart.
    const nowSeconds = Math.floor(Date.now() / 1000);
    await page.goto(`${base}/hosts/${HOST}?range=1h&from=${nowSeconds - 60}&to=${nowSeconds}`);
    await page.getByText('reset zoom').waitFor();
    const cpuChart = page.locator('figure.chart', { has: page.locator('figcaption', { hasText: /^CPU$/ }) });
    const coloured = await colouredPixels(cpuChart.locator('canvas'), SERIES_RGB);
    await page.screenshot({ path: join(SHOTS, 'console-host.png'), fullPage: false });
    expect(coloured).toBeGreaterThan(20);
    await expect(page.locator('figure.chart figcaption').allTextContents()).resolves.toEqual(expect.arrayContaining(['CPU', 'Load', 'Memory']));

    // Zoom by keyboard: the chart takes the focus (with a visible ring), - doubles the range around its
    // middle (ending now at the latest) and the left arrow moves it back a quarter; each redraws the
    // canvas, says the range in a live region and, once the keys rest, loads the range in the address.
    const plot = cpuChart.getByRole('group', { name: /^CPU, .*plus and minus zoom/ });
    const range = (): [number, number] => {
      const url = new URL(page.url());
      return [Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))];
    };
    const pixels = () => cpuChart.locator('canvas').first().evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
    await plot.focus();
    const before = await pixels();
    await page.keyboard.press('-');
    await expect(plot.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string } }).getComputedStyle(el).outlineStyle)).resolves.toBe('solid');
    await expectText(cpuChart.locator('[aria-live]'), /^CPU: .+ to .+/);
    await waitFor('the zoomed-out range in the address', async () => range()[1] - range()[0] >= 110, 10_000, 100);
    const [outFrom, outTo] = range();
    expect(outTo - outFrom).toBeGreaterThanOrEqual(110);
    expect(outTo - outFrom).toBeLessThanOrEqual(125);
    await waitFor('the canvas redrawn', async () => (await pixels()) !== before, 10_000, 100);
    const zoomedOut = await pixels();
    await page.keyboard.press('ArrowLeft');
    await waitFor('the range moved back', async () => range()[0] < outFrom, 10_000, 100);
    expect(Math.abs(range()[1] - range()[0] - (outTo - outFrom))).toBeLessThanOrEqual(5); // the same span, give or take a step
    await waitFor('the canvas redrawn again', async () => (await pixels()) !== zoomedOut, 10_000, 100);
    await expect(plot.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).resolves.toBe(true);
    await page.context().close();
  }, 90_000);

  it('lists the rules in force and checks a pasted candidate: a broken one shows its located problem, a valid one its backtest diff', async () => {
    const page = await signIn(VIEWER_TOKEN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
    const row = page.locator('tr[data-rule="console_port_down"]');
    await row.waitFor();
    await expectText(row, `${join(dir, 'rules.yaml')}:2`);
    await expectText(row, 'threshold');

    // A threshold that is not a number: the problem at its line and column, as `tripline rules check` prints it.
    const box = page.getByLabel(/Candidate rule file/);
    await box.fill(`rules:
  - name: console_port_down
    metric: tcp_up
    below: one
    severity: critical
    summary: 'Port {{ labels.target }} is down'
`);
    await page.getByRole('button', { name: 'Check and backtest' }).click();
    const problems = page.getByRole('list', { name: 'Problems' });
    await problems.waitFor();
    await expectText(problems, /candidate\.yaml:4:\d+: rules\[0\]\.below: /);
    await expect(page.getByRole('region', { name: 'Backtest' }).count()).resolves.toBe(0);

    // The same rule firing below 2 (always, as tcp_up is 0 or 1) opens for this host where the rule in force opened nothing.
    await box.fill(`rules:
  - name: console_port_down
    metric: tcp_up
    matchers: ['target="console-target"']
    below: 2
    severity: critical
    summary: 'Port {{ labels.target }} on {{ labels.host }} is down'
`);
    await page.getByLabel('Backtest over the last').selectOption('1h');
    await page.getByRole('button', { name: 'Check and backtest' }).click();
    const only = page.getByRole('list', { name: 'Only the candidate opens' });
    await only.waitFor();
    await expectText(only, HOST);
    await expect(page.getByRole('table', { name: 'Backtest of console_port_down' }).locator('tr', { hasText: 'opened' }).locator('td').allTextContents()).resolves.toEqual(['0', '1']);
    await expect(problems.count()).resolves.toBe(0);
    await page.screenshot({ path: join(SHOTS, 'console-rules.png'), fullPage: true });
    await page.context().close();
  }, 90_000);

  it('revokes and resets an enrolled agent from the agents page as an admin; a viewer has no such buttons and the API refuses its session', async () => {
    const enrolled = await fetch(`${base}/api/v1/enroll`, { method: 'POST', headers: { authorization: `Bearer ${ENROLLMENT_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ agentId: 'console-enrolled', hostname: 'console-enrolled-host' }) });
    const { credential } = (await enrolled.json()) as { credential: string };
    const report = async (sequence: number) => {
      const at = new Date().toISOString();
      const body = { schemaVersion: REPORT_SCHEMA_VERSION, agent: { id: 'console-enrolled', hostname: 'console-enrolled-host', version: 'test', intervalSeconds: 15, labels: {} }, sequence, sentAt: at, observations: [{ metric: 'memory_used_ratio', labels: {}, value: 0.5, at }], checks: [] };
      return (await fetch(`${base}${REPORTS_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
    };
    expect(await report(1)).toBe(200);

    // A viewer sees the reporting agents but no actions, and its session cannot reset through the API.
    const viewer = await signIn(VIEWER_TOKEN);
    await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agents' }).click();
    await viewer.getByRole('cell', { name: 'console-enrolled-host' }).waitFor();
    await expect(viewer.getByRole('button', { name: /Revoke|Reset/ }).count()).resolves.toBe(0);
    const refused = await viewer.evaluate(async () => {
      const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const response = await fetch('/api/v1/agents/console-enrolled/reset', { method: 'POST', headers: { 'content-type': 'application/json', 'x-tripline-csrf': session.csrfToken }, body: '{}' });
      return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
    });
    expect(refused).toEqual([403, 'TRIPLINE_FORBIDDEN']);
    await viewer.context().close();

    const admin = await signIn(TEST_ADMIN_TOKEN);
    admin.on('dialog', (dialog) => void dialog.accept());
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agents' }).click();
    const row = admin.locator('tr', { hasText: 'console-enrolled-host' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expectText(admin.getByRole('status'), 'agent console-enrolled revoked');
    await row.getByRole('cell', { name: /^revoked / }).waitFor();
    expect(await report(2)).toBe(403);

    // A revoked id cannot enrol again until it is reset.
    const enrolAgain = async () => (await fetch(`${base}/api/v1/enroll`, { method: 'POST', headers: { authorization: `Bearer ${ENROLLMENT_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ agentId: 'console-enrolled', hostname: 'console-enrolled-host' }) })).status;
    expect(await enrolAgain()).toBe(409);
    await row.getByRole('button', { name: 'Reset' }).click();
    await expectText(admin.getByRole('status'), 'agent console-enrolled reset: console-enrolled-host may enrol again');
    expect(await enrolAgain()).toBe(200);
    const audit = (await api('/api/v1/audit?limit=5')).entries.map((e: { action: string; target: string }) => `${e.action} ${e.target}`);
    expect(audit).toEqual(expect.arrayContaining(['revokeAgent console-enrolled', 'resetAgent console-enrolled']));
    await admin.context().close();
  }, 90_000);

  it('shows an incident with its why and timeline, acknowledges it to the desk, silences, retries a dead delivery; a viewer cannot resolve', async () => {
    await target.close();
    const incident = await waitFor('an incident opens', async () => (await api('/api/v1/incidents?status=open')).incidents[0] as { id: number } | undefined, 30_000);
    await waitFor('the desk has the open', () => webhook.received.some((w) => w.payload.incident.id === incident.id && w.payload.operation === 'open'));

    const page = await signIn(OPERATOR_TOKEN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await page.getByRole('link', { name: `#${incident.id}` }).click();
    await page.getByRole('list', { name: 'Timeline' }).locator('li[data-kind="opened"]').waitFor();
    await expectText(page.getByRole('list', { name: 'Gates, in order' }), 'silence passed');
    // The why-facts read as times and rounded values, and the opening decision's gates are not listed a second time.
    await expectText(page.locator('.facts'), /breaching since.*ago/);
    expect(await page.locator('.facts').textContent()).not.toMatch(/\d{12,}|\.\d{6,}/);
    expect(await page.locator('ol.gates').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'console-incident.png'), fullPage: true });

    // Acknowledge with a comment: the desk receives the update.
    await page.getByLabel('Comment').fill('looking at it from the console');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expectText(page.getByRole('status'), 'acknowledged by config:operatorTokens[0]: looking at it from the console'); // the token's name
    await waitFor('the desk has the update', () => webhook.received.some((w) => w.payload.incident.id === incident.id && w.payload.operation === 'update' && w.payload.incident.status === 'acknowledged'));

    // A viewer sees the incident but cannot resolve it, neither from the page nor with its session.
    const viewer = await signIn(VIEWER_TOKEN);
    await viewer.goto(`${base}/incidents/${incident.id}`);
    await viewer.getByRole('list', { name: 'Timeline' }).waitFor();
    await expect(viewer.getByRole('button', { name: 'Resolve' }).isDisabled()).resolves.toBe(true);
    const viewerWrite = await viewer.evaluate(async (id) => {
      const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const response = await fetch(`/api/v1/incidents/${id}/resolve`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tripline-csrf': session.csrfToken }, body: '{}' });
      return [response.status, ((await response.json()) as { error: { code: string; message: string } }).error];
    }, incident.id);
    expect(viewerWrite).toEqual([403, { code: 'TRIPLINE_FORBIDDEN', message: 'config:viewerTokens[0] has role viewer; POST /api/v1/incidents/:id/resolve needs operator' }]);
    await viewer.context().close();

    // With the operator's session but no CSRF token, a write is refused.
    const noCsrf = await page.evaluate(async (id) => (await fetch(`/api/v1/incidents/${id}/resolve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, incident.id);
    expect(noCsrf).toBe(403);

    // A silence: the preview names the incident, then it is created.
    await page.getByRole('link', { name: 'Silences' }).click();
    await page.getByLabel(/Matchers, one a line/).fill(`host="${HOST}"`);
    await page.getByRole('button', { name: 'Preview' }).click();
    await expectText(page.locator('.preview'), `#${incident.id}`);
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.getByRole('cell', { name: `host="${HOST}"` }).waitFor();
    expect((await api('/api/v1/silences')).silences.map((s: { matchers: string[] }) => s.matchers)).toEqual([[`host="${HOST}"`]]);

    // The desk fails the resolve (one attempt allowed): a dead letter, retried from the console.
    webhook.respondWith = 503;
    await page.goto(`${base}/incidents/${incident.id}`);
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expectText(page.getByRole('status'), 'resolved by hand by config:operatorTokens[0]');
    const dead = await waitFor('the resolve is dead', async () => (await api('/api/v1/deliveries?state=dead')).deliveries.find((d: { operation: string }) => d.operation === 'resolve') as { id: number } | undefined);
    webhook.respondWith = 200;
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.locator(`tr[data-delivery="${dead.id}"]`).getByRole('button', { name: 'Retry' }).click();
    await expectText(page.getByRole('status'), `#${dead.id}`);
    await waitFor('the desk has the resolve', () => webhook.received.some((w) => w.payload.incident.id === incident.id && w.payload.operation === 'resolve'));
    await page.context().close();
  }, 120_000);
});
