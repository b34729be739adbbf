/**
 * The lifecycle settings the decision functions read, in milliseconds and plain values, derived
 * once from the `incidents:` config section (whose durations are milliseconds already).
 */
import type { IncidentsConfig } from '../../config/incidentsConfigSchema.js';
import type { Severity } from '../../rules/index.js';
import { DEFAULT_TIME_ZONE } from '../../config/timeZone.js';

export interface IncidentPolicy {
  reopenWindowMs: number;
  /** How long a cleared problem stays clear before its incident resolves; 0 resolves at the clear. */
  resolveSettleMs: number;
  /** After a manual resolve, when the incident re-arms if its rule still fires; 0 never. */
  rearmAfterMs: number;
  flap: { enabled: boolean; windowMs: number; highPercent: number; lowPercent: number };
  /** Sorted by `afterMs`. */
  escalation: ReadonlyArray<{ afterMs: number; severity: Severity }>;
  groupByHost: boolean;
  /** When true, a new incident of a down rule waits (hold 'probing') for the reachability verdict. */
  probeReachability: boolean;
  /** A probe that has not answered after this long releases the ticket with "reachability unknown". */
  probeTimeoutMs: number;
  /** How long a silent host with parents waits before its probe, so its failing parent is seen first. */
  settleMs: number;
  /** How long a symptom stays held after its parent incident resolved. */
  recoveryGraceMs: number;
  /** How long an inhibited incident stays held after its inhibitor resolved. */
  inhibitionGraceMs: number;
  downRules: readonly string[];
  targetDownRules: readonly string[];
  /** The IANA time zone maintenance windows' cron expressions are read in. */
  timeZone: string;
}

/** The policy of an `incidents:` section; `timeZone` is the config's top-level one (UTC when not given). */
export function incidentPolicy(config: IncidentsConfig, options: { probeReachability?: boolean; timeZone?: string } = {}): IncidentPolicy {
  const pingTimeoutMs = config.reachability.pingTimeout;
  return {
    reopenWindowMs: config.reopenWindow,
    resolveSettleMs: config.resolveSettle,
    rearmAfterMs: config.rearmAfter,
    flap: {
      enabled: config.flap.enabled,
      windowMs: config.flap.window,
      highPercent: config.flap.highThreshold,
      lowPercent: config.flap.lowThreshold,
    },
    escalation: config.escalation
      .map((step) => ({ afterMs: step.after, severity: step.severity }))
      .sort((a, b) => a.afterMs - b.afterMs),
    groupByHost: config.grouping.byHost,
    probeReachability: options.probeReachability ?? config.reachability.enabled,
    probeTimeoutMs: config.topology.settle + Math.max(30_000, pingTimeoutMs * 5),
    settleMs: config.topology.settle,
    recoveryGraceMs: config.topology.recoveryGrace,
    inhibitionGraceMs: config.inhibition.recoveryGrace,
    downRules: config.topology.downRules,
    targetDownRules: config.topology.targetDownRules,
    timeZone: options.timeZone ?? DEFAULT_TIME_ZONE,
  };
}

const SEVERITY_RANK: Record<string, number> = { info: 0, warning: 1, critical: 2 };

/** Orders severities; unknown ones rank lowest. */
export function severityRank(severity: string): number {
  return SEVERITY_RANK[severity] ?? -1;
}
