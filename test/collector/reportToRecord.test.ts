/**
 * The record ingest makes of a report (collector/ingest/reportToRecord.ts): its shape text, which the
 * store and the series key templates take as a report's series identity, and its samples, whose
 * labels, times, texts and series keys the store and the rules engine read.
 */
import { describe, expect, it } from 'vitest';
import { MAX_TEMPLATES_PER_LABELS, reportShape, reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { SeriesKeyTemplates } from '../../collector/ingest/seriesKeyTemplates.js';
import { canonicalLabels } from '../../contract/labels.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../contract/report.js';

const AT = '2026-12-04T10:00:00.000Z';

function report(observations: Report['observations'], checks: Report['checks'] = [], labels: Record<string, string> = {}): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: 'a1', hostname: 'web-1', version: 'test', intervalSeconds: 15, labels },
    sequence: 1,
    observations,
    checks,
  } as Report;
}

describe('reportShape', () => {
  it.each<{ observations: Array<{ metric: string; labels: Record<string, string> }>; checks: string[]; agent: Record<string, string>; shape: string }>([
    // Unlabelled series and no agent labels: `{}` for each, as JSON.stringify writes them.
    { observations: [{ metric: 'cpu_usage_ratio', labels: {} }], checks: [], agent: {}, shape: '"web-1"\n{}\ncpu_usage_ratio{}' },
    // Labels in the order sent, agent labels on the second line.
    { observations: [{ metric: 'filesystem_used_ratio', labels: { mount: '/', device: '/dev/sda1' } }], checks: [], agent: { group: 'web' }, shape: '"web-1"\n{"group":"web"}\nfilesystem_used_ratio{"mount":"/","device":"/dev/sda1"}' },
    // Values that JSON escapes stay escaped: no line break or quote leaks into the text.
    { observations: [{ metric: 'm', labels: { target: 'a"b\nc' } }], checks: [], agent: {}, shape: '"web-1"\n{}\nm{"target":"a\\"b\\nc"}' },
    // Check names last, quoted.
    { observations: [{ metric: 'load1', labels: {} }], checks: ['ntp'], agent: {}, shape: '"web-1"\n{}\nload1{}\n"ntp"' },
  ])('$shape', ({ observations, checks, agent, shape }) => {
    const sent = report(
      observations.map((o) => ({ ...o, value: 1, at: AT })),
      checks.map((name) => ({ name, status: 'ok' as const, output: 'fine', at: AT, durationSeconds: 0.1 })),
      agent,
    );
    expect(reportShape(sent)).toBe(shape);
    // The record carries it as its first line and the rest, with or without the series keys' templates.
    const parts = { head: shape.slice(0, shape.indexOf('\n')), body: shape.slice(shape.indexOf('\n') + 1) };
    expect(reportToRecord(sent, 0).shape).toEqual(parts);
    expect(reportToRecord(sent, 0, new SeriesKeyTemplates()).shape).toEqual(parts);
  });
});

describe('reportToRecord', () => {
  const sent = report(
    [
      { metric: 'cpu_usage_ratio', labels: {}, value: 0.5, at: AT },
      { metric: 'filesystem_used_ratio', labels: { mount: '/', host: 'spoofed' }, value: 0.25, at: AT },
    ],
    [{ name: 'ntp', status: 'warning', output: 'offset 2 s\nmore', at: AT, durationSeconds: 0.1 }],
    { group: 'web' },
  );

  it('gives every sample the host and agent labels, its time, its text and its series key', () => {
    const record = reportToRecord(sent, 123, new SeriesKeyTemplates());
    expect(record.samples.map(({ metric, labels, value, atMs, text, intervalMs }) => ({ metric, labels, value, atMs, text, intervalMs }))).toEqual([
      { metric: 'cpu_usage_ratio', labels: { group: 'web', host: 'web-1' }, value: 0.5, atMs: Date.parse(AT), text: undefined, intervalMs: 15_000 },
      // The collector owns `host`: an observation's own is overwritten.
      { metric: 'filesystem_used_ratio', labels: { group: 'web', host: 'web-1', mount: '/' }, value: 0.25, atMs: Date.parse(AT), text: undefined, intervalMs: 15_000 },
      { metric: 'check_status', labels: { group: 'web', host: 'web-1', kind: '', check: 'ntp' }, value: 1, atMs: Date.parse(AT), text: 'offset 2 s', intervalMs: 15_000 },
    ]);
    for (const sample of record.samples) expect(sample.seriesKey).toBe(canonicalLabels(sample.labels));
  });

  it('makes every sample with the same fields in the same order, observations and checks alike', () => {
    const fields = reportToRecord(sent, 123, new SeriesKeyTemplates()).samples.map((sample) => Object.keys(sample).join());
    expect(new Set(fields).size).toBe(1);
    expect(fields[0]).toBe('metric,labels,value,atMs,text,intervalMs,seriesKey');
  });

  it('merges a run of observations of one labels object once, its samples sharing the merged labels, and never shares across different labels', () => {
    const disk = Object.freeze({ device: 'sda' });
    const root = Object.freeze({ mount: '/' });
    const none = Object.freeze({});
    // Runs of one object, one of them again after another; an unfrozen object equal to a frozen one; a whole report's own objects.
    const own: Array<Readonly<Record<string, string>>> = [none, none, root, root, disk, root, { mount: '/' }, {}, {}];
    const sentRuns = report(own.map((labels, i) => ({ metric: `m${i}`, labels, value: i, at: AT })), [], { group: 'web' });
    const samples = reportToRecord(sentRuns, 0, new SeriesKeyTemplates()).samples;
    samples.forEach((sample, i) => {
      expect(sample.labels).toEqual({ group: 'web', host: 'web-1', ...own[i] });
      expect(sample.seriesKey).toBe(canonicalLabels(sample.labels));
    });
    const same = (i: number, j: number) => samples[i]!.labels === samples[j]!.labels;
    // A run shares; labels that differ never do (a run of equal labels in other objects may or may not).
    expect([same(0, 1), same(2, 3)]).toEqual([true, true]);
    expect([same(1, 2), same(3, 4), same(4, 5), same(6, 7)]).toEqual([false, false, false, false]);
  });

  // A series set's labels objects are frozen and shared by every report of values against it (seriesSets.ts).
  it('merges frozen observation labels, shared by the reports of many hosts, as it merges a report’s own: the same names, values and order', () => {
    const own: Array<Record<string, string>> = [{}, { mount: '/', device: '/dev/sda1' }, { host: 'spoofed', iface: 'eth0' }, { zone: 'b', host: 'spoofed', a: '1' }];
    const frozen = own.map((labels) => Object.freeze({ ...labels }));
    const of = (hostname: string, labels: Array<Record<string, string>>, agentLabels: Record<string, string>) => {
      const r = report(labels.map((l, i) => ({ metric: `m${i}`, labels: l, value: i, at: AT })), [], agentLabels);
      r.agent.hostname = hostname;
      return reportToRecord(r, 0, new SeriesKeyTemplates()).samples.map((s) => s.labels);
    };
    const hosts: Array<[string, Record<string, string>]> = [
      ['web-1', {}],
      ['db "2"', {}],
      ['web-1', {}],
      // Agent labels, one of them a name the observation's labels set too (theirs wins): the first host of these names makes the template, the next are copies of it.
      ['edge-3', { zone: 'a', group: 'edge' }],
      ['edge-4', { zone: 'c', group: 'core' }],
      ['edge-5', { zone: 'd', group: 'edge' }],
      // The same names in another order; an agent label named `host` (the collector's wins).
      ['edge-6', { group: 'edge', zone: 'e' }],
      ['odd-1', { host: 'not-me', group: 'g' }],
      ['odd-2', { host: 'not-me-either', group: 'h' }],
      // More sets of names than a labels object keeps templates for: merged one by one past MAX_TEMPLATES_PER_LABELS.
      ...Array.from({ length: MAX_TEMPLATES_PER_LABELS + 2 }, (_, i): [string, Record<string, string>] => [`many-${i}`, { [`name${i}`]: `v${i}` }]),
      ['many-0-again', { name0: 'w' }],
    ];
    for (const [hostname, agentLabels] of hosts) {
      const fromFrozen = of(hostname, frozen, agentLabels);
      const fromOwn = of(hostname, own.map((l) => ({ ...l })), agentLabels);
      // Names in the same order too: JSON.stringify writes them as they are enumerated.
      expect(fromFrozen.map((l) => JSON.stringify(l))).toEqual(fromOwn.map((l) => JSON.stringify(l)));
      for (const labels of fromFrozen) expect(labels.host).toBe(hostname);
      for (const [name, value] of Object.entries(agentLabels)) if (name !== 'host') expect(fromFrozen[3]![name]).toBe(name === 'zone' ? 'b' : value);
      // Each sample its own object, never the frozen one or another host's.
      fromFrozen.forEach((labels, i) => expect(labels).not.toBe(frozen[i]));
      expect(Object.isFrozen(fromFrozen[0])).toBe(false);
    }
    expect(of('web-1', frozen, {})[3]).toEqual({ host: 'web-1', zone: 'b', a: '1' });
    expect(Object.keys(of('web-1', frozen, {})[3]!)).toEqual(['host', 'zone', 'a']);
    // A merged object changed by its reader changes neither the next host's nor the same host's next.
    const first = of('web-1', frozen, {});
    (first[1] as Record<string, string>).mount = 'changed';
    expect(of('web-1', frozen, {})[1]).toEqual({ host: 'web-1', mount: '/', device: '/dev/sda1' });
  });
});
