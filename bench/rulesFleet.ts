/**
 * The rule set and the fleet of `npm run bench:rules` (bench/rules.ts): 100 rules of every kind and
 * the samples of one host's report, in a module of their own so that a test loads the rules and
 * runs the fleet through them (test/rules/benchRulesFleet.test.ts): a rule file the loader refuses
 * once made the bench fail at start.
 */
import { parseRuleFile, type Rule, type SeriesSample } from '../rules/index.js';

const MOUNTS = ['/', '/var', '/home', '/srv'];
const INTERFACES = ['eth0', 'eth1'];
const TARGETS = ['gw', 'dns', 'db'];

/** 100 rules: 10 families of 10, each family one kind, thresholds and matchers varied so that each sample meets several rules. */
export function benchRules(): Rule[] {
  const entries: string[] = [];
  for (let i = 0; i < 10; i++) {
    const mount = MOUNTS[i % MOUNTS.length]!;
    const t = (0.5 + i * 0.05).toFixed(2);
    const summary = 'summary: "{{ labels.host }} {{ value | percent }}"';
    entries.push(
      `- { name: disk_${i}, metric: filesystem_used_ratio, matchers: ['mount="${mount}"', 'fstype!~"tmpfs|overlay"'], above: ${t}, clearBelow: 0.4, for: 5m, severity: warning, ${summary} }`,
      `- { name: mem_${i}, metric: memory_used_ratio, above: ${t}, keepFiringFor: 5m, severity: warning, ${summary} }`,
      `- { name: cpu_avg_${i}, metric: cpu_usage_ratio, function: avg, window: ${i + 1}m, above: ${t}, severity: info, ${summary} }`,
      `- { name: load_max_${i}, metric: load1_per_core, function: max, window: 5m, above: ${1 + i}, severity: info, ${summary} }`,
      `- { name: rx_rate_${i}, metric: network_receive_bytes_total, matchers: ['interface="${INTERFACES[i % 2]}"'], function: rate, window: 2m, above: ${1e6 * (i + 1)}, severity: info, ${summary} }`,
      `- { name: err_inc_${i}, metric: network_receive_errors_total, function: increase, window: 10m, above: ${10 * (i + 1)}, severity: warning, ${summary} }`,
      `- { name: fill_${i}, metric: filesystem_used_ratio, matchers: ['mount="${mount}"'], predict: { window: ${i + 1}h, horizon: 4h }, above: 0.99, for: 30m, severity: warning, ${summary} }`,
      `- { name: ping_absent_${i}, metric: ping_rtt_seconds, matchers: ['target="${TARGETS[i % 3]}"'], absent: { for: ${i + 2} intervals }, severity: warning, summary: s }`,
      `- { name: loss_ratio_${i}, metric: ping_loss_ratio, aggregate: { by: [group], function: ratio, seriesAbove: 0.5 }, above: ${t}, severity: critical, summary: "{{ labels.group }} {{ value | percent }}" }`,
      `- { name: tcp_${i}, metric: tcp_up, matchers: ['target=~"svc-${i}.*"'], below: 1, for: 30s, severity: critical, summary: s }`,
    );
  }
  // Every host's series carry `group` (hostSamples), declared as agents declare their host labels.
  return parseRuleFile(`hostLabels: [group]\nrules:\n${entries.map((e) => `  ${e}`).join('\n')}\n`, 'bench-rules.yaml');
}

/** One host's report at `atMs`: 32 series of the metrics the rules watch (mostly healthy). */
export function hostSamples(host: number, round: number, atMs: number): SeriesSample[] {
  const labels = { host: `host-${host}`, group: `group-${host % 20}` };
  const samples: SeriesSample[] = [];
  const add = (metric: string, value: number, extra: Record<string, string> = {}) => samples.push({ metric, labels: { ...labels, ...extra }, value, atMs });
  // Each host has its own level (a few breach some rules and stay so) plus a small jitter per round,
  // as real fleets look: most series healthy and steady, a few alerts, few transitions.
  const level = ((host * 7919) % 1000) / 1000;
  const noise = level + (((host + round) % 7) - 3) * 0.002;
  for (const mount of MOUNTS) add('filesystem_used_ratio', 0.3 + 0.6 * noise + round * 0.001, { mount, fstype: 'ext4', device: `sd-${mount}` });
  add('memory_used_ratio', 0.4 + 0.5 * noise);
  add('cpu_usage_ratio', noise);
  add('load1_per_core', 3 * noise);
  for (const iface of INTERFACES) {
    add('network_receive_bytes_total', (round + 1) * 1e7 * (1 + noise), { interface: iface });
    add('network_receive_errors_total', round * 5 * noise, { interface: iface });
  }
  for (const target of TARGETS) {
    // host % 50 === 0 stops pinging after round 3, so absent rules have something to find.
    if (!(host % 50 === 0 && round > 3)) add('ping_rtt_seconds', 0.001 + noise / 100, { target });
    add('ping_loss_ratio', noise > 0.9 ? 1 : 0, { target });
  }
  for (let s = 0; s < 15; s++) add('tcp_up', noise > 0.97 ? 0 : 1, { target: `svc-${s % 10}:${8000 + s}` });
  return samples;
}
