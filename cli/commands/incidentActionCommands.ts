/** `tripline incidents ack|resolve|explain ID`. */
import type { IncidentExplanation } from '../../collector/operations/incidentOperations.js';
import { formatDuration } from '../../config/duration.js';
import { terminalText } from '../terminalText.js';
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

/**
 * The why-record as an operator reads it: where the incident stands now, the current occurrence
 * (rule, value, window) and the earlier ones, then each decision in order with the gates it was
 * taken on, what it holds and its desk operations. Every line goes through terminalText: host names,
 * summaries and check output come from agents and must not reach the terminal as control sequences.
 */
export function formatExplanation(e: IncidentExplanation): string {
  const why = e.why as { rule?: string; ruleVersion?: string; reachability?: { verdict: string; detail: string }; inhibitedBy?: Array<{ rule: string; equal: string[] }> };
  const current = e.occurrence;
  const lines = [
    `Incident #${e.incident.id} [${e.incident.status}] ${e.incident.severity}: ${e.incident.summary}`,
    `  host ${e.incident.host || '-'}, opened ${e.incident.openedAt}${e.incident.resolvedAt ? `, resolved ${e.incident.resolvedAt}` : ''}`,
    `  priority ${e.incident.priority} (${e.incident.priorityReason}); services ${e.incident.services.join(', ') || 'none'}`,
    ...(e.incident.sla ? [`  SLA: acknowledge ${e.incident.sla.acknowledge?.state ?? '-'} (due ${e.incident.sla.acknowledge?.dueAt ?? '-'}), resolve ${e.incident.sla.resolve?.state ?? '-'} (due ${e.incident.sla.resolve?.dueAt ?? '-'})`] : []),
    '',
    'Now',
    `  ${e.now.text}`,
    '',
    `Why it fired (occurrence ${current.occurrence})`,
    `  rule ${why.rule ?? e.incident.ruleName} version ${why.ruleVersion ?? e.incident.ruleVersion}`,
    `  ${occurrenceLine(current)}`,
  ];
  if (why.reachability) lines.push(`  reachability: ${why.reachability.verdict} (${why.reachability.detail})`);
  for (const by of why.inhibitedBy ?? []) lines.push(`  inhibitable by ${by.rule}${by.equal.length > 0 ? ` (same ${by.equal.join(', ')})` : ''}`);
  if (e.earlier.length > 0) {
    lines.push('', `Earlier occurrences (${e.earlier.length})`);
    for (const earlier of e.earlier) lines.push(`  #${earlier.occurrence} ${occurrenceLine(earlier)}`);
  }
  lines.push('', 'Timeline (each decision with the gates it was taken on)');
  for (const event of e.timeline) {
    lines.push(`  ${event.at}  ${event.kind.padEnd(16)} ${event.text}${event.value !== null ? ` (value ${event.value})` : ''}`);
    for (const gate of event.gates) lines.push(`      ${gateLabel(gate).padEnd(4)}  ${gate.gate.padEnd(12)} ${gate.reason}`);
  }
  lines.push('', `Suppressed under it (${e.suppressed.length})`);
  for (const child of e.suppressed) lines.push(`  #${child.id} ${child.host} ${child.ruleName} [${child.status}] ${child.summary}`);
  lines.push('', 'Desk operations');
  for (const d of e.deliveries) lines.push(`  ${d.desk} ${d.operation} [${d.state}, ${d.attempts} attempts]`);
  return `${lines.map(terminalText).join('\n')}\n`;
}

/** "pass" for a gate that let the decision through, "HOLD" for one that held the ticket, else what it did ("reopened", "flapping"). */
function gateLabel(gate: IncidentExplanation['timeline'][number]['gates'][number]): string {
  if (gate.passed) return 'pass';
  return gate.hold !== undefined ? 'HOLD' : (gate.code ?? 'HOLD');
}

function occurrenceLine(o: IncidentExplanation['occurrence']): string {
  const window = o.window?.from && o.window.to ? `; window ${o.window.from} .. ${o.window.to} (${formatDuration((Date.parse(o.window.to) - Date.parse(o.window.from)) / 1000)})` : '';
  return `${o.reason}${o.valueText !== null ? ` (value ${o.valueText})` : ''}${window}`;
}

function parseId(text: string): number {
  if (!/^[0-9]{1,15}$/.test(text)) throw new CliError(`"${text}" is not an incident id`);
  return Number(text);
}
