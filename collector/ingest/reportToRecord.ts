/**
 * Turns a validated wire Report into what the store and the rules engine consume: samples with
 * the collector-side labels (`host` and the agent's own labels) attached.
 */
import type { Report } from '../../contract/report.js';
import type { ReportRecord } from '../store/store.js';

/** Labels an observation may not set itself, because the collector owns them. */
const RESERVED_LABELS = new Set(['host']);

export function reportToRecord(report: Report, receivedAtMs: number): ReportRecord {
  const hostLabels = { ...report.agent.labels, host: report.agent.hostname };
  return {
    agentId: report.agent.id,
    hostname: report.agent.hostname,
    labels: report.agent.labels,
    version: report.agent.version,
    intervalSeconds: report.agent.intervalSeconds,
    ...(report.agent.addresses === undefined ? {} : { addresses: report.agent.addresses }),
    ...(report.agent.defaultGateway === undefined ? {} : { defaultGateway: report.agent.defaultGateway }),
    ...(report.inventory === undefined ? {} : { inventory: report.inventory }),
    sequence: report.sequence,
    receivedAtMs,
    samples: report.observations.map((o) => ({
      metric: o.metric,
      labels: mergeLabels(hostLabels, o.labels),
      value: o.value,
      atMs: Date.parse(o.at),
    })),
    checks: report.checks,
  };
}

function mergeLabels(hostLabels: Record<string, string>, own: Record<string, string>): Record<string, string> {
  const merged: Record<string, string> = { ...hostLabels };
  for (const [key, value] of Object.entries(own)) if (!RESERVED_LABELS.has(key)) merged[key] = value;
  merged.host = hostLabels.host!;
  return merged;
}
