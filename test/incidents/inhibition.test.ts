/**
 * Inhibition across rules: one symptom seen by two rules is one ticket, and no resolve is lost.
 * Rules come from YAML (the loader wires `inhibits`), the decisions run on the real store and
 * incident service, and the desk operations are asserted exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatExplanation } from '../../cli/commands/incidentActionCommands.js';
import { systemClock } from '../../collector/clock.js';
import { createOperations } from '../../collector/operations/createOperations.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { compileRules, parseRuleFile } from '../../rules/index.js';
import { pino } from 'pino';
import { errorsOf } from '../rules/ruleEntryFile.js';
import { createLifecycleHarness, type LifecycleHarness } from '../support/lifecycleHarness.js';

/** A custom rule on one port that inhibits the built-in shape of tcp_port_down; `forSeconds` of each. */
function rules(customFor: string, builtinFor: string) {
  return parseRuleFile(
    `rules:
  - name: payments_api_down
    metric: tcp_up
    matchers: ['target="payments"']
    below: 1
    for: ${customFor}
    severity: critical
    summary: 'Payments API is down ({{ labels.host }})'
    inhibits:
      - rules: [tcp_port_down]
        equal: [host, target]
  - name: tcp_port_down
    metric: tcp_up
    below: 1
    for: ${builtinFor}
    severity: critical
    summary: '{{ labels.target }} is not accepting connections'
`,
    'rules.yaml',
  );
}

const port = (up: boolean, target = 'payments') => ({ metric: 'tcp_up', value: up ? 1 : 0, labels: { target } });

describe('inhibition between rules', () => {
  let h: LifecycleHarness;
  afterEach(() => h.close());

  it('two rules on one symptom make one ticket, and the resolve at recovery', () => {
    h = createLifecycleHarness({ rules: rules('30s', '30s') });
    h.at(0).report('web-1', [port(true)]);
    h.at(15).report('web-1', [port(false)]);
    h.at(45).report('web-1', [port(false)]);
    const [source, target] = h.incidents();
    expect([source!.ruleName, source!.hold, target!.ruleName, target!.hold, target!.parentIncidentId]).toEqual(['payments_api_down', null, 'tcp_port_down', 'inhibited', source!.id]);
    expect(h.deskOperations()).toEqual([`open #${source!.id}`]);
    h.at(60).report('web-1', [port(true)]);
    expect(h.incidents().map((i) => i.status)).toEqual(['resolved', 'resolved']);
    expect(h.deskOperations()).toEqual([`open #${source!.id}`, `resolve #${source!.id}`]);
  });

  it('explains which rule and incident held the inhibited one', () => {
    h = createLifecycleHarness({ rules: rules('30s', '30s') });
    h.at(0).report('web-1', [port(false)]);
    h.at(30).report('web-1', [port(false)]);
    const [source, target] = h.incidents();
    const { config } = loadConfig(undefined, {});
    const operations = createOperations({ store: h.store, config, clock: systemClock, core: createIncidentCore({ store: h.store, config, clock: systemClock, log: pino({ level: 'silent' }) }) });
    const text = formatExplanation(operations.explainIncident(target!.id));
    expect(text).toContain(`HOLD  inhibition   inhibited by payments_api_down (incident #${source!.id}, same host, target)`);
    expect(text).toContain('inhibitable by payments_api_down (same host, target)');
    expect(formatExplanation(operations.explainIncident(source!.id))).toContain(`#${target!.id} web-1 tcp_port_down [open]`);
  });

  it('leaves an incident that already has a ticket alone, so its resolve is never lost', () => {
    h = createLifecycleHarness({ rules: rules('1m', '15s') });
    h.at(0).report('web-1', [port(false)]);
    h.at(15).report('web-1', [port(false)]); // tcp_port_down fires first: its own ticket
    h.at(60).report('web-1', [port(false)]); // the inhibitor fires later
    const [builtin, custom] = h.incidents();
    expect([builtin!.ruleName, builtin!.hold, custom!.ruleName]).toEqual(['tcp_port_down', null, 'payments_api_down']);
    h.at(75).report('web-1', [port(true)]);
    // Inhibitors are decided first in a batch, so the custom rule's resolve comes first.
    expect(h.deskOperations()).toEqual([`open #${builtin!.id}`, `open #${custom!.id}`, `resolve #${custom!.id}`, `resolve #${builtin!.id}`]);
  });

  it('releases a held incident that outlasts its inhibitor by the grace, with a ticket, and resolves it later', () => {
    h = createLifecycleHarness({ rules: rules('0s', '0s'), incidents: { inhibition: { recoveryGrace: parseDurationMs('1m') } } });
    h.at(0).report('web-1', [port(false)]);
    const [source, target] = h.incidents();
    expect(target!.hold).toBe('inhibited');
    // The inhibitor resolves by hand; the port is still down, so tcp_port_down persists.
    h.at(10).operator(source!.id, 'resolve');
    h.at(30).report('web-1', [port(false)]);
    expect(h.store.getIncident(target!.id)!.hold).toBe('inhibited'); // within the grace
    h.at(75).report('web-1', [port(false)]);
    expect(h.store.getIncident(target!.id)!.hold).toBeNull();
    h.at(90).report('web-1', [port(true)]);
    expect(h.deskOperations()).toEqual([`open #${source!.id}`, `resolve #${source!.id}`, `open #${target!.id}`, `resolve #${target!.id}`]);
  });

  it('does not inhibit when an `equal` label differs', () => {
    h = createLifecycleHarness({ rules: rules('0s', '0s') });
    h.at(0).report('web-1', [port(false), port(false, 'ssh')]);
    expect(h.incidents().map((i) => `${i.ruleName} ${i.labels.target} ${i.hold}`)).toEqual(['payments_api_down payments null', 'tcp_port_down payments inhibited', 'tcp_port_down ssh null']);
  });
});

describe('inhibits in rule files', () => {
  const inhibiting = (inhibits: string, second: string) =>
    errorsOf(`rules:\n  - { name: a, metric: tcp_up, below: 1, severity: info, summary: s, inhibits: ${inhibits} }\n  - { name: ${second}, metric: tcp_up, below: 1, severity: info, summary: s, inhibits: [{ rules: [a] }] }\n`);

  it.each([
    { why: 'a rule that does not exist, with the nearest name', inhibits: '[{ rules: [bb] }]', second: 'bbb', errors: ['bad.yaml:2:91: rules[0].inhibits[0].rules[0]: no rule named "bb" to inhibit; did you mean "bbb"?'] },
    { why: 'itself', inhibits: '[{ rules: [a] }]', second: 'c', errors: ['bad.yaml:2:91: rules[0].inhibits[0].rules[0]: a rule cannot inhibit itself'] },
    {
      why: 'a loop',
      inhibits: '[{ rules: [b] }]',
      second: 'b',
      errors: ['bad.yaml:3:91: rules[1].inhibits[0].rules[0]: inhibiting "a" closes a loop (a -> b -> a): each rule would keep the other\'s tickets from opening'],
    },
  ])('refuses $why', ({ inhibits, second, errors }) => {
    expect(inhibiting(inhibits, second)).toEqual(errors);
  });

  it('gives the signals of an inhibited rule its inhibitors and their depth, and changes only its own version', () => {
    const [custom, builtin] = rules('0s', '0s');
    expect(compileRules([custom!, builtin!]).byMetric.get('tcp_up')!.map((c) => c.inhibition)).toEqual([undefined, { depth: 1, by: [{ rule: 'payments_api_down', equal: ['host', 'target'] }] }]);
    const plain = parseRuleFile("rules:\n  - { name: payments_api_down, metric: tcp_up, matchers: ['target=\"payments\"'], below: 1, severity: critical, summary: s }\n", 'x.yaml')[0]!;
    const inhibiting = parseRuleFile("rules:\n  - { name: payments_api_down, metric: tcp_up, matchers: ['target=\"payments\"'], below: 1, severity: critical, summary: s, inhibits: [{ rules: [x] }] }\n  - { name: x, metric: tcp_up, below: 1, severity: info, summary: s }\n", 'x.yaml')[0]!;
    expect(plain.version).not.toBe(inhibiting.version);
  });
});
