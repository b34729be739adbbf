/** Report assembly keeps within the contract: item caps, byte budget, no values the schema refuses. */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../contract/report.js';
import { buildReport, MAX_REPORT_OBSERVATIONS } from '../../agent/report/reportBuilder.js';

const AT = '2025-01-01T00:00:00.000Z';
const agent = { id: 'a-1', hostname: 'h', version: 'test', intervalSeconds: 15, labels: {} };
const obs = (value: number, labels: Record<string, string> = {}): Observation => ({ metric: 'load1', labels, value, at: AT });

describe('buildReport', () => {
  it('caps observations at the contract maximum of 20000, keeping the first', () => {
    expect(MAX_REPORT_OBSERVATIONS).toBe(20000);
    const observations = Array.from({ length: 20_005 }, (_, i) => obs(i));
    const built = buildReport({ agent, sequence: 7, sentAt: new Date(AT), observations, checks: [], maxBytes: 64 * 1024 * 1024 });
    expect(built.report.observations).toHaveLength(20000);
    expect(built.report.observations.at(-1)!.value).toBe(19999);
    expect(built.omittedObservations).toBe(5);
  });

  it('stays within the byte budget of the uncompressed JSON', () => {
    const observations = Array.from({ length: 1000 }, (_, i) => obs(i, { interface: `veth${i}` }));
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations, checks: [], maxBytes: 20_000 });
    const bytes = Buffer.byteLength(JSON.stringify(built.report));
    expect(bytes).toBeLessThanOrEqual(20_000);
    expect(bytes).toBeGreaterThan(19_000);
    expect(built.omittedObservations).toBe(1000 - built.report.observations.length);
  });

  it.each([
    [NaN, 'NaN'], // JSON would make it null and the whole report would be refused
    [Infinity, 'Infinity'], // likewise
  ])('leaves out a %s value and counts it', (value) => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations: [obs(1), obs(value), obs(2)], checks: [] });
    expect(built.report.observations.map((o) => o.value)).toEqual([1, 2]);
    expect(built.invalidObservations).toBe(1);
  });

  it('leaves out an observation with a label value over 1024 characters', () => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations: [obs(1, { mount: 'x'.repeat(1025) }), obs(2)], checks: [] });
    expect(built.report.observations.map((o) => o.value)).toEqual([2]);
  });

  it('cuts check output to 4096 characters and fills the envelope', () => {
    const check = { name: 'probe:x', status: 'unknown' as const, output: 'y'.repeat(5000), at: AT, durationSeconds: 1 };
    const built = buildReport({ agent, sequence: 3, sentAt: new Date(AT), observations: [], checks: [check] });
    expect(built.report.checks[0]!.output).toHaveLength(4096);
    expect(built.report).toMatchObject({ schemaVersion: 1, agent, sequence: 3, sentAt: AT });
  });
});
