/**
 * Series keys made from a report's shape (collector/ingest/seriesKeyTemplates.ts): for every sample
 * of every report they equal canonicalLabels of its labels, for hosts sharing a shape body, for
 * names that sort before and after `host`, for values that need escaping, and after the oldest
 * bodies were forgotten.
 */
import { describe, expect, it } from 'vitest';
import { canonicalLabels } from '../../contract/labels.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../contract/report.js';
import { reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { SeriesKeyTemplates } from '../../collector/ingest/seriesKeyTemplates.js';

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

/** Every sample's key against canonicalLabels. */
function expectCanonical(templates: SeriesKeyTemplates, sent: Report): void {
  const record = reportToRecord(sent, Date.parse(at), templates);
  for (const sample of record.samples) expect(sample.seriesKey).toBe(canonicalLabels(sample.labels));
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

  it('makes new templates when a body of the same text comes with another number of samples', () => {
    const templates = new SeriesKeyTemplates();
    const sent = report('h1', {}, [['m', {}]]);
    expectCanonical(templates, sent);
    const record = reportToRecord(sent, Date.parse(at), templates);
    const keys = templates.keysOf(record.shape!, 'h1', [...record.samples.map((s) => s.labels), { host: 'h1', extra: 'x' }]);
    expect(keys).toEqual([...record.samples.map((s) => canonicalLabels(s.labels)), canonicalLabels({ host: 'h1', extra: 'x' })]);
  });
});
