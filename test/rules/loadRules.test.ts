import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { compileRules } from '../../rules/engine/compileRules.js';
import { findPackageRoot } from '../../config/packageInfo.js';
import { DEFAULT_RULES_DIR, loadRuleFiles, parseRuleFile } from '../../rules/load/loadRules.js';

/** A valid rule, to be broken one key at a time; `extra` lines are appended to it. */
function ruleFile(...extra: string[]): string {
  return [
    'rules:',
    '  - name: disk_full', // line 2
    '    metric: filesystem_used_ratio',
    '    above: 0.9',
    '    severity: warning',
    '    summary: "Disk {{ labels.mount }} is {{ value | percent }} full"', // line 6
    ...extra.map((line) => `    ${line}`), // line 7 onwards
  ].join('\n');
}

function errorsOf(text: string, file = 'bad.yaml'): string[] {
  try {
    parseRuleFile(text, file);
  } catch (error) {
    if (error instanceof YamlValidationError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('parseRuleFile', () => {
  it('builds a rule with defaults', () => {
    const [rule] = parseRuleFile(ruleFile(), 'good.yaml');
    expect(rule).toMatchObject({
      name: 'disk_full',
      file: 'good.yaml',
      line: 2,
      metric: 'filesystem_used_ratio',
      matchers: [],
      fire: { op: 'above', threshold: 0.9 },
      clear: { op: 'atOrBelow', threshold: 0.9 },
      forSeconds: 0,
      clearForSeconds: 0,
      severity: 'warning',
      description: '',
      labels: {},
    });
    expect(rule!.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('reads every key', () => {
    const [rule] = parseRuleFile(
      ruleFile('matchers: [\'mount!~"/snap/.*"\', fstype="ext4"]', 'clearBelow: 0.85', 'for: 5m', 'clearFor: 1h30m', 'description: long text', 'labels: { team: infra }'),
      'good.yaml',
    );
    expect(rule).toMatchObject({
      matchers: [
        { label: 'mount', op: '!~', value: '/snap/.*' },
        { label: 'fstype', op: '=', value: 'ext4' },
      ],
      clear: { op: 'below', threshold: 0.85 },
      forSeconds: 300,
      clearForSeconds: 5400,
      description: 'long text',
      labels: { team: 'infra' },
    });
  });

  it('gives a `below` rule a clear condition on the other side', () => {
    const [rule] = parseRuleFile(
      'rules:\n  - { name: tcp_down, metric: tcp_up, below: 1, clearAbove: 1, severity: critical, summary: down }',
      'good.yaml',
    );
    expect(rule).toMatchObject({ fire: { op: 'below', threshold: 1 }, clear: { op: 'above', threshold: 1 } });
  });

  it.each([
    {
      why: 'unknown key: a typo gets a suggestion',
      text: ruleFile('descripton: text'),
      errors: ['bad.yaml:7:5: rules[0].descripton: unknown key "descripton"; did you mean "description"?'],
    },
    {
      why: 'unknown key too far from any known one: the known keys are listed',
      text: ruleFile('fro: 5m'),
      errors: [
        'bad.yaml:7:5: rules[0].fro: unknown key "fro"; expected one of: name, metric, matchers, above, below, clearBelow, clearAbove, for, clearFor, keepFiringFor, function, window, predict, absent, aggregate, change, status, severity, summary, description, labels, inhibits, urgency, runbook',
      ],
    },
    {
      why: 'bad duration',
      text: ruleFile('for: 5 minutes'),
      errors: ['bad.yaml:7:10: rules[0].for: must be a duration such as 30s, 5m, 4h or 7d, got "5 minutes"'],
    },
    {
      why: 'bad regex in a matcher: the regex engine says why',
      text: ruleFile('matchers:', '  - fstype=~"ext[4"'),
      errors: ['bad.yaml:8:9: rules[0].matchers[0]: bad regex "ext[4": Invalid regular expression: /ext[4/: Unterminated character class'],
    },
    {
      why: 'malformed matcher',
      text: ruleFile('matchers:', '  - fstype=ext4'),
      errors: [
        'bad.yaml:8:9: rules[0].matchers[0]: malformed matcher "fstype=ext4"; expected label="value", label!="value", label=~"regex" or label!~"regex"',
      ],
    },
    {
      why: 'unknown template filter',
      text: ruleFile('description: "{{ value | precent }}"'),
      errors: ['bad.yaml:7:18: rules[0].description: unknown template filter "precent"; did you mean "percent"?'],
    },
    {
      why: 'unknown template variable',
      text: ruleFile('description: "{{ treshold }}"'),
      errors: ['bad.yaml:7:18: rules[0].description: unknown template variable "treshold"; did you mean "threshold"?'],
    },
    {
      why: 'duplicate name: points at the second',
      text: `${ruleFile()}\n${ruleFile().split('\n').slice(1).join('\n')}`,
      errors: ['bad.yaml:7:11: rules[1].name: duplicate rule name "disk_full"; first defined at bad.yaml:2:11'],
    },
    {
      why: 'clear threshold on the wrong side of the fire threshold',
      text: ruleFile('clearBelow: 0.95'),
      errors: [
        'bad.yaml:7:17: rules[0].clearBelow: clearBelow 0.95 must be at or below the fire threshold (above: 0.9); otherwise the rule would resolve while still breaching',
      ],
    },
    {
      why: 'clear direction that does not fit the fire direction',
      text: ruleFile('clearAbove: 0.5'),
      errors: ['bad.yaml:7:5: rules[0].clearAbove: "clearAbove" does not fit a rule that fires above its threshold; use "clearBelow"'],
    },
    {
      why: 'both above and below',
      text: ruleFile('below: 0.1'),
      errors: ['bad.yaml:7:5: rules[0].below: a rule has either "above" or "below", not both'],
    },
    {
      why: 'neither above nor below',
      text: 'rules:\n  - name: x\n    metric: m\n    severity: info\n    summary: s\nmetrics: [{ name: m }]',
      errors: ['bad.yaml:2:5: rules[0]: missing "above" or "below": the threshold the rule fires at'],
    },
    {
      why: 'name not snake_case',
      text: ruleFile().replace('disk_full', 'Disk-Full'),
      errors: ['bad.yaml:2:11: rules[0].name: must be a snake_case name such as disk_space_low, got "Disk-Full"'],
    },
    {
      why: 'unknown severity',
      text: ruleFile().replace('warning', 'major'),
      errors: ['bad.yaml:5:15: rules[0].severity: must be one of: "critical", "warning", "info"'],
    },
    {
      why: 'alertname is reserved',
      text: ruleFile('labels:', '  alertname: other'),
      errors: ['bad.yaml:8:7: rules[0].labels.alertname: "alertname" is set to the rule name by the engine and cannot be overridden'],
    },
    {
      why: 'missing required key',
      text: ruleFile().replace('    metric: filesystem_used_ratio\n', ''),
      errors: ['bad.yaml:2:5: rules[0]: missing required key "metric"'],
    },
    {
      why: 'YAML syntax error',
      text: 'rules:\n  - name: [unclosed\n',
      errors: [expect.stringMatching(/^bad\.yaml:3:1: /)],
    },
    {
      why: 'unknown top-level key',
      text: 'rule:\n  - name: x',
      errors: ['bad.yaml:1:1: missing required key "rules"', 'bad.yaml:1:1: rule: unknown key "rule"; did you mean "rules"?'],
    },
  ])('$why', ({ text, errors }) => {
    expect(errorsOf(text)).toEqual(errors);
  });

  it('collects every error of a file, in line order', () => {
    const text = [
      'rules:',
      '  - name: first_rule',
      '    metric: filesystem_used_ratio',
      '    above: 0.9',
      '    below: 0.1',
      '    for: 5x',
      '    severity: warning',
      '    summary: "{{ value | percnt }}"',
      '  - name: second_rule',
      '    metric: m',
      '    above: 1',
      '    clearBelow: 2',
      '    matchers: ["a=~\\"(\\""]',
      '    severity: info',
      '    sumary: s',
      'metrics: [{ name: m }]',
    ].join('\n');
    expect(errorsOf(text).map((line) => line.split(': ')[0])).toEqual([
      'bad.yaml:5:5', // both above and below
      'bad.yaml:6:10', // bad duration
      'bad.yaml:8:14', // unknown filter
      'bad.yaml:9:5', // missing summary (the rule's position)
      'bad.yaml:12:17', // clear threshold on the wrong side
      'bad.yaml:13:16', // bad regex
      'bad.yaml:15:5', // unknown key sumary
    ]);
  });
});

describe('loadRuleFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rule = (name: string) => `rules:\n  - { name: ${name}, metric: m, above: 1, severity: info, summary: s }\nmetrics: [{ name: m }]\n`;

  it('reads the YAML files of a directory in name order, and plain files', () => {
    const pack = join(dir, 'pack');
    mkdirSync(pack);
    writeFileSync(join(pack, 'b.yml'), rule('from_b'));
    writeFileSync(join(pack, 'a.yaml'), rule('from_a'));
    writeFileSync(join(pack, 'notes.txt'), 'not a rule file');
    const extra = join(dir, 'extra.yaml');
    writeFileSync(extra, rule('extra'));
    expect(loadRuleFiles([pack, extra]).map((r) => `${r.name}@${r.file}`)).toEqual([
      `from_a@${join(pack, 'a.yaml')}`,
      `from_b@${join(pack, 'b.yml')}`,
      `extra@${extra}`,
    ]);
  });

  it('reports a name used in two files at the second, and the problems of every file together', () => {
    const first = join(dir, 'first.yaml');
    const second = join(dir, 'second.yaml');
    const broken = join(dir, 'broken.yaml');
    writeFileSync(first, rule('same_name'));
    writeFileSync(second, `# comment\n${rule('same_name')}`);
    writeFileSync(broken, rule('other').replace('above', 'abvoe'));
    const missing = join(dir, 'missing.yaml');
    expect(() => loadRuleFiles([first, second, broken, missing])).toThrow(
      [
        `${second}:3:13: rules[0].name: duplicate rule name "same_name"; first defined at ${first}:2:13`,
        `${broken}:2:5: rules[0]: missing "above" or "below": the threshold the rule fires at`,
        `${broken}:2:31: rules[0].abvoe: unknown key "abvoe"; did you mean "above"?`,
        `${missing}:1:1: cannot read rule file or directory (ENOENT)`,
      ].join('\n'),
    );
  });
});

describe('the default rule pack', () => {
  it('lives in <package>/rules/default', () => {
    expect(DEFAULT_RULES_DIR).toBe(join(findPackageRoot(__dirname), 'rules', 'default'));
  });

  it('loads clean and compiles without broken rules', () => {
    const rules = loadRuleFiles([DEFAULT_RULES_DIR]);
    expect(rules.map((r) => r.name).sort()).toEqual([
      'agent_reports_dropped',
      'agent_silent',
      'check_intermittent',
      'check_unknown',
      'cpu_steal_high',
      'cpu_usage_high',
      'disk_read_latency_high',
      'disk_saturated',
      'disk_write_latency_high',
      'dns_failing',
      'file_handles_low',
      'filesystem_filling_fast',
      'filesystem_filling_slowly',
      'filesystem_filling_up',
      'filesystem_inodes_low',
      'filesystem_readonly',
      'filesystem_space_critical',
      'filesystem_space_low',
      'filesystem_unreachable',
      'host_rebooted',
      'http_down',
      'http_slow',
      'load_high',
      'md_raid_degraded',
      'md_raid_rebuilding',
      'memory_usage_high',
      'nagios_plugin_critical',
      'nagios_plugin_warning',
      'network_link_down',
      'network_receive_drops',
      'network_receive_errors',
      'network_speed_dropped',
      'network_transmit_drops',
      'network_transmit_errors',
      'oom_kill',
      'ping_loss_high',
      'process_missing',
      'smart_failing',
      'smart_pending_sectors',
      'smart_reallocated_sectors_growing',
      'smart_wear_high',
      'swap_in_storm',
      'swap_usage_high',
      'systemd_unit_failed',
      'tcp_port_down',
      'temperature_critical',
      'tls_certificate_expiring',
      'tls_certificate_expiring_critical',
    ]);
    expect(compileRules(rules).broken.size).toBe(0);
  });

  it('finds the package root from a compiled location such as dist/rules', () => {
    const root = mkdtempSync(join(tmpdir(), 'tripline-pkg-'));
    try {
      writeFileSync(join(root, 'package.json'), '{}');
      mkdirSync(join(root, 'dist', 'rules'), { recursive: true });
      expect(findPackageRoot(join(root, 'dist', 'rules'))).toBe(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
