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

/**
 * The report's JSON is made from a cached text per series (frozen labels object and metric), its
 * value and its timestamp: it must be JSON.stringify's text of the same report, whatever the labels.
 */
describe('buildReport JSON', () => {
  const frozen = Object.freeze({ interface: 'eth0' });
  const made = (metric: string, value: number, labels: Record<string, string>, at = AT): Observation => ({ metric, labels, value, at });

  it('is JSON.stringify of the report, for frozen, unfrozen, shared and empty labels and several timestamps', () => {
    const observations = [
      made('load1', 0.25, Object.freeze({})),
      made('network_receive_bytes_total', 2 ** 53 - 1, frozen),
      made('network_transmit_bytes_total', 1e21, frozen),
      made('network_up', -0, frozen), // JSON writes -0 as 0
      made('filesystem_used_ratio', 1e-7, { mount: '/data "quoted" \\ \u2028 é', device: '/dev/sda1', fstype: 'ext4' }),
      made('load1', 5e-324, {}, '2025-01-01T00:00:01.000Z'),
      made('load1', 3, frozen, '2025-01-01T00:00:01.000Z'),
    ];
    const checks = [{ name: 'probe:x', status: 'ok' as const, output: 'line\n"two"', at: AT, durationSeconds: 0.5 }];
    // Twice: the second report reads the texts cached by the first.
    for (let round = 0; round < 2; round++) {
      const built = buildReport({ agent: { ...agent, labels: { rack: 'r "1"' } }, sequence: 9, sentAt: new Date(AT), observations, checks });
      expect(built.json).toBe(JSON.stringify(built.report));
      expect(built.report.observations).toHaveLength(observations.length);
    }
  });

  it('is JSON.stringify of a report with no observation', () => {
    const built = buildReport({ agent, sequence: 0, sentAt: new Date(AT), observations: [], checks: [] });
    expect(built.json).toBe(JSON.stringify(built.report));
  });

  it('leaves out an observation whose frozen labels are too long, every time, and keeps the text of the others', () => {
    const tooLong = Object.freeze({ mount: 'x'.repeat(1025) });
    for (let round = 0; round < 2; round++) {
      const built = buildReport({ agent, sequence: round, sentAt: new Date(AT), observations: [made('load1', 1, frozen), made('load1', 2, tooLong), made('load1', NaN, frozen), made('load5', 3, frozen)], checks: [] });
      expect(built.report.observations.map((o) => o.value)).toEqual([1, 3]);
      expect(built.invalidObservations).toBe(2);
      expect(built.json).toBe(JSON.stringify(built.report));
    }
  });

  it('gives each metric of one labels object its own text', () => {
    const built = buildReport({ agent, sequence: 1, sentAt: new Date(AT), observations: [made('network_up', 1, frozen), made('network_receive_bytes_total', 5, frozen)], checks: [] });
    expect(JSON.parse(built.json!).observations).toEqual([
      { metric: 'network_up', labels: { interface: 'eth0' }, value: 1, at: AT },
      { metric: 'network_receive_bytes_total', labels: { interface: 'eth0' }, value: 5, at: AT },
    ]);
  });
});
