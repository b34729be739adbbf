/**
 * `npm run bench:console`: the console's reads on a seeded fleet, timed through a real collector's
 * HTTP API on loopback, and the fleet page rendered in Debian's chromium.
 *
 * Seeds a temporary SQLite database through the store: `--hosts` hosts (default 1,000); the fleet's
 * first page of 100 hosts reports every 15 s (18 observations each) for the last 2 hours, the first of
 * them for `--days` days (default 30), the others once each; compacted into history as the collector's
 * upkeep does (`collector.compactAfter`, so the last 10 to 70 minutes are hot reports, as on a
 * running collector). Then times, each `--runs` times (median and worst printed, round trip and the
 * server's own time from its Server-Timing header, summed over a page's requests):
 * - one host's CPU over 1 h, 24 h, 7 d and 30 d (`/api/v1/hosts/{host}/series`, 600 steps; target for
 *   7 d: 50 ms), and the host page's request (every chart's metrics, 400 steps, as the console asks)
 *   over the same ranges; against the peer path of the same run: the store's raw read of that one
 *   series over 7 d (`querySeries`);
 * - the fleet page's data as the console loads it: the first page of rows with the status counts over
 *   the whole fleet (`/api/v1/fleet`), then the CPU trend lines of that page's 100 hosts
 *   (`/api/v1/fleet/trend`), each alone and the two together (target 100 ms);
 * - in chromium (when /usr/bin/chromium exists): from navigation to the fleet page's 100 rows.
 * Figures only; nothing is asserted: a line after each target says whether the server met it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startCollector } from '../collector/collector.js';
import { databasePath } from '../collector/store/sqlite/databasePath.js';
import { openSqliteStore } from '../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord } from '../collector/store/store.js';
import { parseDurationMs } from '../config/duration.js';
import { loadConfig } from '../config/loadConfig.js';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '1000' }, days: { type: 'string', default: '30' }, runs: { type: 'string', default: '15' } } });
const HOSTS = Number(values.hosts);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const INTERVAL_MS = 15_000;
const NOW = Date.now();
const VIEWER_TOKEN = 'bench-console-viewer-token-0123';
/** Hosts of the fleet's first page (the console's page size), which report every 15 s over the last 2 hours. */
const PAGE = 100;
const HOT_SPAN_MS = 2 * 3_600_000;
/** The step the console's host page asks for each range (console/pages/HostPage.tsx, RANGES). */
const HOST_PAGE_STEP: Record<string, string> = { '1 h': '', '24 h': '', '7 d': '&step=3600', '30 d': '&step=3600' };
/** The metrics the console's host page asks for (console/charts.ts, HOST_CHART_METRICS); the seed writes 12 of them. */
const HOST_PAGE_METRICS = ['cpu_usage_ratio', 'cpu_iowait_ratio', 'cpu_steal_ratio', 'load1', 'load5', 'load15', 'memory_used_bytes', 'memory_available_bytes', 'swap_used_bytes', 'swap_in_pages_per_second', 'swap_out_pages_per_second', 'filesystem_used_ratio', 'disk_read_bytes_per_second', 'disk_written_bytes_per_second', 'disk_read_latency_seconds', 'disk_write_latency_seconds', 'network_receive_bytes_per_second', 'network_transmit_bytes_per_second', 'temperature_celsius'];
const hostname = (i: number) => `host-${String(i).padStart(5, '0')}`;

function samples(host: string, atMs: number, step: number): ReportRecord['samples'] {
  const wave = (k: number) => 0.3 + 0.2 * Math.sin((step + k * 17) / 40);
  const list: Array<{ metric: string; labels: Record<string, string>; value: number; atMs: number }> = [
    { metric: 'cpu_usage_ratio', labels: { host }, value: wave(0), atMs },
    { metric: 'cpu_iowait_ratio', labels: { host }, value: wave(1) / 10, atMs },
    { metric: 'load1', labels: { host }, value: wave(2) * 4, atMs },
    { metric: 'memory_used_bytes', labels: { host }, value: 4e9 * wave(3), atMs },
    { metric: 'swap_used_bytes', labels: { host }, value: 1e6, atMs },
  ];
  for (const mount of ['/', '/var', '/home']) list.push({ metric: 'filesystem_used_ratio', labels: { host, mount }, value: wave(4), atMs });
  for (const device of ['sda', 'sdb']) {
    for (const metric of ['disk_read_bytes_per_second', 'disk_written_bytes_per_second', 'disk_read_latency_seconds', 'disk_write_latency_seconds']) list.push({ metric, labels: { host, device }, value: wave(5) * 1e6, atMs });
  }
  for (const metric of ['network_receive_bytes_per_second', 'network_transmit_bytes_per_second']) list.push({ metric, labels: { host, interface: 'eth0' }, value: wave(6) * 1e7, atMs });
  return list;
}

function report(host: string, sequence: number, atMs: number): ReportRecord {
  return { agentId: `agent-${host}`, hostname: host, labels: { group: `g${sequence % 7}` }, version: '0.1.0', intervalSeconds: 15, sequence, receivedAtMs: atMs, samples: samples(host, atMs, sequence), checks: [] };
}

function seed(dataDir: string, compactAfterMs: number): void {
  const store = openSqliteStore({ file: databasePath(dataDir) });
  const started = performance.now();
  const reports = Math.floor((DAYS * 86_400_000) / INTERVAL_MS);
  const hot = Math.floor(HOT_SPAN_MS / INTERVAL_MS);
  const busy = hostname(0);
  for (let from = 0; from < reports; from += 2000) {
    store.transaction((tx) => {
      for (let i = from; i < Math.min(reports, from + 2000); i++) tx.insertReport(report(busy, i + 1, NOW - (reports - i) * INTERVAL_MS));
    });
  }
  for (let h = 1; h < Math.min(PAGE, HOSTS); h++) {
    // Each host's reports a few seconds apart from the others', as agents started at different times send them.
    store.transaction((tx) => {
      for (let i = 0; i < hot; i++) tx.insertReport({ ...report(hostname(h), i + 1, NOW - (hot - i) * INTERVAL_MS + (h % 15) * 1000 - 15_000), labels: { group: `g${h % 7}` } });
    });
  }
  store.transaction((tx) => {
    for (let h = PAGE; h < HOSTS; h++) tx.insertReport({ ...report(hostname(h), 1, NOW - (h % 50 === 0 ? 3_600_000 : 5_000)), labels: { group: `g${h % 7}` } });
  });
  let compacted = 0;
  while (store.compactHistory(NOW - compactAfterMs) !== undefined) compacted++;
  store.close();
  console.log(
    `seeded ${HOSTS} hosts; ${hostname(0)} with ${reports} reports over ${DAYS} days, ${Math.min(PAGE, HOSTS) - 1} more with ${hot} over 2 h (${samples('x', 0, 0).length} observations each), ` +
      `${compacted} blocks compacted (those ended ${compactAfterMs / 60_000} min ago), in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** The server's own time of the API answers of one run (their Server-Timing headers, summed), in ms. */
let lastServerMs: number | undefined;
/** The server's median of the last `timed` call, when every run had one. */
let lastServerMedian: number | undefined;

async function timed(what: string, runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < runs; i++) {
    lastServerMs = undefined;
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    if (lastServerMs !== undefined) server.push(lastServerMs);
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  const worst = (list: number[]) => Math.max(...list);
  lastServerMedian = server.length === runs ? median(server) : undefined;
  const serverText = server.length === runs ? `   server median ${median(server).toFixed(1).padStart(6)} ms, worst ${worst(server).toFixed(1).padStart(6)} ms` : '';
  console.log(`${what.padEnd(66)} median ${median(times).toFixed(1).padStart(7)} ms   worst ${worst(times).toFixed(1).padStart(7)} ms${serverText}   (${runs} runs)`);
  return median(times);
}

/** Whether the last `timed` call's server median met `targetMs`. */
function target(what: string, targetMs: number): void {
  if (lastServerMedian === undefined) return;
  console.log(`  ${what}: server median ${lastServerMedian.toFixed(1)} ms against a target of ${targetMs} ms: ${lastServerMedian <= targetMs ? 'met' : 'NOT met'}`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripline-bench-console-'));
  try {
    const { config } = loadConfig(undefined, {});
    seed(dataDir, config.collector.compactAfter);
    config.dataDir = dataDir;
    config.collector.listen.port = 0;
    config.collector.viewerTokens = [VIEWER_TOKEN];
    config.collector.agentTokens = ['bench-console-agent-token-0123'];
    config.collector.retention = parseDurationMs(`${DAYS + 1}d`);
    config.incidents.reachability.enabled = false;
    const collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
    try {
      const get = async (path: string) => {
        const response = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
        const timing = /dur=([0-9.]+)/.exec(response.headers.get('server-timing') ?? '');
        if (timing) lastServerMs = (lastServerMs ?? 0) + Number(timing[1]);
        return response.json() as Promise<Record<string, unknown>>;
      };
      const busy = hostname(0);
      const ranges: Array<[string, number]> = ([['1 h', 3_600_000], ['24 h', 86_400_000], ['7 d', 7 * 86_400_000], ['30 d', 30 * 86_400_000]] as Array<[string, number]>).filter(([, ms]) => ms <= DAYS * 86_400_000);
      const cpu7d = new Map<string, number>();
      for (const [name, spanMs] of ranges) {
        const from = Math.floor((NOW - spanMs) / 1000);
        cpu7d.set(name, await timed(`history API: ${busy} CPU over ${name} (600 steps)`, RUNS, () => get(`/api/v1/hosts/${busy}/series?metric=cpu_usage_ratio&from=${from}&maxPoints=600`)));
        if (name === '7 d') target("one host's CPU over 7 d", 50);
      }
      for (const [name, spanMs] of ranges) {
        const from = Math.floor((NOW - spanMs) / 1000);
        await timed(`history API: ${busy} host page, every chart's metrics over ${name}`, Math.max(3, Math.floor(RUNS / 3)), () => get(`/api/v1/hosts/${busy}/series?metric=${HOST_PAGE_METRICS.join(',')}&from=${from}${HOST_PAGE_STEP[name]}&maxPoints=400`));
      }
      if (cpu7d.has('7 d')) {
        const raw = await timed(`peer: store.querySeries, the same series raw over 7 d`, RUNS, () => collector.store.querySeries('cpu_usage_ratio', { host: busy }, NOW - 7 * 86_400_000, NOW));
        console.log(`  ratio history API (7 d) / raw read: ${(cpu7d.get('7 d')! / raw).toFixed(2)}`);
      }
      // The fleet page's requests, as console/pages/FleetPage.tsx makes them: the rows, then the trends of the hosts they name.
      const rows = () => get(`/api/v1/fleet?offset=0&limit=${PAGE}`) as Promise<{ hosts: Array<{ hostname: string }> }>;
      const trends = (hosts: Array<{ hostname: string }>) => get(`/api/v1/fleet/trend?metric=cpu_usage_ratio&hosts=${encodeURIComponent(hosts.map((h) => h.hostname).join(','))}`);
      await timed(`fleet API: first page of ${HOSTS} hosts with status counts`, RUNS, rows);
      await timed(`fleet API: filtered by label group=g3`, RUNS, () => get(`/api/v1/fleet?offset=0&limit=${PAGE}&labels=group=g3`));
      const firstPage = (await rows()).hosts;
      await timed(`fleet trend: CPU of the page's ${firstPage.length} hosts, last hour`, RUNS, () => trends(firstPage));
      await timed(`fleet page data: rows, counts and trends (the two requests)`, RUNS, async () => trends((await rows()).hosts));
      target(`the fleet page's data for ${HOSTS} hosts`, 100);
      await browserFleet(collector.url);
    } finally {
      await collector.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** From navigation to the fleet page's first 100 rows, in chromium, signed in as a viewer. */
async function browserFleet(base: string): Promise<void> {
  const executablePath = '/usr/bin/chromium';
  if (!existsSync(executablePath)) return console.log('chromium not installed: browser figures skipped');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('API token').fill(VIEWER_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('tr[data-host]').nth(Math.min(99, HOSTS - 1)).waitFor();
    await timed(`browser: fleet page of ${HOSTS} hosts, navigation to 100 rows`, Math.max(3, Math.floor(RUNS / 3)), async () => {
      await page.goto(`${base}/?reload=${Math.random()}`);
      await page.locator('tr[data-host]').nth(Math.min(99, HOSTS - 1)).waitFor();
    });
    // From the click to the other page's rows, alternately Next (rows 101-200) and Previous (1-100): the
    // page change alone, without the navigation timed above.
    await page.goto(`${base}/`);
    await page.locator('tr[data-host]').nth(Math.min(99, HOSTS - 1)).waitFor();
    let onFirst = true;
    await timed(`browser: page change (Next / Previous, click to 100 rows)`, Math.max(4, Math.floor(RUNS / 3)), async () => {
      await page.getByRole('button', { name: onFirst ? 'Next' : 'Previous' }).click();
      await page.locator(`tr[data-host="${hostname(onFirst ? 100 : 0)}"]`).waitFor();
      onFirst = !onFirst;
    });
  } finally {
    await browser.close();
  }
}

await main();
