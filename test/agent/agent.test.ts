/**
 * The agent end to end on loopback: started against a stub collector it reports on its interval
 * with consecutive sequence numbers, carries ping results from its own schedule, and stop() lets an
 * upload in flight finish before persisting state. Where a test asserts the interval or the
 * event-loop delay, the agent's tickers run on a manual clock that the test steps one interval at a
 * time (a busy machine can delay a report then, but not change what it carries).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PingResponse } from 'ping';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { createAgent, type Agent, type AgentOptions } from '../../agent/agent.js';
import { REPORTS_PATH } from '../../contract/report.js';
import { agentStateFile } from '../../agent/lifecycle/agentState.js';
import { createProcReader, type ProcReader } from '../../agent/procfs/procReader.js';
import { startCollectorStub, type CollectorStub } from './collectorStub.js';
import { createManualTime, type ManualTime } from './manualTime.js';
import { reportSchemaErrors } from './reportValidator.js';
import { parseDurationMs } from '../../config/duration.js';

const TOKEN = 'agent-test-token-0123456789abcdef';

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The agent's clocks and timers on `time`: wall-clock timestamps move with it from now. */
function onManualTime(time: ManualTime): Pick<AgentOptions, 'clock' | 'monotonicMs' | 'timers'> {
  const epochMs = Date.now() - time.nowMs();
  return { clock: () => new Date(epochMs + time.nowMs()), monotonicMs: time.nowMs, timers: time.timers };
}

/**
 * Once all `tickers` have scheduled their next run, steps `time` one 1 s interval, and waits for the
 * collector to hold `count` reports.
 */
async function nextInterval(time: ManualTime, tickers: number, count: number, received: () => number): Promise<void> {
  await waitFor(`${tickers} tickers scheduled`, () => time.pending() >= tickers);
  await time.advance(1000);
  await waitFor(`${count} reports`, () => received() >= count);
}

const pinger = async (): Promise<PingResponse> => ({
  inputHost: 'gw', host: 'gw', alive: true, output: '', time: 3, times: [3], min: '3', max: '3', avg: '3.000', stddev: '0', packetLoss: '0.000',
});

describe('agent', () => {
  let collector: CollectorStub | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    await collector?.close();
  });

  function makeAgent(dataDir: string, patch: (c: ReturnType<typeof loadConfig>['config']['agent']) => void = () => {}, extra: Partial<AgentOptions> = {}) {
    const { config } = loadConfig(undefined, {});
    config.agent.collectorUrl = collector!.url;
    config.agent.token = TOKEN;
    config.agent.interval = parseDurationMs('1s');
    config.agent.labels = { role: 'test' };
    patch(config.agent);
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    return { agent: createAgent({ config: config.agent, dataDir, log, version: '1.2.3', pinger, ...extra }), lines };
  }

  it('reports on its interval with consecutive sequences, identity, and ping results from its own schedule', async () => {
    collector = await startCollectorStub();
    const dataDir = mkdtempSync(join(tmpdir(), 'tripline-agent-'));
    const time = createManualTime();
    const made = makeAgent(
      dataDir,
      (c) => {
        c.ping.targets = [{ name: 'gw', host: '192.0.2.1' }];
        c.ping.interval = parseDurationMs('1s');
      },
      onManualTime(time),
    );
    agent = made.agent;
    await agent.start();
    for (const count of [2, 3]) await nextInterval(time, 2, count, () => collector!.received.length);
    await agent.stop();
    const reports = collector.received.map((r) => r.report);

    expect(reports.map((r) => r.sequence)).toEqual(reports.map((_, i) => i));
    for (const report of reports) expect(reportSchemaErrors(report)).toEqual([]);
    const { addresses, defaultGateway, ...identity } = reports[0]!.agent;
    expect(identity).toEqual({
      id: JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).agentId,
      hostname: hostname(),
      version: '1.2.3',
      intervalSeconds: 1,
      labels: { role: 'test' },
    });
    // This machine's own addresses and gateway, read from getifaddrs and /proc/net/route.
    for (const address of addresses ?? []) expect(isIP(address)).not.toBe(0);
    if (defaultGateway !== undefined) expect(isIP(defaultGateway)).not.toBe(0);
    expect(collector.received.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // Rates need two samples: the first report has none, later ones do.
    expect(reports[0]!.observations.some((o) => o.metric === 'cpu_usage_ratio')).toBe(false);
    expect(reports[1]!.observations.some((o) => o.metric === 'cpu_usage_ratio')).toBe(true);
    expect(reports.flatMap((r) => r.observations).filter((o) => o.metric === 'ping_rtt_seconds').map((o) => [o.labels.target, o.value])).toContainEqual(['gw', 0.003]);
    expect(reports[1]!.checks.filter((c) => c.name.startsWith('probe:')).every((c) => c.status === 'ok')).toBe(true);
    // Reports 2 s apart at most: the interval is honoured.
    const sentAt = reports.map((r) => Date.parse(r.sentAt));
    expect(sentAt[2]! - sentAt[1]!).toBeGreaterThan(700);
    expect(sentAt[2]! - sentAt[1]!).toBeLessThan(2000);
    expect(made.lines.join('\n')).not.toContain(TOKEN);
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).nextSequence).toBeGreaterThanOrEqual(reports.length);
  });

  it('stop() waits for an upload in flight to be acknowledged', async () => {
    collector = await startCollectorStub();
    collector.replies = [{ status: 200, delayMs: 500 }];
    const made = makeAgent(mkdtempSync(join(tmpdir(), 'tripline-agent-')), (c) => {
      c.interval = parseDurationMs('1m');
    });
    agent = made.agent;
    await agent.start();
    await waitFor('the upload to arrive', () => collector!.received.length === 1);
    const started = performance.now();
    await agent.stop();
    expect(performance.now() - started).toBeGreaterThan(300);
    expect(collector.answered).toBe(1);
    const stopped = made.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'agent stopped');
    expect(stopped).toMatchObject({ drained: true, unsentReports: 0 });
  });

  it('keeps collecting while the collector is down and delivers the backlog in order when it returns', async () => {
    collector = await startCollectorStub();
    const port = collector.port;
    await collector.close();
    const made = makeAgent(mkdtempSync(join(tmpdir(), 'tripline-agent-')));
    agent = made.agent;
    await agent.start();
    await new Promise((resolve) => setTimeout(resolve, 2200));
    collector = await startCollectorStub(port);
    await waitFor('the backlog and a fresh report', () => collector!.received.length >= 4);
    const sequences = collector.received.map((r) => r.report.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => i));
  });

  it('reports how long its own work blocked the event loop, and about nothing when it did not', async () => {
    collector = await startCollectorStub();
    const real = createProcReader();
    const time = createManualTime();
    let blockMs = 0;
    const proc: ProcReader = {
      read(path) {
        // A synchronous 120 ms block inside the cycle, as a pathological /proc read would be.
        if (path === 'loadavg' && blockMs > 0) time.block(blockMs);
        return real.read(path);
      },
      readOnce: (path) => real.readOnce(path),
      list: (path) => real.list(path),
    };
    const { config } = loadConfig(undefined, {});
    Object.assign(config.agent, { collectorUrl: collector.url, token: TOKEN, interval: parseDurationMs('1s') });
    config.agent.ping.gateway = false;
    config.agent.inventory.enabled = false;
    agent = createAgent({ config: config.agent, dataDir: mkdtempSync(join(tmpdir(), 'tripline-agent-')), log: pino({ level: 'silent' }), version: 't', proc, ...onManualTime(time) });
    await agent.start();
    const received = () => collector!.received.length;
    for (const count of [2, 3]) await nextInterval(time, 1, count, received); // two quiet reports after the first
    blockMs = 120;
    for (const count of [4, 5, 6]) await nextInterval(time, 1, count, received); // blocked cycles
    const delays = collector.received.map((r) => r.report.observations.find((o) => o.metric === 'agent_event_loop_delay_max_seconds')!.value);
    // Report n carries the delay measured during cycle n-1 and the start of cycle n.
    expect(Math.max(...delays.slice(1, 3))).toBeLessThan(0.08);
    expect(Math.max(...delays.slice(4))).toBeGreaterThanOrEqual(0.08);
  });

  // Real time: on a manual clock the CPU counters of /proc/stat do not move between cycles, so the
  // CPU ratios come and go and the series with them.
  it('sends values against the series set the collector names, and a report the restarted collector has no set for again in full', async () => {
    collector = await startCollectorStub(0, { seriesSets: true });
    agent = makeAgent(mkdtempSync(join(tmpdir(), 'tripline-agent-')), (c) => {
      c.ping.gateway = false;
      c.inventory.enabled = false;
    }).agent;
    await agent.start();
    const isCompact = (r: { report: { seriesSet?: string } }) => r.report.seriesSet !== undefined;
    // Rates appear from the second report on: the series settle after a cycle or two.
    const firstCompact = await waitFor('a report as values', () => collector!.received.findIndex(isCompact) + 1, 15_000);
    expect(collector.received.slice(0, firstCompact - 1).every((r) => r.report.wantsSeriesSet === true)).toBe(true);

    collector.seriesSets!.forget(); // the collector restarted
    const before = collector.received.length;
    await waitFor('a report sent twice', () => collector!.received.length >= before + 2, 5000);
    const [refused, resent] = collector.received.slice(before);
    expect(isCompact(refused!)).toBe(true);
    expect(refused!.stored).toBeUndefined();
    expect(resent!.report).toMatchObject({ sequence: refused!.report.sequence, wantsSeriesSet: true });
    expect(resent!.report.observations.length).toBe(refused!.report.values!.length);
    await waitFor('values again', () => collector!.received.length > before + 2 && isCompact(collector!.received.at(-1)!), 5000);
    await agent.stop();

    for (const { report, stored } of collector.received) {
      expect(reportSchemaErrors(report)).toEqual([]);
      if (stored !== undefined) expect(stored.observations.length).toBeGreaterThan(10);
    }
    // Each report stored once, in order.
    const stored = collector.received.filter((r) => r.stored !== undefined).map((r) => r.report.sequence);
    expect(stored).toEqual(stored.map((_, i) => i));
  });

  it('refuses to start again after stop', async () => {
    collector = await startCollectorStub();
    agent = makeAgent(mkdtempSync(join(tmpdir(), 'tripline-agent-'))).agent;
    await agent.start();
    await agent.stop();
    await expect(agent.start()).rejects.toThrow(/stopped/);
  });
});
