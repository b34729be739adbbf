/**
 * The objects ingest makes for each report have the hidden classes every other host's and report's
 * have. V8 (11.3, Node 20) gives each object of a literal that starts with a spread and goes on
 * (`{ ...labels, host }`) a hidden class of its own: a runtime call and a map and descriptors
 * (80-400 bytes) that only a full collection frees, four of them a report, and one more kept for each
 * host whose touch the store holds (collector/store/sqlite/hostTouches.ts). Checked through V8's own
 * %HaveSameMap (test/support/hiddenClasses.ts) on what the code hands on: the samples' labels, the
 * missed-report sample's, the held host touches, a report expanded from a series set's values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labelsWithHost, reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { SeriesSetRegistry, withObservations } from '../../collector/ingest/seriesSets.js';
import type { HostTouches } from '../../collector/store/sqlite/hostTouches.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { REPORT_SCHEMA_VERSION, type Report, type WireReport } from '../../contract/report.js';
import { capturingIngestor } from '../support/capturingIngestor.js';
import { sameHiddenClass } from '../support/hiddenClasses.js';

const NOW = Date.UTC(2026, 11, 6, 12);
/**
 * Hosts enough that a function has run past its first calls: V8 gives a function its inline caches
 * only after a few, and before that even a spread's literal shares its hidden class.
 */
const HOSTS = Array.from({ length: 16 }, (_, i) => i + 1);
const AT = new Date(NOW).toISOString();

/** A report as the HTTP route hands it on: parsed from JSON, as every report's objects are. */
function parsedReport(host: number, sequence: number, group = `g${host}`): Report {
  const sent: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: `agent-${host}`, hostname: `host-${host}`, version: 'test', intervalSeconds: 15, labels: { group } },
    sequence,
    sentAt: AT,
    observations: [
      { metric: 'load1', labels: {}, value: host, at: AT },
      { metric: 'filesystem_used_ratio', labels: { mount: '/', device: '/dev/sda1', fstype: 'ext4' }, value: 0.25, at: AT },
      { metric: 'network_receive_bytes_total', labels: { interface: 'eth0' }, value: 1000 * sequence, at: AT },
    ],
    checks: [{ name: 'ntp', status: 'ok', output: 'NTP OK', durationSeconds: 0.01, at: AT }],
  };
  return JSON.parse(JSON.stringify(sent)) as Report;
}

/** Each pair of neighbours in `objects` of one hidden class. */
function expectOneHiddenClass(objects: readonly object[], what: string): void {
  expect(objects.length, what).toBeGreaterThan(1);
  for (let i = 1; i < objects.length; i++) expect(sameHiddenClass(objects[i - 1]!, objects[i]!), `${what}: #${i - 1} and #${i}`).toBe(true);
}

describe('objects made for each report', () => {
  const dirs: string[] = [];
  let store: Store | undefined;
  afterEach(() => {
    store?.close();
    store = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('are told apart by sameHiddenClass when their names differ, and not when only values do', () => {
    expect(sameHiddenClass({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameHiddenClass({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameHiddenClass(JSON.parse('{"a":"x"}') as object, JSON.parse('{"a":"y"}') as object)).toBe(true);
  });

  it('labelsWithHost: the labels and host as a spread makes them, host in its place, in one hidden class for the same names', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'web-1'],
      [{ group: 'web' }, 'web-2'],
      [{ zone: 'b', host: 'not-the-host', role: 'edge' }, 'edge-1'],
    ];
    for (const [labels, host] of cases) {
      const made = labelsWithHost(labels, host);
      const spread = { ...labels, host };
      expect(Object.entries(made)).toEqual(Object.entries(spread));
      expect(labels).not.toBe(made); // a copy: the report's own labels are left as they were
    }
    expectOneHiddenClass(
      HOSTS.map((host) => labelsWithHost(JSON.parse(JSON.stringify({ group: `g${host}` })) as Record<string, string>, `host-${host}`)),
      'labels with host',
    );
  });

  it("reportToRecord: each sample's labels of one hidden class from host to host", () => {
    const records = HOSTS.map((host) => reportToRecord(parsedReport(host, 1), NOW));
    const samples = records[0]!.samples.length;
    expect(samples).toBe(4); // three observations and the check
    for (let i = 0; i < samples; i++) expectOneHiddenClass(records.map((r) => r.samples[i]!.labels), `sample ${i} (${records[0]!.samples[i]!.metric})`);
  });

  it('through the ingestor and a real store: samples, missed-report samples and held host touches of one hidden class', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-hidden-classes-'));
    dirs.push(dir);
    store = openSqliteStore({ file: join(dir, 'tripline.db') });
    const { ingestor, batches } = capturingIngestor(store, NOW, 20);
    const hosts = HOSTS;
    // The hosts' first reports make their rows; their second ones touch them, and the store holds those touches.
    await Promise.all(hosts.map((host) => ingestor.submit(parsedReport(host, 1))));
    await Promise.all(hosts.map((host) => ingestor.submit(parsedReport(host, 2))));

    const second = batches.at(-1)!;
    expect(second.map((s) => s.labels.host)).toEqual(hosts.flatMap((host) => Array<string>(5).fill(`host-${host}`)));
    for (let i = 0; i < 5; i++) expectOneHiddenClass(hosts.map((_, h) => second[h * 5 + i]!.labels), `sample ${i} (${second[i]!.metric})`);
    expect(second[4]!.metric).toBe('agent_missed_reports');

    const held = (store as unknown as { touches: HostTouches }).touches.pending();
    expect(held.map((t) => [t.hostname, t.sequence])).toEqual(hosts.map((host) => [`host-${host}`, 2]));
    expectOneHiddenClass(held, 'held host touches');
  });

  it('SeriesSetRegistry.expand: reports of values of different hosts expand to reports of one hidden class', () => {
    const registry = new SeriesSetRegistry();
    const id = registry.name(parsedReport(1, 1), NOW)!;
    expect(id).toBeDefined();
    const expanded = HOSTS.map((host) => {
      const { observations, ...rest } = parsedReport(host, 2);
      const wire = JSON.parse(JSON.stringify({ ...rest, seriesSet: id, values: observations.map((o) => o.value), valueTimes: [{ at: AT, count: observations.length }] })) as WireReport;
      const made = registry.expand(wire, NOW);
      if (!('report' in made)) throw new Error(`not expanded: ${made.problem.message}`);
      return made.report;
    });
    expect(expanded.map((r) => [r.agent.hostname, withObservations(r).observations.map((o) => o.value)])).toEqual(HOSTS.map((host) => [`host-${host}`, [host, 0.25, 2000]]));
    expectOneHiddenClass(expanded, 'expanded reports');
  });
});
