/**
 * `tripline rules backtest --rules FILE... --since 7d`: replays stored history through the rules
 * engine and the incident lifecycle twice, once with the candidate rules and once with the rules in
 * force, and prints what each would have opened side by side. Reads the database only.
 */
import { systemClock } from '../../collector/clock.js';
import type { BacktestSummary } from '../../collector/backtest/runBacktest.js';
import type { BacktestComparison } from '../../collector/operations/backtestComparison.js';
import { formatDuration, parseDurationMs } from '../../config/duration.js';
import { loadRuleFiles } from '../../rules/index.js';
import { loadConfiguredRules } from '../loadConfiguredRules.js';
import { withOperations } from './withOperations.js';

export function rulesBacktestCommand(options: { rules: string[]; since: string; config?: string; json?: boolean }): number {
  return withOperations(options.config, true, (operations, config) => {
    const candidate = loadRuleFiles(options.rules);
    const inForce = loadConfiguredRules(config);
    const toMs = systemClock.nowMs();
    const fromMs = toMs - parseDurationMs(options.since);
    const comparison = operations.backtest({ candidate, inForce, fromMs, toMs });
    process.stdout.write(options.json ? `${JSON.stringify(comparison, null, 2)}\n` : formatComparison(comparison, options.rules.join(', ')));
    return 0;
  });
}

/** Two columns: the rules in force and the candidate, over the same history. */
export function formatComparison(c: BacktestComparison, candidateName: string): string {
  const rows: Array<[string, string, string]> = [];
  const row = (label: string, pick: (s: BacktestSummary) => string) => rows.push([label, pick(c.inForce), pick(c.candidate)]);
  row('incidents', (s) => String(s.incidents));
  row('  with a ticket', (s) => String(s.tickets));
  row('  without (held)', (s) => String(s.withoutTicket));
  row('  still open at end', (s) => String(s.stillOpen));
  row('median duration', (s) => (s.medianDurationMs === null ? '-' : formatDuration(s.medianDurationMs / 1000)));
  row('desk operations', (s) => String(Object.values(s.deskOperations).reduce((a, b) => a + b, 0)));
  for (const op of ['open', 'update', 'resolve', 'reopen']) row(`  ${op}`, (s) => String(s.deskOperations[op] ?? 0));
  const hosts = [...new Set([...Object.keys(c.inForce.perHost), ...Object.keys(c.candidate.perHost)])].sort();
  if (hosts.length > 0) rows.push(['per host', '', '']);
  for (const host of hosts) row(`  ${host || '(no host)'}`, (s) => String(s.perHost[host] ?? 0));
  const ruleNames = [...new Set([...Object.keys(c.inForce.perRule), ...Object.keys(c.candidate.perRule)])].sort();
  if (ruleNames.length > 0) rows.push(['per rule', '', '']);
  for (const name of ruleNames) row(`  ${name}`, (s) => String(s.perRule[name] ?? 0));
  const header: [string, string, string] = ['', 'in force', `candidate (${candidateName})`];
  const width0 = Math.max(...[header, ...rows].map((r) => r[0].length));
  const width1 = Math.max(...[header, ...rows].map((r) => r[1].length));
  const lines = [header, ...rows].map(([a, b, cc]) => `${a.padEnd(width0)}  ${b.padStart(width1)}  ${cc}`);
  return [
    `Backtest ${new Date(c.fromMs).toISOString()} .. ${new Date(c.toMs).toISOString()}: ${c.inForce.samples} samples replayed per rule set in ${(c.elapsedMs / 1000).toFixed(1)}s`,
    ...lines,
    '',
  ].join('\n');
}
