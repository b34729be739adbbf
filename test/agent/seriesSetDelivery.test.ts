/**
 * Reports against a series set, through the real sender to a stub collector on loopback that names
 * and keeps sets as the collector does: the answer's set is adopted and later reports go as values;
 * a collector that does not keep the set (409 TRIPLINE_UNKNOWN_SERIES_SET) gets the same report in
 * full at once; the spool and the set-aside reports only ever hold full reports; another collector
 * gets a compact report in full; an old collector, which names no set, gets full reports throughout.
 */
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation, Report } from '../../contract/report.js';
import { buildReport, seriesOf, type ReportSeries, type SeriesSet } from '../../agent/report/reportBuilder.js';
import { createMemoryReportQueue } from '../../agent/transport/memoryReportQueue.js';
import type { QueuedReport } from '../../agent/transport/reportQueue.js';
import { createReportSender } from '../../agent/transport/reportSender.js';
import { startCollectorStub, type CollectorStub } from './collectorStub.js';
import { okResponse, startRawHttpServer } from './rawHttpServer.js';

const TOKEN = 'series-set-test-token-0123456789abcdef';
const AT = '2025-01-01T00:00:00.000Z';
const identity = { id: 'agent-1', hostname: 'host-1', version: 'test', intervalSeconds: 15, labels: {} };
const eth0 = Object.freeze({ interface: 'eth0' });
const root = Object.freeze({ mount: '/' });

/** One cycle's observations: the same three series every time, new values. */
function observed(sequence: number): Observation[] {
  return [
    { metric: 'load1', labels: Object.freeze({}), value: sequence / 4, at: AT },
    { metric: 'network_receive_bytes_total', labels: eth0, value: 1000 * sequence, at: AT },
    { metric: 'filesystem_used_ratio', labels: root, value: 0.5, at: AT },
  ];
}

const stubs: CollectorStub[] = [];
const senders: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

async function stub(options: { seriesSets?: boolean } = { seriesSets: true }): Promise<CollectorStub> {
  const started = await startCollectorStub(0, options);
  stubs.push(started);
  return started;
}

/**
 * The sender with the agent's side of a set (as agent.ts keeps it): the series of the last report
 * built, adopted with the id the answer to that report names, forgotten when the sender says so.
 */
function agentSide(collectorUrls: string[], gzipAboveBytes?: number) {
  const memory = createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 });
  const setAside: QueuedReport[] = [];
  const queue = { ...memory, setAside: async (entry: QueuedReport) => void setAside.push(entry) };
  const told: Array<[number, string | undefined]> = [];
  let seriesSet: SeriesSet | undefined;
  let asked: { sequence: number; series: ReportSeries | undefined } = { sequence: -1, series: undefined };
  const sender = createReportSender({
    collectorUrls,
    token: TOKEN,
    timeoutSeconds: 2,
    ...(gzipAboveBytes === undefined ? {} : { gzipAboveBytes }),
    queue,
    log: pino({ level: 'silent' }),
    onSeriesSet(sequence, id) {
      told.push([sequence, id]);
      if (id === undefined) seriesSet = undefined;
      else if (sequence === asked.sequence && asked.series !== undefined) seriesSet = { id, series: asked.series };
    },
  });
  senders.push(sender);
  return {
    sender,
    queue,
    setAside,
    told,
    seriesSet: () => seriesSet,
    /** Builds the report of `sequence` (against the set when the agent holds one) and delivers it. */
    async send(sequence: number, observations = observed(sequence)) {
      const built = buildReport({ agent: identity, sequence, sentAt: new Date(AT), observations, checks: [], ...(seriesSet ? { seriesSets: [seriesSet] } : {}) });
      asked = { sequence, series: built.series ?? (built.report.wantsSeriesSet ? seriesOf(built.report.observations) : undefined) };
      return { built, result: await sender.deliver(built.report, built.json, built.compact) };
    },
  };
}

/** The full JSON a spooled or set-aside entry holds. */
/** The two ways a direct upload goes: gzipAboveBytes as given to the sender. */
const UPLOAD_FORMS: Array<[string, number | undefined]> = [
  ['plain JSON straight out', undefined],
  ['gzip, through the serialised path', 0],
];
const spooledReport = (entry: QueuedReport | undefined) => JSON.parse(gunzipSync(entry!.gzipBody).toString('utf8')) as Report;
const compact = (report: Report) => report.seriesSet !== undefined;

describe('reports against a series set', () => {
  it.each(UPLOAD_FORMS)('adopts the set the answer names and sends values against it, which read back to the observations (%s)', async (_, gzipAboveBytes) => {
    const collector = await stub();
    const agent = agentSide([collector.url], gzipAboveBytes);
    await agent.send(1);
    expect(collector.received[0]!.report).toMatchObject({ wantsSeriesSet: true, sequence: 1 });
    const id = agent.seriesSet()?.id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(agent.told).toEqual([[1, id]]);

    const { built, result } = await agent.send(2);
    expect(result).toEqual({ delivered: 1, rejected: 0, blocked: false });
    const sent = collector.received[1]!;
    expect(sent.report).toMatchObject({ sequence: 2, seriesSet: id, values: [0.5, 2000, 0.5], valueTimes: [{ at: AT, count: 3 }] });
    expect(sent.report).not.toHaveProperty('observations');
    expect(sent.report.wantsSeriesSet).toBeUndefined();
    expect(sent.stored!.observations).toEqual(built.report.observations);
    if (gzipAboveBytes === undefined) expect(sent.bytes).toBeLessThan(collector.received[0]!.bytes);
    expect(agent.told).toHaveLength(1); // a compact report's answer is not read for a set
  });

  it.each(UPLOAD_FORMS)('sends a report the collector has no set for again at once, in full with the same sequence, and adopts the set it names then (%s)', async (_, gzipAboveBytes) => {
    const collector = await stub();
    const agent = agentSide([collector.url], gzipAboveBytes);
    await agent.send(1);
    await agent.send(2);
    collector.seriesSets!.forget(); // the collector restarted

    const { built, result } = await agent.send(3);
    expect(result).toEqual({ delivered: 1, rejected: 0, blocked: false });
    const [refused, resent] = collector.received.slice(2);
    expect(compact(refused!.report)).toBe(true);
    expect(refused!.stored).toBeUndefined();
    expect(resent!.report).toEqual(built.report);
    expect(resent!.report).toMatchObject({ sequence: 3, wantsSeriesSet: true });
    expect(agent.told.slice(1)).toEqual([
      [3, undefined],
      [3, agent.seriesSet()!.id],
    ]);
    expect(agent.sender.dropped()).toEqual({ spoolFull: 0, rejected: 0 });
    expect(agent.setAside).toEqual([]);

    await agent.send(4);
    expect(compact(collector.received.at(-1)!.report)).toBe(true);
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 2, 3, 3, 4]);
  });

  it('sends a compact report refused with a 400 again at once in full, and sets aside the full one if that is refused too', async () => {
    const collector = await stub();
    const agent = agentSide([collector.url]);
    await agent.send(1);
    collector.replies = [400];
    expect((await agent.send(2)).result).toEqual({ delivered: 1, rejected: 0, blocked: false });
    expect(collector.received.slice(1).map((r) => [r.report.sequence, compact(r.report), r.stored !== undefined])).toEqual([
      [2, true, false],
      [2, false, true],
    ]);
    collector.replies = [400, 400];
    const { built, result } = await agent.send(3);
    expect(result).toEqual({ delivered: 0, rejected: 1, blocked: false });
    expect(collector.received.slice(3).map((r) => [r.report.sequence, compact(r.report)])).toEqual([
      [3, true],
      [3, false],
    ]);
    expect(spooledReport(agent.setAside[0])).toEqual(built.report);
  });

  it('sets aside a compact report refused with another 409 in full, without sending it again or forgetting the set', async () => {
    const collector = await stub();
    const agent = agentSide([collector.url]);
    await agent.send(1);
    collector.replies = [409];
    const { built, result } = await agent.send(2);
    expect(result).toEqual({ delivered: 0, rejected: 1, blocked: false });
    expect(collector.received).toHaveLength(2);
    expect(spooledReport(agent.setAside[0])).toEqual(built.report);
    expect(agent.seriesSet()).toBeDefined();
  });

  it('spools a compact report that fails retryably in full, and one that finds the spool waiting too, and delivers both in full', async () => {
    const collector = await stub();
    const agent = agentSide([collector.url]);
    await agent.send(1);
    collector.replies = [503];
    const second = await agent.send(2);
    expect(second.result).toMatchObject({ delivered: 0, blocked: true });
    expect(second.built.compact).toBe(true);
    expect(spooledReport(await agent.queue.peek())).toEqual(second.built.report);

    // The spool is not empty: the next report goes behind it, in full too.
    const third = await agent.send(3);
    expect(third.built.compact).toBe(true);
    expect(third.result).toEqual({ delivered: 2, rejected: 0, blocked: false });
    expect(collector.received.slice(1).map((r) => [r.report.sequence, compact(r.report), r.report.observations?.length ?? 0])).toEqual([
      [2, true, 0], // the compact upload that failed (no observations)
      [2, false, 3],
      [3, false, 3],
    ]);
    expect(collector.received.slice(2).map((r) => r.report)).toEqual([second.built.report, third.built.report]);
  });

  it('sends a compact report to the next collector in full, forgetting the set, and adopts the set that one names', async () => {
    const [first, second] = [await stub(), await stub()];
    const agent = agentSide([first.url, second.url]);
    await agent.send(1);
    const firstSet = agent.seriesSet()!.id;
    first.replies = [503];
    const { built, result } = await agent.send(2);
    expect(result).toEqual({ delivered: 1, rejected: 0, blocked: false });
    expect(compact(first.received[1]!.report)).toBe(true);
    expect(second.received.map((r) => r.report)).toEqual([built.report]);
    expect(agent.told.slice(1)).toEqual([
      [2, undefined],
      [2, firstSet], // the same series: this stub names them alike
    ]);
    await agent.send(3);
    expect(second.received.map((r) => compact(r.report))).toEqual([false, true]);
  });

  it('sends full reports, asking each time, to an old collector that names no set', async () => {
    const collector = await stub({});
    const agent = agentSide([collector.url]);
    for (const sequence of [1, 2, 3]) await agent.send(sequence);
    expect(collector.received.map((r) => [compact(r.report), r.report.wantsSeriesSet, r.report.observations.length])).toEqual([
      [false, true, 3],
      [false, true, 3],
      [false, true, 3],
    ]);
    expect(agent.told).toEqual([]);
  });

  it.each([
    ['a name that is not a set name', '{"sequence":1,"duplicate":false,"seriesSet":"short"}', observed(1)],
    ['an answer that is not JSON', '"seriesSet" <html>', observed(1)],
    ['an answer to a report that did not ask (no observation)', '{"sequence":1,"duplicate":false,"seriesSet":"AAAAAAAAAAAAAAAAAAAAAA"}', []],
  ])('adopts no set from %s', async (_, body, observations) => {
    const server = await startRawHttpServer((socket) => socket.write(okResponse(body)));
    stubs.push(server as unknown as CollectorStub);
    const agent = agentSide([server.url]);
    expect((await agent.send(1, observations)).result).toEqual({ delivered: 1, rejected: 0, blocked: false });
    expect(agent.told).toEqual([]);
  });
});
