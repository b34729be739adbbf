/**
 * The console's accessibility, phone layout and dark mode in a real browser (Debian's chromium via
 * playwright-core) against one collector, agent and webhook desk for the whole file (the console
 * harness), with something on every page: an open incident whose desk delivery is dead, a silence,
 * a maintenance window, the public status page with a degraded service and a notice.
 *
 * - axe-core audits every page (sign-in with and without its error, fleet, host, incidents, an
 *   incident, services, a service, silences and maintenance, deliveries, rules with a candidate's
 *   problems, agents, and the public status page) in light and in dark: any violation fails the test, whatever
 *   its impact (minor included), and the test prints each one's id, impact and target selectors. Dark pages have a dark background and
 *   the host's charts are drawn in the dark palette.
 * - On a phone (390×844, scale 3, touch) no page scrolls sideways: wide tables scroll inside their
 *   own box, the navigation wraps within the screen and charts fit its width.
 * - Keyboard: Tab to the sign-in form, type a token, Enter lands on the fleet; every element Tab
 *   reaches on every page shows a focus indicator; links and buttons work with Enter.
 * Screenshots of phone and dark pages go to the screenshot directory (docs/ with SCREENSHOTS_DIR=docs).
 */
import { join } from 'node:path';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectText } from '../support/browserText.js';
import {
  CONSOLE_ENROLLMENT_TOKEN,
  CONSOLE_HOST as HOST,
  colouredPixels,
  CONSOLE_OPERATOR_TOKEN,
  hasChromium,
  screenshotsDir,
  startConsoleHarness,
  type ConsoleHarness,
} from '../support/consoleHarness.js';
import { REPO_ROOT, TEST_ADMIN_TOKEN, waitFor } from '../support/processes.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// What page.evaluate runs in the page sees the DOM's globals; the tests compile without the DOM library, so they are declared loosely here (module scope).
declare const window: any, document: any;
declare function getComputedStyle(element: any): any;
type Element = any;

const AXE = join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');
const SHOTS = screenshotsDir();
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };
/** The chart palette's first colour in dark mode (console/styles.css --series-1 under prefers-color-scheme: dark). */
const DARK_SERIES_RGB = [96, 165, 250];
const BROKEN_RULE = `rules:\n  - name: broken\n    metric: tcp_up\n    below: one\n    severity: critical\n    summary: 'x'\n`;

interface ConsolePage {
  name: string;
  path: string;
  /** Waits until the page shows its data. */
  ready(page: Page): Promise<void>;
  /** Brings it into a further state worth auditing (a form's errors shown). */
  arrange?(page: Page): Promise<void>;
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

describe.skipIf(!hasChromium)('console accessibility, phone and dark mode in chromium', () => {
  let harness: ConsoleHarness;
  let incidentId = 0;
  let deadId = 0;
  let pages: ConsolePage[] = [];

  const write = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${harness.base}${path}`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
  };

  beforeAll(async () => {
    harness = await startConsoleHarness({ statusPage: true });
    const { api, webhook, target } = harness;
    await write('POST', '/api/v1/silences', { matchers: ['host="elsewhere"'], expiresAt: new Date(Date.now() + 7_200_000).toISOString(), comment: 'moving racks' });
    await write('POST', '/api/v1/maintenance', { cron: '0 3 * * 6', duration: '2h', host: 'elsewhere', comment: 'weekly patching' });
    // An enrolled agent, which the agents page lists for an admin with its actions.
    const enrolled = await fetch(`${harness.base}/api/v1/enroll`, { method: 'POST', headers: { authorization: `Bearer ${CONSOLE_ENROLLMENT_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ agentId: 'a11y-enrolled', hostname: 'a11y-enrolled-host' }) });
    expect(enrolled.status).toBe(200);
    await write('PUT', '/api/v1/status/notice', { text: 'The shop answers slowly; we are on it.' });
    // The desk refuses (one attempt allowed): the incident's open delivery is a dead letter.
    webhook.respondWith = 503;
    await target.close();
    incidentId = (await waitFor('an incident opens', async () => (await api(`/api/v1/incidents?status=open&host=${HOST}`)).incidents[0] as { id: number } | undefined, 30_000)).id;
    deadId = (await waitFor('its delivery is dead', async () => (await api('/api/v1/deliveries?state=dead')).deliveries[0] as { id: number } | undefined, 30_000)).id;
    webhook.respondWith = 200;
    await waitFor('20 s of CPU history', async () => {
      const cpu = (await api(`/api/v1/hosts/${HOST}/series?metric=cpu_usage_ratio&maxPoints=400&from=${Math.floor(Date.now() / 1000) - 120}`)).series[0];
      return cpu && cpu.points.avg.filter((v: number | null) => v !== null).length >= 3;
    }, 40_000, 1000);
    const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();
    pages = [
      { name: 'fleet', path: '/', ready: async (page) => void (await page.locator(`tr[data-host="${HOST}"]`).waitFor()) },
      {
        name: 'host',
        // the last two minutes: the chart's line spans it
        path: `/hosts/${HOST}?range=1h&from=${Math.floor(Date.now() / 1000) - 120}&to=${Math.floor(Date.now() / 1000) + 60}`,
        ready: async (page) => {
          await heading(page, HOST);
          await page.locator('figure.chart canvas').first().waitFor();
          await page.getByRole('heading', { name: 'Checks' }).waitFor();
          await page.locator('table.checks tbody tr').first().waitFor();
        },
      },
      { name: 'incidents', path: '/incidents', ready: async (page) => void (await page.getByRole('link', { name: `#${incidentId}` }).waitFor()) },
      { name: 'incident', path: `/incidents/${incidentId}`, ready: async (page) => void (await page.getByRole('list', { name: 'Timeline' }).locator('li[data-kind="opened"]').waitFor()) },
      {
        name: 'silences and maintenance',
        path: '/silences',
        ready: async (page) => {
          await page.getByRole('cell', { name: 'host="elsewhere"' }).waitFor();
          await page.getByRole('cell', { name: '0 3 * * 6' }).waitFor();
        },
      },
      { name: 'services', path: '/services', ready: async (page) => void (await page.locator('tr[data-service="console-shop"]').waitFor()) },
      { name: 'service', path: '/services/console-shop', ready: async (page) => void (await heading(page, 'Service console-shop')) },
      { name: 'deliveries', path: '/deliveries', ready: async (page) => void (await page.locator(`tr[data-delivery="${deadId}"]`).waitFor()) },
      {
        name: 'rules, with a candidate\'s problems',
        path: '/rules',
        ready: async (page) => void (await page.locator('tr[data-rule="console_port_down"]').waitFor()),
        arrange: async (page) => {
          await page.getByLabel(/Candidate rule file/).fill(BROKEN_RULE);
          await page.getByRole('button', { name: 'Check and backtest' }).click();
          await page.getByRole('list', { name: 'Problems' }).waitFor();
        },
      },
      // an admin sees the enrolled agent with its actions; others the agents that report
      { name: 'agents', path: '/agents', ready: async (page) => void (await page.getByRole('cell', { name: /a11y-enrolled-host|console-e2e-host/ }).first().waitFor()) },
    ];
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  /** axe's violations of the page as it is now, every rule on. */
  const audit = async (page: Page): Promise<Violation[]> => {
    await page.addScriptTag({ path: AXE });
    return page.evaluate(async () => {
      const { violations } = await (window.axe as { run(context: unknown, options: object): Promise<{ violations: Violation[] }> }).run(document, { resultTypes: ['violations'] });
      return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
    });
  };
  /** Every violation, whatever its impact (minor included), one line each: where, rule id, impact, what it asks and the target selectors. */
  const findings = (where: string, violations: Violation[]) => violations.map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);

  /** Runs `check` on the sign-in page (fresh and with its error), every console page (signed in as admin) and the status page, in a context of `options`. */
  const everyPage = async (options: BrowserContextOptions, check: (page: Page, where: string) => Promise<void>) => {
    const context = await harness.browser.newContext({ ...DESKTOP, ...options, bypassCSP: true }); // the console allows only its own scripts: axe goes in past that
    const page = await context.newPage();
    await page.goto(harness.base);
    await page.getByLabel('API token').waitFor();
    await check(page, 'sign-in');
    await page.getByLabel('API token').fill('not-a-token-of-any-role');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByRole('alert'), 'this token grants no role');
    await check(page, 'sign-in refused');
    await page.getByLabel('API token').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor();
    for (const p of pages) {
      await page.goto(`${harness.base}${p.path}`);
      await p.ready(page);
      await p.arrange?.(page);
      await check(page, p.name);
    }
    await context.close();
    // The status page allows no script (its CSP): axe goes in past it.
    const status = await (await harness.browser.newContext({ ...DESKTOP, ...options, bypassCSP: true })).newPage();
    await status.goto(`${harness.base}/status`);
    await expectText(status.locator('li[data-service="console-shop"] .state'), { exact: 'Degraded' });
    await check(status, 'status page');
    await status.context().close();
  };

  it('has no axe violation of any impact on any page in light mode', async () => {
    const found: string[] = [];
    await everyPage({ colorScheme: 'light' }, async (page, where) => void found.push(...findings(where, await audit(page))));
    expect(found).toEqual([]);
  }, 180_000);

  it('is dark in dark mode, with no axe violation (contrast included) and charts in the dark palette', async () => {
    const found: string[] = [];
    const light: string[] = [];
    await everyPage({ colorScheme: 'dark' }, async (page, where) => {
      found.push(...findings(where, await audit(page)));
      const luminance = await page.evaluate(() => {
        const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g)!.map(Number).map((c: number) => c / 255).map((c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      });
      if (luminance > 0.05) light.push(`${where}: background luminance ${luminance.toFixed(3)}`);
      if (where === 'host') {
        const cpu = page.locator('figure.chart', { has: page.locator('figcaption', { hasText: /^CPU$/ }) }).locator('canvas');
        expect(await colouredPixels(cpu, DARK_SERIES_RGB), 'pixels of the dark palette on the CPU chart').toBeGreaterThan(20);
        await page.screenshot({ path: join(SHOTS, 'console-host-dark.png') });
      }
      if (where === 'incident') await page.screenshot({ path: join(SHOTS, 'console-incident-dark.png'), fullPage: true });
      if (where === 'status page') await page.screenshot({ path: join(SHOTS, 'status-dark.png') });
    });
    expect(found).toEqual([]);
    expect(light).toEqual([]);
  }, 180_000);

  it('fits a phone: axe-clean, no page scrolls sideways, tables scroll in their own box, the navigation and charts fit the screen', async () => {
    const problems: string[] = [];
    await everyPage(PHONE, async (page, where) => {
      problems.push(...findings(`${where} (phone)`, await audit(page)));
      const layout = await page.evaluate(() => {
        const width = window.innerWidth;
        const outside = (element: Element) => {
          const box = element.getBoundingClientRect();
          return box.width > 0 && (box.left < -1 || box.right > width + 1);
        };
        const scrolls = (element: Element | null): boolean => {
          for (let e = element; e && e !== document.body; e = e.parentElement) if (['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.getBoundingClientRect().right <= width + 1) return true;
          return false;
        };
        return {
          width,
          scrollWidth: document.scrollingElement!.scrollWidth,
          navOutside: [...document.querySelectorAll('header a, header button, nav a')].filter(outside).map((e: Element) => e.textContent),
          chartsOutside: [...document.querySelectorAll('figure.chart, figure.chart canvas')].filter(outside).length,
          tablesUnboxed: [...document.querySelectorAll('table')].filter((t: Element) => outside(t) && !scrolls(t.parentElement)).map((t) => t.getAttribute('aria-label') || t.className || t.closest('section')?.querySelector('h1')?.textContent || 'table'),
        };
      });
      if (where === 'fleet') {
        // The hosts table is wider than a phone: it scrolls in its own box, which a keyboard can reach.
        const box = page.getByRole('region', { name: 'Hosts' });
        await expect(box.getAttribute('tabindex')).resolves.toBe('0');
        expect(await box.evaluate((e: Element) => e.scrollWidth > e.clientWidth)).toBe(true);
      }
      if (layout.scrollWidth > layout.width) problems.push(`${where}: the page scrolls sideways (${layout.scrollWidth} > ${layout.width})`);
      if (layout.navOutside.length > 0) problems.push(`${where}: off screen: ${layout.navOutside.join(', ')}`);
      if (layout.chartsOutside > 0) problems.push(`${where}: ${layout.chartsOutside} chart(s) wider than the screen`);
      if (layout.tablesUnboxed.length > 0) problems.push(`${where}: wide table(s) not in a scrolling box: ${layout.tablesUnboxed.join(', ')}`);
      if (where === 'fleet' || where === 'host' || where === 'incident') await page.screenshot({ path: join(SHOTS, `console-${where}-phone.png`) });
    });
    expect(problems).toEqual([]);
  }, 180_000);

  it('works by keyboard: Tab to sign in, Enter to submit, a visible focus on everything Tab reaches, Enter on links and buttons', async () => {
    const page = await (await harness.browser.newContext(DESKTOP)).newPage();
    await page.goto(harness.base);
    await page.getByLabel('API token').waitFor();
    await tabTo(page, (e) => e.name === 'token');
    await page.keyboard.type(CONSOLE_OPERATOR_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor();

    // Every element Tab reaches, on every page, shows where the focus is.
    const unmarked: string[] = [];
    for (const p of pages) {
      await page.goto(`${harness.base}${p.path}`);
      await p.ready(page);
      const seen = new Set<string>();
      for (let i = 0; i < 250; i++) {
        await page.keyboard.press('Tab');
        const focus = await focusOf(page);
        if (focus === null || seen.has(focus.path)) break;
        seen.add(focus.path);
        if (!focus.indicated) unmarked.push(`${p.name}: ${focus.path} (${focus.text})`);
      }
      expect(seen.size, `${p.name}: elements Tab reaches`).toBeGreaterThan(3);
    }
    expect(unmarked).toEqual([]);

    // Links and buttons work from the keyboard: to the incident by its link, acknowledge it with Enter.
    await page.goto(`${harness.base}/`);
    await page.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor();
    await tabTo(page, (e) => e.text === 'Incidents');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Incidents' }).waitFor();
    // A page change without a reload names the page in the title and puts the focus at its content
    // (in an effect, which runs after the new page is painted: polled, not read once the heading shows).
    await expect.poll(() => page.evaluate(() => [document.title, document.activeElement?.id]), { timeout: 5_000 }).toEqual(['Incidents · Tripline', 'main']);
    await tabTo(page, (e) => e.text === `#${incidentId}`);
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'Timeline' }).waitFor();
    await tabTo(page, (e) => e.name === 'comment');
    await page.keyboard.type('seen from the keyboard');
    await tabTo(page, (e) => e.text === 'Acknowledge');
    await page.keyboard.press('Enter');
    await expectText(page.getByRole('status'), 'seen from the keyboard');
    await page.context().close();
  }, 180_000);
});

interface Focused {
  /** A CSS-like path of the focused element, unique enough to tell when Tab came round again. */
  path: string;
  text: string;
  name: string;
  /** Whether it shows an outline of 2 px or more, or a box shadow. */
  indicated: boolean;
}

async function focusOf(page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body || element === document.documentElement) return null;
    const path: string[] = [];
    for (let e: Element | null = element; e && e !== document.body; e = e.parentElement) path.unshift(`${e.tagName.toLowerCase()}:${e.parentElement ? [...e.parentElement.children].indexOf(e) : 0}`);
    const style = getComputedStyle(element);
    // the console's own ring (2 px), not only the browser's default
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    return { path: path.join('>'), text: (element.textContent ?? '').trim().slice(0, 40), name: element.getAttribute('name') ?? '', indicated: outline || shadow };
  });
}

/** Presses Tab until the focused element is the one `wanted` picks (at most 100 times). */
async function tabTo(page: Page, wanted: (focused: Focused) => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await page.keyboard.press('Tab');
    const focus = await focusOf(page);
    if (focus && wanted(focus)) return;
  }
  throw new Error('Tab never reached the element');
}
