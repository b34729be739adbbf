import { describe, expect, it } from 'vitest';
import { compileLabelMatchers } from '../../rules/labels/compileLabelMatchers.js';
import { parseLabelMatcher } from '../../rules/labels/parseLabelMatcher.js';

describe('parseLabelMatcher', () => {
  it.each([
    ['fstype="ext4"', { label: 'fstype', op: '=', value: 'ext4' }],
    ['mount != "/boot"', { label: 'mount', op: '!=', value: '/boot' }],
    ['mount!~"/snap/.*"', { label: 'mount', op: '!~', value: '/snap/.*' }],
    // single quotes, escaped quote
    ["target=~'db-\\'1'", { label: 'target', op: '=~', value: "db-'1" }],
    // \\ is an escape; other backslashes are kept, so both spellings give the regex \d+
    ['device=~"sd\\\\d+"', { label: 'device', op: '=~', value: 'sd\\d+' }],
    ['device=~"sd\\d+"', { label: 'device', op: '=~', value: 'sd\\d+' }],
    // backquotes take text as is
    ['device=~`sd\\d+`', { label: 'device', op: '=~', value: 'sd\\d+' }],
    ['mount=""', { label: 'mount', op: '=', value: '' }],
  ])('%s', (text, expected) => {
    expect(parseLabelMatcher(text)).toEqual(expected);
  });

  it.each([
    ['mount', 'malformed matcher "mount"'],
    ['mount=/', 'malformed matcher "mount=/"'],
    ['mount~"x"', 'malformed matcher'],
    ['9mount="x"', 'malformed matcher'],
    ['fstype=~"ext[4"', 'bad regex "ext[4": Invalid regular expression: /ext[4/: Unterminated character class'],
    ['fstype=~"(a"', 'bad regex "(a": Invalid regular expression'],
  ])('rejects %s', (text, message) => {
    expect(() => parseLabelMatcher(text)).toThrow(message);
  });
});

describe('compileLabelMatchers', () => {
  const matches = (matchers: string[], labels: Record<string, string>) => compileLabelMatchers(matchers.map(parseLabelMatcher))(labels);

  it.each([
    // regexes are fully anchored, as in Prometheus
    [['fstype=~"ext"'], { fstype: 'ext4' }, false],
    [['fstype=~"ext."'], { fstype: 'ext4' }, true],
    [['fstype=~"ext4|xfs"'], { fstype: 'xfs' }, true],
    [['mount!~"/snap/.*"'], { mount: '/snap/core/1' }, false],
    [['mount!~"/snap/.*"'], { mount: '/home/snap/x' }, true],
    // a missing label is ""
    [['mount!~"/snap/.*"'], {}, true],
    [['mount=""'], {}, true],
    [['mount!=""'], {}, false],
    // a label named like an Object property is still just a label
    [['constructor=""'], {}, true],
    // all matchers must hold; none means every series
    [['fstype="ext4"', 'mount!="/boot"'], { fstype: 'ext4', mount: '/boot' }, false],
    [[], { anything: 'x' }, true],
  ])('%o on %o is %s', (matchers, labels, expected) => {
    expect(matches(matchers, labels)).toBe(expected);
  });
});
