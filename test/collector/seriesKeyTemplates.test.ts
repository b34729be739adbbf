/**
 * Series keys made from a report's shape (collector/ingest/seriesKeyTemplates.ts): for every sample
 * of every report they equal canonicalLabels of its labels, for hosts sharing a shape body, for
 * names that sort before and after `host`, for values that need escaping, and after the oldest
 * bodies were forgotten.
 */
import { describe, expect, it } from 'vitest';
import { canonicalLabels } from '../../contract/labels.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../contract/report.js';
import { reportShape, reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { MAX_BODIES, SeriesKeyTemplates } from '../../collector/ingest/seriesKeyTemplates.js';
import { shapeOfText } from '../support/shapeOfText.js';

const at = '2026-12-03T07:00:00.000Z';

function report(hostname: string, agentLabels: Record<string, string>, observations: Array<[string, Record<string, string>]>, checks: string[] = []): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: `agent-${hostname}`, hostname, version: 'test', intervalSeconds: 15, labels: agentLabels },
    sequence: 1,
    sentAt: at,
    observations: observations.map(([metric, labels], i) => ({ metric, labels, value: i, at })),
    checks: checks.map((name) => ({ name, status: 'ok', output: '', at, durationSeconds: 0 })),
  };
}

/** Every sample's key against canonicalLabels, its metric and the record's shape against those made without templates. */
function expectCanonical(templates: SeriesKeyTemplates, sent: Report): void {
  const record = reportToRecord(sent, Date.parse(at), templates);
  for (const sample of record.samples) expect(sample.seriesKey).toBe(canonicalLabels(sample.labels));
  expect(record.samples.map((s) => s.metric)).toEqual(reportToRecord(sent, Date.parse(at)).samples.map((s) => s.metric));
  expect(record.shape).toEqual(shapeOfText(reportShape(sent)));
}

describe('series key templates', () => {
  // Each row: agent labels and observations whose labels put `host` first, in the middle and last among the sorted names, or need escaping.
  const rows: Array<{ name: string; agentLabels: Record<string, string>; observations: Array<[string, Record<string, string>]>; checks?: string[] }> = [
    // `host` sorts first: no other label, or only names after it.
    { name: 'host alone', agentLabels: {}, observations: [['memory_used_ratio', {}]] },
    { name: 'host first', agentLabels: { role: 'web' }, observations: [['filesystem_used_ratio', { mount: '/', zone: 'a' }]] },
    // `host` in the middle and last.
    { name: 'host in the middle', agentLabels: { group: 'g1' }, observations: [['network_receive_bytes_per_second', { device: 'eth0', interface: 'eth0' }]] },
    { name: 'host last', agentLabels: { a: '1' }, observations: [['cpu_used_ratio', { b: '2', cpu: 'all' }]] },
    // Values that JSON escapes, and one that looks like a host label.
    { name: 'escaped values', agentLabels: { group: 'quote " and \\ back' }, observations: [['m', { note: '"host":"web-1"', path: 'C:\\tmp\n' }]] },
    // An observation cannot set `host` (the collector owns it): its own is replaced.
    { name: 'a reserved host label sent', agentLabels: {}, observations: [['m', { host: 'spoofed', x: '1' }]] },
    // An observation label overrides an agent label of the same name.
    { name: 'an agent label overridden', agentLabels: { zone: 'a' }, observations: [['m', { zone: 'b' }]] },
    // Runs of samples of one labels object share a key: one again after another, and a run of unlabelled series between.
    { name: 'runs of one labels', agentLabels: { zone: 'a' }, observations: [['a', { mount: '/' }], ['b', { mount: '/' }], ['c', {}], ['d', {}], ['e', { mount: '/var' }], ['f', { mount: '/' }], ['g', { z: '1' }], ['h', { z: '1' }]] },
    // Check samples too.
    { name: 'checks', agentLabels: { group: 'db' }, observations: [['m', {}]], checks: ['disk "root"', 'ntp'] },
  ];
  it.each(rows)('$name: keys equal canonicalLabels for two hosts of one body, made and reused', ({ agentLabels, observations, checks }) => {
    const templates = new SeriesKeyTemplates();
    expectCanonical(templates, report('web-1', agentLabels, observations, checks)); // makes the templates
    expectCanonical(templates, report('web-2', agentLabels, observations, checks)); // reuses them for another host
    expectCanonical(templates, report('host "3" \\ escaped', agentLabels, observations, checks));
    expect(templates.size).toBe(1);
  });

  it('keeps at most its limit of bodies, forgetting the least recently used, and stays right after', () => {
    const templates = new SeriesKeyTemplates(2);
    const shaped = (host: string, group: string) => report(host, { group }, [['m', { mount: '/' }]]);
    expectCanonical(templates, shaped('h1', 'a'));
    expectCanonical(templates, shaped('h1', 'b'));
    expectCanonical(templates, shaped('h2', 'a')); // a is the most recent now
    expectCanonical(templates, shaped('h1', 'c')); // b goes
    expect(templates.size).toBe(2);
    expectCanonical(templates, shaped('h3', 'b'));
    expectCanonical(templates, shaped('h4', 'c'));
    expect(templates.size).toBe(2);
  });

  it('keeps at most its limit of hosts, and a host whose entry went is resolved again from its text', () => {
    const templates = new SeriesKeyTemplates(MAX_BODIES, 2);
    const shaped = (host: string) => report(host, { group: 'a' }, [['m', { mount: '/' }]]);
    for (const host of ['h1', 'h2', 'h3', 'h1', 'h2']) expectCanonical(templates, shaped(host));
    expect(templates.hosts).toBe(2);
    expect(templates.size).toBe(1);
  });
});

/**
 * A host's report compared with the last one it sent (SeriesKeyTemplates keeps per host what its
 * last shape was made from): each row changes one thing of a report the host sent before, and the
 * second report's shape text and keys must be those of its own shape, not the first one's.
 */
describe('a host that sends another shape', () => {
  type Shape = Parameters<typeof report>;
  const base: Shape = ['web-1', { group: 'g1', zone: 'a' }, [['cpu_usage_ratio', {}], ['filesystem_used_ratio', { mount: '/', device: 'sda1' }]], ['ntp']];
  const rows: Array<{ name: string; next: Shape }> = [
    { name: 'an agent label value changed', next: ['web-1', { group: 'g2', zone: 'a' }, base[2], base[3]] },
    { name: 'an agent label added', next: ['web-1', { group: 'g1', zone: 'a', rack: 'r1' }, base[2], base[3]] },
    { name: 'an agent label removed', next: ['web-1', { group: 'g1' }, base[2], base[3]] },
    { name: 'agent labels in another order', next: ['web-1', { zone: 'a', group: 'g1' }, base[2], base[3]] },
    { name: 'a metric renamed', next: ['web-1', base[1], [['cpu_used_ratio', {}], base[2]![1]!], base[3]] },
    { name: 'a label value changed', next: ['web-1', base[1], [base[2]![0]!, ['filesystem_used_ratio', { mount: '/var', device: 'sda1' }]], base[3]] },
    { name: 'a label name changed', next: ['web-1', base[1], [base[2]![0]!, ['filesystem_used_ratio', { mount: '/', disk: 'sda1' }]], base[3]] },
    { name: 'labels in another order', next: ['web-1', base[1], [base[2]![0]!, ['filesystem_used_ratio', { device: 'sda1', mount: '/' }]], base[3]] },
    { name: 'a label moved to the next series', next: ['web-1', base[1], [['cpu_usage_ratio', { mount: '/' }], ['filesystem_used_ratio', { device: 'sda1' }]], base[3]] },
    { name: 'a series added', next: ['web-1', base[1], [...base[2], ['load1', {}]], base[3]] },
    { name: 'a series dropped', next: ['web-1', base[1], [base[2]![0]!], base[3]] },
    { name: 'series in another order', next: ['web-1', base[1], [base[2]![1]!, base[2]![0]!], base[3]] },
    { name: 'a check renamed', next: ['web-1', base[1], base[2], ['chrony']] },
    { name: 'a check added', next: ['web-1', base[1], base[2], ['ntp', 'disk']] },
    { name: 'the checks dropped', next: ['web-1', base[1], base[2], []] },
    // A label moves from the agent's set to a series': the text of both differs only in where a brace falls.
    { name: 'a label moved from the agent to a series', next: ['web-1', { group: 'g1' }, [['cpu_usage_ratio', { zone: 'a' }], base[2]![1]!], base[3]] },
  ];
  it.each(rows)('$name', ({ next }) => {
    const templates = new SeriesKeyTemplates();
    expectCanonical(templates, report(...base));
    expectCanonical(templates, report(...next));
    // And back: the host's first shape is resolved as its own again.
    expectCanonical(templates, report(...base));
  });

  // Each row: two shapes of one host whose texts are near, with names and values that JSON escapes or that hold its separators.
  const pairs: Array<{ name: string; first: Shape; second: Shape }> = [
    { name: 'a quote in a value, then the same value unquoted', first: ['h', {}, [['m', { a: 'x"y' }]]], second: ['h', {}, [['m', { a: 'xy' }]]] },
    { name: 'a backslash, then another escaped character', first: ['h', {}, [['m', { a: 'x\\y' }]]], second: ['h', {}, [['m', { a: 'x\ny' }]]] },
    { name: 'a value that spells two labels, then the two labels', first: ['h', {}, [['m', { a: 'b","c":"d' }]]], second: ['h', {}, [['m', { a: 'b', c: 'd' }]]] },
    { name: 'a value that spells a second series, then the second series', first: ['h', {}, [['m', { a: 'b"}\nn{"c":"d' }]]], second: ['h', {}, [['m', { a: 'b' }], ['n', { c: 'd' }]]] },
    { name: 'a metric that spells a label set, then the labels', first: ['h', {}, [['m{"a":"b"}', {}]]], second: ['h', {}, [['m', { a: 'b' }]]] },
    { name: 'a lone surrogate, then a pair', first: ['h', {}, [['m', { a: '\ud83d' }]]], second: ['h', {}, [['m', { a: '\ud83d\ude00' }]]] },
    { name: 'a check name with a quote, then without', first: ['h', {}, [['m', {}]], ['disk "/"']], second: ['h', {}, [['m', {}]], ['disk /']] },
  ];
  it.each(pairs)('$name', ({ first, second }) => {
    const templates = new SeriesKeyTemplates();
    for (const shape of [first, first, second, second, first]) expectCanonical(templates, report(...shape));
  });

  it('resolves the same shape of another host name as its own (a host renamed)', () => {
    const templates = new SeriesKeyTemplates();
    expectCanonical(templates, report(...base));
    expectCanonical(templates, report('web-2', base[1], base[2], base[3]));
    expect(templates.hosts).toBe(2);
  });

  it('resolves a host whose body was forgotten meanwhile from its text', () => {
    const templates = new SeriesKeyTemplates(1);
    expectCanonical(templates, report('h1', { group: 'a' }, [['m', {}]]));
    expectCanonical(templates, report('h2', { group: 'b' }, [['m', {}]])); // h1's body goes
    expectCanonical(templates, report('h1', { group: 'a' }, [['m', {}]]));
    expect(templates.size).toBe(1);
  });

  it("says whether a report's samples are each of its own series, for the body's first report and the rest", () => {
    const seriesOnce = (sent: Report, templates = new SeriesKeyTemplates()) => reportToRecord(sent, Date.parse(at), templates).seriesOnce;
    const templates = new SeriesKeyTemplates();
    expect(seriesOnce(report('web-1', { group: 'a' }, [['m', {}], ['m', { mount: '/' }], ['n', {}]], ['ntp']), templates)).toBe(true);
    expect(seriesOnce(report('web-2', { group: 'a' }, [['m', {}], ['m', { mount: '/' }], ['n', {}]], ['ntp']), templates)).toBe(true);
    // One series twice: the same metric and labels, in another order or after an agent label merged in.
    expect(seriesOnce(report('web-1', {}, [['m', { a: '1', b: '2' }], ['n', {}], ['m', { b: '2', a: '1' }]]))).toBe(false);
    expect(seriesOnce(report('web-1', { zone: 'a' }, [['m', {}], ['m', { zone: 'a' }]]))).toBe(false);
    // The host label an observation cannot set: both samples are the host's.
    expect(seriesOnce(report('web-1', {}, [['m', {}], ['m', { host: 'other' }]]))).toBe(false);
    // An observation of a check's series, and one of the series the ingest adds for the host.
    expect(seriesOnce(report('web-1', {}, [['check_status', { kind: '', check: 'ntp' }]], ['ntp']))).toBe(false);
    expect(seriesOnce(report('web-1', {}, [['agent_missed_reports', { other: 'x' }]]))).toBe(false);
    // Without templates the record never vouches for it.
    expect(reportToRecord(report('web-1', {}, [['m', {}]]), Date.parse(at)).seriesOnce).toBe(false);
    // A body forgotten and made again says it again.
    const small = new SeriesKeyTemplates(1);
    expect(seriesOnce(report('h1', { group: 'a' }, [['m', {}], ['m', {}]]), small)).toBe(false);
    expect(seriesOnce(report('h2', { group: 'b' }, [['m', {}]]), small)).toBe(true);
    expect(seriesOnce(report('h1', { group: 'a' }, [['m', {}], ['m', {}]]), small)).toBe(false);
  });

  it('writes no shape text for a host that sends its last shape again', () => {
    const templates = new SeriesKeyTemplates();
    const first = report(...base);
    expectCanonical(templates, first);
    // The same shape in new objects, as JSON.parse makes every report: labels that would throw if written out.
    const again = report(...base);
    for (const o of again.observations) o.labels = poisoned(o.labels);
    again.agent.labels = poisoned(again.agent.labels);
    const samples = reportToRecord(first, Date.parse(at)).samples.map(({ metric, labels }) => ({ metric, labels, seriesKey: undefined as string | undefined }));
    expect(templates.resolve(again, samples)).toEqual({ ...shapeOfText(reportShape(first)), seriesOnce: true });
    expect(samples.map((s) => s.seriesKey)).toEqual(samples.map((s) => canonicalLabels(s.labels)));
  });
});

/** A copy of `labels` that throws when JSON.stringify writes it (a `toJSON`, not enumerated by `for...in` as a label: it is on the prototype). */
function poisoned(labels: Record<string, string>): Record<string, string> {
  const proto = {};
  Object.defineProperty(proto, 'toJSON', {
    enumerable: false,
    value: () => {
      throw new Error('the shape text was written');
    },
  });
  return Object.assign(Object.create(proto) as Record<string, string>, labels);
}
