import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../rules/labels/fingerprint.js';
import type { RuleDefinition } from '../../rules/model/ruleTypes.js';
import { ruleVersion } from '../../rules/model/ruleVersion.js';
import { testRule } from './ruleScenario.js';

describe('fingerprint', () => {
  it('is 16 hex characters and does not depend on label order', () => {
    const a = fingerprint('disk_full', { host: 'web-1', mount: '/' });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint('disk_full', { mount: '/', host: 'web-1' })).toBe(a);
  });

  it('is stable across releases (persisted states and open incidents are keyed by it)', () => {
    // sha256 of `"disk_full"{"host":"web-1","mount":"/"}`, first 16 hex characters
    expect(fingerprint('disk_full', { host: 'web-1', mount: '/' })).toBe('65a5b23acf12226e');
  });

  it.each([
    // another rule, same series
    ['other_rule', { host: 'web-1', mount: '/' }],
    // another label value
    ['disk_full', { host: 'web-2', mount: '/' }],
    // a label moved between name and value must not collide
    ['disk_full', { host: 'web-1', mount: '/', x: '' }],
    ['disk_full', { 'host': 'web-1,mount:/' }],
  ])('differs for %s %o', (rule, labels) => {
    expect(fingerprint(rule, labels)).not.toBe(fingerprint('disk_full', { host: 'web-1', mount: '/' }));
  });
});

describe('ruleVersion', () => {
  const rule = testRule({ labels: { team: 'infra', service: 'web' } });
  const { version: _v, file: _f, line: _l, ...definition } = rule;

  it('is 12 hex characters and ignores where the rule is written and the order of its labels', () => {
    expect(rule.version).toMatch(/^[0-9a-f]{12}$/);
    expect(ruleVersion({ ...definition, labels: { service: 'web', team: 'infra' } })).toBe(rule.version);
  });

  it.each<[string, Partial<RuleDefinition>]>([
    ['threshold', { fire: { op: 'above', threshold: 0.95 } }],
    ['clear threshold', { clear: { op: 'below', threshold: 0.8 } }],
    ['for', { forSeconds: 60 }],
    ['clearFor', { clearForSeconds: 60 }],
    ['severity', { severity: 'critical' }],
    ['summary', { summary: 'other' }],
    ['matchers', { matchers: [{ label: 'mount', op: '=', value: '/' }] }],
    ['labels', { labels: { team: 'db' } }],
  ])('changes when the %s changes', (_what, change) => {
    expect(ruleVersion({ ...definition, ...change })).not.toBe(rule.version);
  });
});
