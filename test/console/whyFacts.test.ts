/**
 * The incident page's why-facts in words (console/whyFacts.ts): times as times with how long ago,
 * durations as durations, values rounded in their metric's unit, a window as its span, and the gates
 * and earlier occurrences left to their own sections. Table rows, one per kind of fact.
 */
import { describe, expect, it } from 'vitest';
import { durationText, factName, factText, whyFacts } from '../../console/whyFacts.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');

describe('why-facts', () => {
  it.each([
    // a measured value with float noise, no known unit: rounded
    ['value', 3.0138000000000003, '', '3.01'],
    // a ratio metric: a percentage
    ['value', 0.95001220703125, 'filesystem_used_ratio', '95.0%'],
    // bytes
    ['value', 3 * 1024 ** 3, 'memory_used_bytes', '3.0 GiB'],
    // a plain count
    ['occurrence', 2, '', '2'],
    // a duration in ms
    ['forMs', 90_000, '', '1 min 30 s'],
    // a threshold with its operator, in the metric's unit
    ['threshold', { op: '>', value: 0.9 }, 'cpu_used_ratio', '> 90.0%'],
  ])('%s = %j (%s) reads %s', (key, value, metric, text) => {
    expect(factText(key, value, metric, NOW)).toBe(text);
  });

  it('shows times as times with how long ago, never as milliseconds', () => {
    const text = factText('breachingSinceMs', NOW - 5 * 60_000, '', NOW);
    expect(text).toMatch(/\(5 min ago\)$/);
    expect(text).not.toMatch(/\d{10,}/);
  });

  it('shows a window as its span and length', () => {
    const text = factText('window', { fromMs: NOW - 2 * 3_600_000, toMs: NOW - 3_600_000 }, '', NOW);
    expect(text).toMatch(/ – .*\(1 h\)$/);
  });

  it('names facts in words and leaves the gates and earlier occurrences out', () => {
    const facts = whyFacts({ rule: 'disk_full', occurrence: 1, value: 3.0138000000000003, breachingSinceMs: NOW - 60_000, firedAtMs: NOW, gates: [{ gate: 'silence', passed: true, reason: 'none' }], earlier: [{}] }, NOW);
    expect(facts.map(([name]) => name)).toEqual(['rule', 'occurrence', 'value', 'breaching since', 'fired at']);
    expect(facts.find(([name]) => name === 'value')![1]).toBe('3.01');
    expect(JSON.stringify(facts)).not.toMatch(/\d{12,}/);
  });

  it.each([
    [500, '500 ms'],
    [45_000, '45 s'],
    [3_600_000, '1 h'],
    [2 * 3_600_000 + 5 * 60_000, '2 h 5 min'],
    [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
  ])('durationText(%d) = %s', (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });

  it('turns camel-case keys with a unit suffix into words', () => {
    expect(factName('breachingSinceMs')).toBe('breaching since');
    expect(factName('inhibitedBy')).toBe('inhibited by');
  });
});
