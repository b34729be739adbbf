/** The rules the lifecycle tests and scenarios use: the built-in shapes, with short timers. */
import type { Rule } from '../../rules/index.js';
import { testRule } from '../rules/ruleScenario.js';

export const diskRule: Rule = testRule({
  name: 'filesystem_space_low',
  metric: 'filesystem_used_ratio',
  fire: { op: 'above', threshold: 0.9 },
  clear: { op: 'below', threshold: 0.85 },
  severity: 'warning',
  summary: 'Filesystem {{ labels.mount }} on {{ labels.host }} is {{ value | percent }} full',
});

export const cpuRule: Rule = testRule({
  name: 'cpu_saturated',
  metric: 'cpu_busy_ratio',
  fire: { op: 'above', threshold: 0.95 },
  clear: { op: 'below', threshold: 0.8 },
  forSeconds: 300,
  severity: 'warning',
  summary: 'CPU on {{ labels.host }} is {{ value | percent }} busy',
});

export const linkRule: Rule = testRule({
  name: 'interface_down',
  metric: 'interface_up',
  fire: { op: 'below', threshold: 1 },
  clear: { op: 'atOrAbove', threshold: 1 },
  severity: 'warning',
  summary: 'Interface {{ labels.interface }} on {{ labels.host }} is down',
});

export const agentSilentRule: Rule = testRule({
  name: 'agent_silent',
  metric: 'agent_missed_reports',
  fire: { op: 'above', threshold: 3 },
  clear: { op: 'below', threshold: 1 },
  severity: 'critical',
  summary: 'Agent on {{ labels.host }} has stopped reporting',
});

export const ALL_RULES: readonly Rule[] = [diskRule, cpuRule, linkRule, agentSilentRule];

export const disk = (value: number, mount = '/') => ({ metric: 'filesystem_used_ratio', value, labels: { mount } });
export const cpu = (value: number) => ({ metric: 'cpu_busy_ratio', value });
export const link = (up: boolean) => ({ metric: 'interface_up', value: up ? 1 : 0, labels: { interface: 'eth0' } });
