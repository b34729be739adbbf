/** `tripline incidents ack|resolve|explain ID`. */
import type { IncidentExplanation } from '../../collector/operations/incidentOperations.js';
import { CliError, refusalsToStderr, withOperations } from './withOperations.js';

export function incidentActionCommand(kind: 'acknowledge' | 'resolve', idText: string, options: { config?: string; by?: string; comment?: string }): number {
  const id = parseId(idText);
  return withOperations(options.config, false, (operations) =>
    refusalsToStderr(['conflict'], () => {
      const { reason } = operations[kind](id, { by: options.by ?? process.env.USER ?? 'cli', comment: options.comment ?? '' });
      process.stdout.write(`incident ${id}: ${reason}\n`);
      return 0;
    }),
  );
}

export function incidentExplainCommand(idText: string, options: { config?: string; json?: boolean }): number {
  const id = parseId(idText);
  return withOperations(options.config, true, (operations) => {
    const explanation = operations.explainIncident(id);
    process.stdout.write(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
    return 0;
  });
}

/** The why-record as an operator reads it: what fired, on which values, which gates it passed, what it holds. */
export function formatExplanation(e: IncidentExplanation): string {
  const why = e.why as {
    rule?: string;
    ruleVersion?: string;
    value?: number;
    reason?: string;
    window?: { fromMs: number; toMs: number };
    gates?: Array<{ gate: string; passed: boolean; reason: string }>;
    reachability?: { verdict: string; detail: string };
    inhibitedBy?: Array<{ rule: string; equal: string[] }>;
  };
  const lines = [
    `Incident #${e.incident.id} [${e.incident.status}] ${e.incident.severity}: ${e.incident.summary}`,
    `  host ${e.incident.host || '-'}, opened ${e.incident.openedAt}${e.incident.resolvedAt ? `, resolved ${e.incident.resolvedAt}` : ''}`,
    `  occurrences ${e.lifecycle.occurrences}${e.lifecycle.flapping ? ', FLAPPING' : ''}; ticket ${e.lifecycle.ticketed ? 'opened' : 'none'}${e.lifecycle.hold ? ` (held: ${e.lifecycle.hold})` : ''}${e.lifecycle.parentIncidentId !== null ? `; under incident #${e.lifecycle.parentIncidentId}` : ''}`,
    `  priority ${e.incident.priority} (${e.incident.priorityReason}); services ${e.incident.services.join(', ') || 'none'}`,
    ...(e.incident.sla ? [`  SLA: acknowledge ${e.incident.sla.acknowledge?.state ?? '-'} (due ${e.incident.sla.acknowledge?.dueAt ?? '-'}), resolve ${e.incident.sla.resolve?.state ?? '-'} (due ${e.incident.sla.resolve?.dueAt ?? '-'})`] : []),
    '',
    'Why it fired',
    `  rule ${why.rule ?? e.incident.ruleName} version ${why.ruleVersion ?? e.incident.ruleVersion}`,
    `  ${why.reason ?? ''} (value ${why.value ?? '?'})`,
  ];
  if (why.window) lines.push(`  window ${new Date(why.window.fromMs).toISOString()} .. ${new Date(why.window.toMs).toISOString()}`);
  if (why.reachability) lines.push(`  reachability: ${why.reachability.verdict} (${why.reachability.detail})`);
  for (const by of why.inhibitedBy ?? []) lines.push(`  inhibitable by ${by.rule}${by.equal.length > 0 ? ` (same ${by.equal.join(', ')})` : ''}`);
  lines.push('', 'Gates');
  for (const gate of why.gates ?? []) lines.push(`  ${gate.passed ? 'pass' : 'HOLD'}  ${gate.gate.padEnd(12)} ${gate.reason}`);
  lines.push('', `Suppressed under it (${e.suppressed.length})`);
  for (const child of e.suppressed) lines.push(`  #${child.id} ${child.host} ${child.ruleName} [${child.status}] ${child.summary}`);
  lines.push('', 'Timeline');
  for (const event of e.timeline) lines.push(`  ${event.at}  ${event.kind.padEnd(16)} ${event.text}`);
  lines.push('', 'Desk operations');
  for (const d of e.deliveries) lines.push(`  ${d.desk} ${d.operation} [${d.state}, ${d.attempts} attempts]`);
  return `${lines.join('\n')}\n`;
}

function parseId(text: string): number {
  if (!/^[0-9]{1,15}$/.test(text)) throw new CliError(`"${text}" is not an incident id`);
  return Number(text);
}
