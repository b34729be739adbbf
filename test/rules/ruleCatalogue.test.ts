/**
 * `rules check` against the metric catalogue: a rule that would never fire (a metric nothing sends,
 * a label its series lacks, a template that would render empty) is refused at the word at fault,
 * with the nearest known name; declarations (`metrics:`, `hostLabels:`) make custom series and host
 * labels known, across the files of a rule set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rulesTestCommand } from '../../cli/commands/rulesTestCommand.js';
import { loadRuleSet } from '../../rules/index.js';
import { locateWithin } from '../../rules/load/locateWithin.js';
import { suggestName } from '../../rules/load/seriesCatalogue.js';
import { errorsOf } from './ruleEntryFile.js';

/** One rule watching `metric`, with `lines` added to it. */
const rule = (metric: string, ...lines: string[]) =>
  ['rules:', '  - name: r', `    metric: ${metric}`, '    severity: info', '    summary: s', ...lines.map((l) => `    ${l}`)].join('\n');

describe('rules check against the catalogue', () => {
  it.each([
    {
      why: 'a misspelt metric, with the nearest name',
      text: 'rules:\n  - name: r\n    metric: filesytem_used_ratio\n    above: 0.9\n    severity: info\n    summary: s',
      errors: ['bad.yaml:3:13: rules[0].metric: unknown metric "filesytem_used_ratio"; did you mean "filesystem_used_ratio"? (declare metrics the catalogue does not have under "metrics:")'],
    },
    {
      why: 'a metric far from any name: no suggestion',
      text: 'rules:\n  - name: r\n    metric: widgets_frobnicated\n    above: 0.9\n    severity: info\n    summary: s',
      errors: ['bad.yaml:3:13: rules[0].metric: unknown metric "widgets_frobnicated" (declare metrics the catalogue does not have under "metrics:")'],
    },
    {
      why: 'a matcher on a label the series lacks, pointed at the label inside the string',
      text: 'rules:\n  - name: r\n    metric: filesystem_used_ratio\n    matchers: [\'fstype="ext4"\', \'mountpoint="/"\']\n    above: 0.9\n    severity: info\n    summary: s',
      errors: [
        'bad.yaml:4:34: rules[0].matchers[1]: unknown label "mountpoint" of filesystem_used_ratio; did you mean "mount"? (its labels: mount, device, fstype, host; declare labels your agents put on every series under "hostLabels:")',
      ],
    },
    {
      why: 'a template label that would render empty, in a folded description, at its own line',
      text: 'rules:\n  - name: r\n    metric: tcp_up\n    below: 1\n    severity: info\n    summary: s\n    description: >-\n      {{ labels.target }} from\n      {{ labels.hostname }}',
      errors: ['bad.yaml:9:7: rules[0].description: unknown label "hostname" in "{{ labels.hostname }}": it would always render empty; did you mean "host"?'],
    },
    {
      why: '{{ output }} on a series without text',
      text: 'rules:\n  - name: r\n    metric: tcp_up\n    below: 1\n    severity: info\n    summary: "{{ output }}"',
      errors: ['bad.yaml:6:15: rules[0].summary: "{{ output }}" would always render empty: tcp_up samples carry no text (check_status does)'],
    },
    {
      why: 'a status rule on a series of values, not check states',
      text: 'rules:\n  - name: r\n    metric: tcp_up\n    status: [critical]\n    severity: info\n    summary: s',
      errors: ['bad.yaml:4:5: rules[0].status: a "status" rule watches a series of check states (such as check_status); tcp_up holds boolean'],
    },
    {
      why: 'an aggregate grouped by a label the series lacks',
      text: 'rules:\n  - name: r\n    metric: ping_loss_ratio\n    aggregate: { by: [grop], function: max }\n    above: 0.5\n    severity: info\n    summary: s\nhostLabels: [group]',
      errors: ['bad.yaml:4:23: rules[0].aggregate.by[0]: unknown label "grop" of ping_loss_ratio; did you mean "group"? (its labels: target, host, group; declare labels your agents put on every series under "hostLabels:")'],
    },
    {
      why: 'a template label an aggregate signal does not carry (only its group labels)',
      text: 'rules:\n  - name: r\n    metric: ping_loss_ratio\n    aggregate: { by: [], function: max }\n    above: 0.5\n    severity: info\n    summary: "{{ labels.target }}"',
      errors: ['bad.yaml:7:15: rules[0].summary: unknown label "target" in "{{ labels.target }}": it would always render empty'],
    },
    {
      why: 'declaring a metric the catalogue has',
      text: 'metrics: [{ name: tcp_up }]\nrules: []',
      errors: ['bad.yaml:1:19: metrics[0].name: "tcp_up" is a built-in series already (see tripline agent metrics); declare only metrics the catalogue does not have'],
    },
  ])('$why', ({ text, errors }) => {
    expect(errorsOf(text)).toEqual(errors);
  });

  it.each([
    { why: 'catalogued metric and labels, rule labels and alertname in templates', text: rule('filesystem_used_ratio', "matchers: ['mount=\"/\"']", 'above: 0.9', 'labels: { team: ops }', 'description: "{{ labels.team }} {{ labels.alertname }} {{ labels.device }}"') },
    { why: 'a metric the collector derives, with its text', text: rule('check_status', 'status: [critical]', 'description: "{{ labels.kind }} {{ labels.check }}: {{ output }}"') },
    { why: 'a declared metric and host label', text: `${rule('app_queue_depth', "matchers: ['queue=\"mail\"', 'group=\"web\"']", 'above: 100')}\nmetrics: [{ name: app_queue_depth, labels: [queue] }]\nhostLabels: [group]` },
    { why: 'a declared status series', text: `${rule('app_health', 'status: [critical]')}\nmetrics: [{ name: app_health, unit: status }]` },
  ])('accepts $why', ({ text }) => {
    expect(errorsOf(text)).toEqual([]);
  });

  describe('declarations in one file of a set apply to all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-catalogue-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('knows a host label and a metric declared in another file', () => {
      writeFileSync(join(dir, 'declarations.yaml'), 'hostLabels: [role]\nmetrics: [{ name: app_errors_total, labels: [route] }]\nrules: []\n');
      writeFileSync(join(dir, 'rules.yaml'), "rules:\n  - { name: r, metric: app_errors_total, matchers: ['role=\"api\"', 'route=\"/pay\"'], above: 1, severity: info, summary: s }\n");
      const { rules, catalogue } = loadRuleSet([dir]);
      expect(rules.map((r) => r.name)).toEqual(['r']);
      expect(catalogue.series('app_errors_total')?.labels).toEqual(['route']);
      expect(catalogue.hostLabels).toEqual(['host', 'role']);
    });
  });
});

describe('rule tests against the catalogue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-catalogue-tests-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails a test whose series could never exist, naming where it is written', () => {
    writeFileSync(join(dir, 'rules.yaml'), "rules:\n  - { name: root_full, metric: filesystem_used_ratio, matchers: ['mount=\"/\"'], above: 0.9, severity: info, summary: s }\n");
    const file = join(dir, 'typo.test.yaml');
    writeFileSync(
      file,
      "ruleFiles: [rules.yaml]\ntests:\n  - name: t\n    series:\n      - { metric: filesystem_used_ratio, labels: { host: h, mountpoint: / }, values: '0.95' }\n      - { metric: filesytem_used_ratio, labels: { host: h }, values: '0.95' }\n    expect: [{ at: 0s, firing: [] }]\n",
    );
    let text = '';
    const out = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
    expect(rulesTestCommand([file], out)).toBe(1);
    expect(text).toContain(`${file}:5:19: unknown label "mountpoint" of filesystem_used_ratio; did you mean "mount"? (its labels: mount, device, fstype, host)`);
    expect(text).toContain(`${file}:6:19: unknown metric "filesytem_used_ratio": no series of it can exist; did you mean "filesystem_used_ratio"?`);
  });
});

describe('suggestName', () => {
  it.each([
    { word: 'filesytem_used_ratio', candidates: ['filesystem_used_ratio', 'tcp_up'], expected: 'filesystem_used_ratio' }, // one edit
    { word: 'mountpoint', candidates: ['mount', 'device'], expected: 'mount' }, // a known word it starts with
    { word: 'hostname', candidates: ['host', 'hostLabels'], expected: 'host' }, // the longest related word that is a prefix
    { word: 'mo', candidates: ['mount'], expected: undefined }, // too short to relate
    { word: 'widget', candidates: ['mount', 'device'], expected: undefined }, // nothing near
  ])('$word -> $expected', ({ word, candidates, expected }) => {
    expect(suggestName(word, candidates)).toBe(expected);
  });
});

describe('locateWithin', () => {
  const issue = { file: 'f.yaml', line: 2, column: 5, path: 'p', message: 'm' };
  it.each([
    { why: 'on the same line', text: 'a\nb: "x=1"\n', word: 'x', line: 2, column: 5 },
    { why: 'on a later line', text: 'a\nb: >-\n  one\n  two {{ w }}\n', word: '{{ w }}', line: 4, column: 7 },
    { why: 'not there: unchanged', text: 'a\nb: c\n', word: 'zzz', line: 2, column: 5 },
  ])('$why', ({ text, word, line, column }) => {
    const moved = locateWithin(text, issue, word);
    expect([moved.line, moved.column]).toEqual([line, column]);
  });
});
