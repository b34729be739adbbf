/**
 * Reports against a series set (contract/report.ts; collector/ingest/seriesSets.ts): the registry
 * alone, then over real HTTP on loopback against a collector with a real SQLite file: a set named
 * in the answer to a report that asks, values against it stored as the same samples the
 * observations would have made, a restart that forgets the sets (409, then the report with its
 * observations names the set again), and every malformed report of values refused with its field.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { REPORT_AJV_OPTIONS } from '../../collector/http/reportBodyValidator.js';
import { SeriesSetRegistry, seriesSetId, withObservations, type IngestReport } from '../../collector/ingest/seriesSets.js';
import { reportShape, reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { SeriesKeyTemplates } from '../../collector/ingest/seriesKeyTemplates.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, ReportSchema, SERIES_SET_ID_PATTERN, type Observation, type Report, type WireReport } from '../../contract/report.js';

const TOKEN = 'series-sets-test-token-0123456789';
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Three series of two probes, at two times. */
function observations(values: readonly number[], at1: string, at2: string): Observation[] {
  return [
    { metric: 'memory_used_ratio', labels: {}, value: values[0]!, at: at1 },
    { metric: 'filesystem_used_ratio', labels: { mount: '/', device: '/dev/sda1', fstype: 'ext4' }, value: values[1]!, at: at2 },
    { metric: 'filesystem_used_ratio', labels: { mount: '/var', device: '/dev/sda2', fstype: 'ext4' }, value: values[2]!, at: at2 },
  ];
}

function report(agent: string, sequence: number, fields: Partial<Report> = {}): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: agent, hostname: `${agent}-host`, version: 'test', intervalSeconds: 15, labels: { group: 'web' } },
    sequence,
    sentAt: new Date().toISOString(),
    observations: [],
    checks: [],
    ...fields,
  };
}

/** The report of values against `seriesSet` standing for a report of `full`'s observations (which it lacks). */
function againstSet(full: Report, seriesSet: string): WireReport {
  const times: Array<{ at: string; count: number }> = [];
  for (const o of full.observations) {
    const last = times.at(-1);
    if (last?.at === o.at) last.count++;
    else times.push({ at: o.at, count: 1 });
  }
  const { observations, ...rest } = full;
  return { ...rest, seriesSet, values: observations.map((o) => o.value), valueTimes: times };
}

describe('SeriesSetRegistry', () => {
  const at = '2026-12-05T08:00:00.000Z';
  const later = '2026-12-05T08:00:00.250Z';

  it('names a set by its series and expands values against it into the same observations, samples and shape', () => {
    const registry = new SeriesSetRegistry();
    const full = report('a', 1, { observations: observations([0.5, 0.25, 0.75], at, later) });
    const id = registry.name(structuredClone(full), 0);
    expect(id).toMatch(new RegExp(SERIES_SET_ID_PATTERN));
    expect(id).toBe(seriesSetId(full.observations));
    const expanded = registry.expand(againstSet(full, id!), 1);
    const { report: made } = expanded as { report: IngestReport };
    // The ingest reads it without observation objects, as the report of the observations its values stand for.
    expect(made.observations).toBeUndefined();
    expect(withObservations(made)).toEqual(full);
    expect(reportShape(made)).toBe(reportShape(full));
    for (const seriesKeys of [undefined, new SeriesKeyTemplates()]) {
      const record = reportToRecord(made, 5, seriesKeys);
      expect(record).toEqual(reportToRecord(full, 5, seriesKeys && new SeriesKeyTemplates()));
      expect(record.samples.map((s) => [s.metric, s.value, s.atMs])).toEqual(full.observations.map((o) => [o.metric, o.value, Date.parse(o.at)]));
    }
    for (const field of ['values', 'seriesSet', 'valueTimes', 'observations']) expect(made).not.toHaveProperty(field);
  });

  it('keeps one frozen labels object per distinct labels of a set, which every report expanded against it shares', () => {
    const registry = new SeriesSetRegistry();
    const sent: Array<[string, Record<string, string>]> = [
      ['cpu_usage_ratio', {}],
      ['load1', {}],
      ['filesystem_used_ratio', { mount: '/', device: '/dev/sda1' }],
      ['filesystem_avail_bytes', { mount: '/', device: '/dev/sda1' }],
      ['filesystem_used_ratio', { mount: '/var', device: '/dev/sda2' }],
      // The same names and values in another order: another series, another object.
      ['filesystem_inodes_used_ratio', { device: '/dev/sda1', mount: '/' }],
      // The first mount's labels again after others.
      ['filesystem_size_bytes', { mount: '/', device: '/dev/sda1' }],
    ];
    const full = report('a', 1, { observations: sent.map(([metric, labels], i) => ({ metric, labels, value: i, at })) });
    const id = registry.name(structuredClone(full), 0)!;
    const expand = (): Observation[] => withObservations((registry.expand(againstSet(full, id), 1) as { report: IngestReport }).report).observations;
    const first = expand();
    const second = expand();
    // The same observations as the report's own, and the same shape text (reportShape writes each labels object's JSON).
    expect(first).toEqual(full.observations);
    expect(reportShape({ ...full, observations: first })).toBe(reportShape(full));
    const labels = first.map((o) => o.labels);
    for (const l of labels) expect(Object.isFrozen(l)).toBe(true);
    expect(labels[1]).toBe(labels[0]);
    expect(labels[3]).toBe(labels[2]);
    expect(labels[6]).toBe(labels[2]);
    expect(new Set(labels).size).toBe(4);
    expect(labels[4]).not.toBe(labels[2]);
    expect(labels[5]).not.toBe(labels[2]);
    second.forEach((o, i) => expect(o.labels).toBe(labels[i]));
  });

  it('gives the same name for the same series whatever their values and times, another for another order or label', () => {
    const a = observations([1, 2, 3], at, at);
    const b = observations([9, 8, 7], later, later);
    expect(seriesSetId(a)).toBe(seriesSetId(b));
    expect(seriesSetId([a[0]!, a[2]!, a[1]!])).not.toBe(seriesSetId(a));
    expect(seriesSetId([a[0]!, a[1]!, { ...a[2]!, labels: { ...a[2]!.labels, mount: '/srv' } }])).not.toBe(seriesSetId(a));
    expect(seriesSetId([a[0]!, a[1]!, { ...a[2]!, metric: 'filesystem_inodes_used_ratio' }])).not.toBe(seriesSetId(a));
    // A metric and its labels cannot be shifted between series to make the same text.
    expect(seriesSetId([{ metric: 'a', labels: {} }, { metric: 'b', labels: {} }])).not.toBe(seriesSetId([{ metric: 'ab', labels: {} }]));
  });

  it('refuses a report of values it cannot expand, saying which field and why', () => {
    const registry = new SeriesSetRegistry();
    const full = report('a', 1, { observations: observations([1, 2, 3], at, later) });
    const id = registry.name(structuredClone(full), 0)!;
    const problem = (changes: Partial<WireReport>, remove: Array<keyof WireReport> = []) => {
      const compact: Partial<WireReport> = { ...againstSet(full, id), ...changes };
      for (const key of remove) delete compact[key];
      const expanded = registry.expand(compact as WireReport, 1);
      return 'problem' in expanded ? expanded.problem : undefined;
    };
    expect(problem({ seriesSet: 'AAAAAAAAAAAAAAAAAAAAAA' })).toMatchObject({ code: 'TRIPLINE_UNKNOWN_SERIES_SET', path: 'body/seriesSet' });
    expect(problem({ values: [1, 2] })).toMatchObject({ code: 'TRIPLINE_VALIDATION_FAILED', path: 'body/values', message: expect.stringContaining('2 values for series set') });
    expect(problem({ valueTimes: [{ at, count: 2 }] })).toMatchObject({ path: 'body/valueTimes', message: expect.stringContaining('add up to 2, not to the 3 values') });
    expect(problem({ observations: full.observations })).toMatchObject({ path: 'body/observations' });
    // Not even empty: a report of values has no observations, so that an older collector, whose schema requires them, refuses it.
    expect(problem({ observations: [] })).toMatchObject({ path: 'body/observations', message: expect.stringContaining('0 observations and 3 values') });
    expect(problem({ wantsSeriesSet: true })).toMatchObject({ path: 'body/wantsSeriesSet' });
    expect(problem({}, ['seriesSet'])).toMatchObject({ path: 'body/seriesSet' });
    expect(problem({}, ['valueTimes'])).toMatchObject({ path: 'body/valueTimes' });
    // Without values, the set's other fields mean nothing, and observations are required.
    expect(registry.expand({ ...full, seriesSet: id }, 1)).toMatchObject({ problem: { path: 'body/seriesSet' } });
    expect(registry.expand({ ...full, valueTimes: [{ at, count: 3 }] }, 1)).toMatchObject({ problem: { path: 'body/valueTimes' } });
    const { observations: _, ...withoutObservations } = full;
    expect(registry.expand(withoutObservations, 1)).toMatchObject({ problem: { path: 'body', message: "body must have required property 'observations'" } });
    // A report without any of them is left as it is.
    const plain = structuredClone(full);
    expect(registry.expand(plain, 1)).toEqual({ report: full });
    expect(plain).toEqual(full);
  });

  it('bounds the series of all sets together, so that a few large reports cannot keep gigabytes', () => {
    const registry = new SeriesSetRegistry(100, 1000, 5);
    const of = (...mounts: string[]) => report('a', 1, { observations: mounts.map((mount) => ({ metric: 'filesystem_used_ratio', labels: { mount }, value: 0.5, at })) });
    const three = registry.name(of('/a', '/b', '/c'), 0);
    expect(three).toBeDefined();
    expect(registry.name(of('/d', '/e', '/f'), 10)).toBeUndefined();
    expect(registry.name(of('/d', '/e'), 20)).toBeDefined();
    expect(registry.name(of('/g'), 30)).toBeUndefined();
    // Once the three-series set is idle it goes, and its series make room.
    expect(registry.expand(againstSet(of('/d', '/e'), seriesSetId(of('/d', '/e').observations)), 1005)).toHaveProperty('report');
    expect(registry.name(of('/d', '/e', '/f'), 1010)).toBeDefined();
    expect(registry.size).toBe(2);
    expect(registry.expand(againstSet(of('/a', '/b', '/c'), three!), 1020)).toMatchObject({ problem: { code: 'TRIPLINE_UNKNOWN_SERIES_SET' } });
  });

  it('writes a report of values that a collector of an earlier release refuses, never stores as a report of no observations', () => {
    // That collector's validator: this schema with observations required, as it was, and unknown fields (the set's) removed.
    const earlier = new Ajv({ ...REPORT_AJV_OPTIONS, strict: false });
    addFormats(earlier);
    const validate = earlier.compile({ ...ReportSchema, required: [...ReportSchema.required!, 'observations'] });
    const full = report('a', 1, { observations: observations([1, 2, 3], at, later) });
    expect(validate(structuredClone(full))).toBe(true);
    expect(validate(againstSet(full, seriesSetId(full.observations)))).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ message: "must have required property 'observations'" }));
  });

  it('names no set for a report without observations', () => {
    expect(new SeriesSetRegistry().name(report('a', 1), 0)).toBeUndefined();
  });

  it('names no new set while full of sets in use, and lets go of one unused for the idle time to make room', () => {
    const registry = new SeriesSetRegistry(2, 1000);
    const of = (mount: string) => report('a', 1, { observations: [{ metric: 'filesystem_used_ratio', labels: { mount }, value: 0.5, at }] });
    const first = registry.name(of('/a'), 0)!;
    const second = registry.name(of('/b'), 500)!;
    expect(registry.name(of('/c'), 900)).toBeUndefined();
    expect(registry.size).toBe(2);
    // A set already kept is named again when full.
    expect(registry.name(of('/a'), 950)).toBe(first);
    // Using the second keeps it; the first, last used at 950, is idle by 1950.
    expect(registry.expand(againstSet(of('/b'), second), 1900)).toHaveProperty('report');
    const third = registry.name(of('/c'), 1950);
    expect(third).toBeDefined();
    expect(registry.size).toBe(2);
    expect(registry.expand(againstSet(of('/a'), first), 1960)).toMatchObject({ problem: { code: 'TRIPLINE_UNKNOWN_SERIES_SET' } });
    expect(registry.expand(againstSet(of('/b'), second), 1960)).toHaveProperty('report');
  });
});

describe('POST /api/v1/reports against a series set', () => {
  let collector: RunningCollector;
  let config: ReturnType<typeof loadConfig>['config'];
  const start = async () => {
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
  };
  const post = async (body: unknown, gzip = false) => {
    const text = JSON.stringify(body);
    const response = await fetch(`${collector.url}${REPORTS_PATH}`, {
      method: 'POST',
      body: gzip ? gzipSync(text) : text,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string; path?: string } } };
  };
  /** What the store holds of a host, without the host's own name, for comparing two hosts. */
  const stored = (hostname: string) =>
    [...collector.store.hostSamples(hostname, 0, Date.now() + 60_000)]
      .map((s) => ({ metric: s.metric, labels: { ...s.labels, host: '-' }, value: s.value, atMs: s.atMs }))
      .sort((a, b) => a.atMs - b.atMs || a.metric.localeCompare(b.metric) || JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));

  beforeAll(async () => {
    config = loadConfig(undefined, {}).config;
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-series-sets-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [TOKEN];
    await start();
  });
  afterAll(async () => {
    await collector.stop();
  });

  it('names the set of a report that asks, and stores values against it as the observations they stand for', async () => {
    const now = Date.now();
    const times = (i: number) => [new Date(now - 60_000 + i * 15_000).toISOString(), new Date(now - 60_000 + i * 15_000 + 120).toISOString()] as const;
    const fulls = [0, 1, 2].map((i) => report('plain', i + 1, { observations: observations([0.1 * i, 0.2 + i / 100, 0.3 + i / 1000], ...times(i)) }));
    // The agent of an older release: every report whole, and nothing named.
    for (const full of fulls) {
      const { status, body } = await post(full);
      expect(status).toBe(200);
      expect(body).toEqual({ sequence: full.sequence, duplicate: false });
    }
    // The same reports from an agent of series sets: the first asks, the others are values.
    const asSets = fulls.map((full) => ({ ...structuredClone(full), agent: { ...full.agent, id: 'sets', hostname: 'sets-host' } }));
    const named = await post({ ...asSets[0], wantsSeriesSet: true });
    expect(named.status).toBe(200);
    expect(named.body).toEqual({ sequence: 1, duplicate: false, seriesSet: seriesSetId(asSets[0]!.observations) });
    const id = named.body.seriesSet as string;
    expect((await post(againstSet(asSets[1]!, id))).body).toEqual({ sequence: 2, duplicate: false });
    expect((await post(againstSet(asSets[2]!, id), true)).body).toEqual({ sequence: 3, duplicate: false });
    // A report of values sent again is acknowledged once, as any report.
    expect((await post(againstSet(asSets[2]!, id))).body).toEqual({ sequence: 3, duplicate: true });
    expect(stored('sets-host')).toHaveLength(9);
    expect(stored('sets-host')).toEqual(stored('plain-host'));
    // The collector's metrics say a set is kept and how many reports were values.
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/^tripline_series_sets 1$/m);
    expect(metrics).toMatch(/^tripline_series_set_reports_total 3$/m);
  });

  it('answers a report against a set it does not keep with 409 TRIPLINE_UNKNOWN_SERIES_SET and stores nothing, also after a restart, until a report names it again', async () => {
    const at = new Date(Date.now() - 5_000).toISOString();
    const full = report('restarted', 1, { observations: observations([0.5, 0.5, 0.5], at, at) });
    const id = (await post({ ...full, wantsSeriesSet: true })).body.seriesSet as string;
    expect(id).toBe(seriesSetId(full.observations));
    await collector.stop();
    await start();
    const second = againstSet({ ...full, sequence: 2, observations: observations([0.6, 0.6, 0.6], at, at) }, id);
    const refused = await post(second);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'TRIPLINE_UNKNOWN_SERIES_SET', path: 'body/seriesSet' });
    expect(refused.body.error!.message).toContain(id);
    expect(await (await fetch(`${collector.url}/metrics`)).text()).toMatch(/^tripline_reports_received_total\{outcome="unknown_series_set"\} 1$/m);
    expect(collector.store.listHosts().find((h) => h.hostname === 'restarted-host')?.lastSequence).toBe(1);
    // As the agent does: the same report with its observations, asking again; then values again.
    const resent = await post({ ...full, sequence: 2, observations: observations([0.6, 0.6, 0.6], at, at), wantsSeriesSet: true });
    expect(resent.body).toEqual({ sequence: 2, duplicate: false, seriesSet: id });
    expect((await post(againstSet({ ...full, sequence: 3, observations: observations([0.7, 0.7, 0.7], at, at) }, id))).status).toBe(200);
    expect(stored('restarted-host').map((s) => s.value).sort()).toEqual([0.5, 0.5, 0.5, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7]);
  });

  it('refuses a malformed report of values with 400 and the field, storing nothing', async () => {
    const at = new Date(Date.now() - 5_000).toISOString();
    const full = report('malformed', 1, { observations: observations([1, 2, 3], at, at) });
    const id = (await post({ ...full, wantsSeriesSet: true })).body.seriesSet as string;
    const compact = againstSet({ ...full, sequence: 2 }, id);
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ...compact, values: [1, 2] }, 'body/values', /2 values for series set .* of 3 series/],
      [{ ...compact, values: [1, '2', 3] }, 'body/values/1', /must be number/],
      [{ ...compact, valueTimes: [{ at, count: 4 }] }, 'body/valueTimes', /add up to 4/],
      [{ ...compact, valueTimes: [{ at, count: 0 }] }, 'body/valueTimes/0/count', /must be >= 1/],
      [{ ...compact, valueTimes: [{ at: 'yesterday', count: 3 }] }, 'body/valueTimes/0/at', /date-time/],
      [{ ...compact, valueTimes: [{ at: new Date(Date.now() + 3_600_000).toISOString(), count: 3 }] }, 'body/valueTimes/0/at', /ahead of the collector clock/],
      [{ ...compact, seriesSet: 'not a set name' }, 'body/seriesSet', /must match pattern/],
      [{ ...compact, observations: full.observations }, 'body/observations', /observations or values, not both/],
      [{ ...compact, observations: [] }, 'body/observations', /observations or values, not both/],
      [{ ...compact, values: undefined, seriesSet: undefined, valueTimes: undefined }, 'body', /must have required property 'observations'/],
      [{ ...compact, valueTimes: undefined }, 'body/valueTimes', /need their valueTimes/],
    ];
    for (const [body, path, message] of cases) {
      const { status, body: answer } = await post(body);
      expect({ status, path: answer.error?.path }, JSON.stringify(body).slice(0, 200)).toEqual({ status: 400, path });
      expect(answer.error!.message).toMatch(message);
    }
    expect(collector.store.listHosts().find((h) => h.hostname === 'malformed-host')?.lastSequence).toBe(1);
  });
});
