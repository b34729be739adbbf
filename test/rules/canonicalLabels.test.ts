/**
 * The canonical label text is persisted twice over: the store keys series by it and rule
 * fingerprints (state keys, incident correlation, tickets) hash it. These pins keep both
 * byte-identical to what earlier releases wrote.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalLabels } from '../../contract/labels.js';
import { fingerprint } from '../../rules/labels/fingerprint.js';

/** How the SQLite store spelled a label set before canonicalLabels existed (its series keys on disk). */
function storeSpelling(labels: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) sorted[key] = labels[key]!;
  return JSON.stringify(sorted);
}

describe('canonicalLabels', () => {
  it.each([
    // no labels
    [{}, '{}'],
    // names sorted, whatever order they arrive in
    [{ mount: '/', host: 'web-1' }, '{"host":"web-1","mount":"/"}'],
    [{ host: 'web-1', mount: '/' }, '{"host":"web-1","mount":"/"}'],
    // capitals sort before lower case (code unit order), as Array.prototype.sort does
    [{ b: '1', B: '2', a: '3' }, '{"B":"2","a":"3","b":"1"}'],
    // quotes, backslashes, control and non-ASCII characters are JSON-escaped or kept as JSON keeps them
    [{ q: 'say "hi"\\ now', u: 'é\u2028\n', z: '' }, '{"q":"say \\"hi\\"\\\\ now","u":"é\u2028\\n","z":""}'],
  ] as const)('%o -> %s', (labels, expected) => {
    expect(canonicalLabels(labels)).toBe(expected);
  });

  it.each<Record<string, string>>([
    { host: 'web-1', mount: '/' },
    { target: 'db:5432', host: 'db-1', group: 'db', role: '' },
    { q: 'say "hi"\\ now', u: 'é\u2028\n\t', _x: 'y' },
  ])('is what the store wrote for %o', (labels) => {
    expect(canonicalLabels(labels)).toBe(storeSpelling(labels));
  });

  it('keeps a label named __proto__ (the store used to drop it)', () => {
    const labels = JSON.parse('{"__proto__":"x","host":"h"}') as Record<string, string>;
    expect(canonicalLabels(labels)).toBe('{"__proto__":"x","host":"h"}');
  });
});

describe('fingerprint over canonicalLabels', () => {
  it.each([
    // computed with the fingerprint of the release before canonicalLabels
    ['disk_full', {}, '88a1031474a7b785'],
    ['tcp_port_down', { target: 'db:5432', host: 'db-1' }, '49addf0bf38ff525'],
    ['x', { q: 'say "hi"\\ now', u: 'é\u2028\n', z: '' }, '55277c0454c52e5f'],
    ['r', JSON.parse('{"__proto__":"x","host":"h"}') as Record<string, string>, '8696ee15544b53ae'],
  ] as const)('%s %o = %s', (rule, labels, expected) => {
    expect(fingerprint(rule, labels)).toBe(expected);
  });

  it('is sha256 of the JSON rule name followed by the canonical labels, first 16 hex characters', () => {
    const labels = { host: 'web-1', mount: '/' };
    const expected = createHash('sha256').update(`"disk_full"${canonicalLabels(labels)}`).digest('hex').slice(0, 16);
    expect(fingerprint('disk_full', labels)).toBe(expected);
  });
});
