/**
 * The web console's browser-test set-up, shared by the test files of test/console: a collector and
 * an agent spawned from the compiled CLI (a TCP check on a loopback target the test can take down,
 * one threshold rule on it), a webhook desk on loopback, and Debian's chromium driven by
 * playwright-core (headless, no sandbox as root). One harness serves every test of a file.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { asAdmin, freePort, REPO_ROOT, spawnTripline, startTcpTarget, startWebhookReceiver, waitFor, type TriplineProcess, type WebhookReceiver } from './processes.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export const CONSOLE_SECRET = 'console-webhook-secret-value';
export const CONSOLE_AGENT_TOKEN = 'console-agent-token-0123456789';
export const CONSOLE_OPERATOR_TOKEN = 'console-operator-token-0123456789';
export const CONSOLE_VIEWER_TOKEN = 'console-viewer-token-0123456789';
export const CONSOLE_ENROLLMENT_TOKEN = 'console-enrollment-token-0123456789';
export const CONSOLE_HOST = 'console-e2e-host';
/** The rule on the target's check: firing (for 1 s) once the target is closed. */
export const CONSOLE_RULE = 'console_port_down';

/**
 * Where the browser tests put their screenshots: a temporary directory, or the directory
 * `SCREENSHOTS_DIR` names (relative to the repository: `SCREENSHOTS_DIR=docs npx vitest run
 * test/console` refreshes the README's images), so a test run leaves the checkout clean.
 */
export function screenshotsDir(): string {
  return process.env.SCREENSHOTS_DIR ? join(REPO_ROOT, process.env.SCREENSHOTS_DIR) : mkdtempSync(join(tmpdir(), 'tripline-console-shots-'));
}

export interface ConsoleHarness {
  /** The collector's base URL (`http://127.0.0.1:<port>`). */
  base: string;
  /** The temporary directory of the config, rules, data and logs. */
  dir: string;
  webhook: WebhookReceiver;
  /** The TCP target the agent checks: close it and the rule fires. */
  target: { port: number; close(): Promise<void> };
  browser: Browser;
  /** A GET of the API as admin, answered as JSON. */
  api(path: string): Promise<Record<string, any>>;
  /** A new browser context (desktop 1280×900 unless `context` says otherwise) signed in with `token` through the sign-in form. */
  signIn(token: string, context?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

export interface ConsoleHarnessOptions {
  /** Serve the public status page (`collector.statusPage`) with a service of the target's check. */
  statusPage?: boolean;
}

export async function startConsoleHarness(options: ConsoleHarnessOptions = {}): Promise<ConsoleHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-console-'));
  const webhook = await startWebhookReceiver(CONSOLE_SECRET);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const target = await startTcpTarget();
  const configFile = join(dir, 'tripline.yaml');
  writeFileSync(
    join(dir, 'rules.yaml'),
    `rules:
  - name: ${CONSOLE_RULE}
    metric: tcp_up
    matchers: ['target="console-target"']
    below: 1
    for: 1s
    severity: critical
    summary: 'Port {{ labels.target }} on {{ labels.host }} is down'
`,
  );
  const statusPage = options.statusPage
    ? `  statusPage: { enabled: true, title: Console test status }
services:
  console-shop:
    description: The service behind the checked port
    members: { matchers: ['target="console-target"'] }
`
    : '';
  writeFileSync(
    configFile,
    `dataDir: ${join(dir, 'data')}
log: { level: info }
agent:
  collectorUrl: ${base}
  token: '${CONSOLE_AGENT_TOKEN}'
  hostname: ${CONSOLE_HOST}
  interval: 1s
  # Tests send traffic only to loopback: no ping of this machine's real default gateway.
  ping: { gateway: false }
  sendTimeout: 2s
  tcp:
    targets: [{ name: console-target, host: 127.0.0.1, port: ${target.port}, timeout: 500ms }]
desks:
  - type: webhook
    name: ops
    url: ${webhook.url}
    timeout: 2s
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms, maxAttempts: 1, coalesceWindow: 0s }
incidents: { reopenWindow: 0s, reachability: { enabled: false }, operatorTokens: ['${CONSOLE_OPERATOR_TOKEN}'] }
collector:
  listen: { host: 127.0.0.1, port: ${port} }
  agentTokens: ['${CONSOLE_AGENT_TOKEN}']
  enrollmentTokens: ['${CONSOLE_ENROLLMENT_TOKEN}']
  viewerTokens: ['${CONSOLE_VIEWER_TOKEN}']
  rules: [rules.yaml]
  evaluationInterval: 1s
${statusPage}`,
  );
  let collector: TriplineProcess | undefined;
  let agent: TriplineProcess | undefined;
  let browser: Browser | undefined;
  const api = async (path: string) => (await fetch(`${base}${path}`, asAdmin)).json() as Promise<Record<string, any>>;
  const close = async () => {
    await browser?.close();
    await agent?.kill('SIGTERM');
    await collector?.kill('SIGTERM');
    await webhook.close();
    await target.close().catch(() => undefined);
  };
  try {
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'), { TRIPLINE_DESK_OPS_SECRET: CONSOLE_SECRET });
    await waitFor('collector ready', async () => (await fetch(`${base}/readyz`)).ok);
    agent = spawnTripline(['agent', '--config', configFile], join(dir, 'agent.log'));
    await waitFor('agent reports arriving', async () => (await api('/api/v1/hosts')).hosts.length === 1);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  } catch (error) {
    await close();
    throw error;
  }
  const launched = browser;
  return {
    base,
    dir,
    webhook,
    target,
    browser: launched,
    api,
    async signIn(token, context = {}) {
      const page = await (await launched.newContext({ viewport: { width: 1280, height: 900 }, ...context })).newPage();
      await page.goto(base);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      return page;
    },
    close,
  };
}

/** How many pixels of the canvas `canvas` finds are of colour `rgb` (within 20 a channel, mostly opaque): a chart drew its line in that colour. */
export async function colouredPixels(canvas: Locator, rgb: readonly number[]): Promise<number> {
  await canvas.first().waitFor();
  return canvas.first().evaluate((element, colour: readonly number[]) => {
    const c = element as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - colour[0]!) < 20 && Math.abs(data[i + 1]! - colour[1]!) < 20 && Math.abs(data[i + 2]! - colour[2]!) < 20 && data[i + 3]! > 100) n++;
    return n;
  }, rgb);
}
