/** The shapes of the API answers the console reads (see /api/v1/openapi.json). */

export type HostStatus = 'ok' | 'problem' | 'silent';

export interface FleetHost {
  hostname: string;
  agentId: string;
  labels: Record<string, string>;
  version: string;
  status: HostStatus;
  lastReportAt: string;
  intervalSeconds: number;
  openIncidents: number;
  worstSeverity: string | null;
  services: string[];
}

export interface FleetPage {
  total: number;
  counts: Record<HostStatus, number>;
  hosts: FleetHost[];
}

export interface SeriesPoints {
  at: number[];
  min: Array<number | null>;
  avg: Array<number | null>;
  max: Array<number | null>;
}

export interface Series {
  metric: string;
  labels: Record<string, string>;
  points: SeriesPoints;
}

export interface SeriesHistory {
  host: string;
  from: string;
  to: string;
  stepSeconds: number;
  series: Series[];
}

export interface LatestValue {
  metric: string;
  labels: Record<string, string>;
  value: number;
  at: string;
  text?: string;
}

export interface Host {
  agentId: string;
  hostname: string;
  labels: Record<string, string>;
  version: string;
  intervalSeconds: number;
  lastReportAt: string;
  firstSeenAt: string;
  addresses: string[];
  defaultGateway: string | null;
  inventory: Record<string, unknown> | null;
}

export interface Incident {
  id: number;
  key: string;
  status: 'open' | 'acknowledged' | 'resolved' | 'closed';
  severity: string;
  ruleName: string;
  host: string;
  summary: string;
  description: string;
  labels: Record<string, string>;
  openedAt: string;
  resolvedAt: string | null;
  updatedAt: string;
  occurrences: number;
  flapping: boolean;
  /** P1 (most urgent) to P5, by the impact x urgency matrix; raised once by an SLA breach. */
  priority: string;
  impact: string;
  urgency: string;
  services: string[];
  priorityReason: string;
  /** The SLA clocks of its priority; null when its priority has none. */
  sla: { acknowledge: SlaClock | null; resolve: SlaClock | null } | null;
  ticketed: boolean;
  hold: string | null;
  parentIncidentId: number | null;
  why: Record<string, unknown>;
}

export interface Delivery {
  id: number;
  incidentId: number;
  desk: string;
  operation: string;
  state: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface Ticket {
  desk: string;
  externalId: string;
  url: string | null;
  state: string;
  deskStatus: string | null;
  checkedAt: string | null;
}

export interface IncidentDetail {
  incident: Incident;
  timeline: Array<{ at: string; kind: string; text: string; data: Record<string, unknown> }>;
  tickets: Ticket[];
  deliveries: Delivery[];
}

export interface Silence {
  id: number;
  matchers: string[];
  startsAt: string;
  expiresAt: string;
  comment: string;
  createdBy: string;
}

export interface Agent {
  agentId: string;
  hostname: string;
  enrolledAt: string;
  revokedAt: string | null;
}

export interface RuleSeries {
  labels: Record<string, string>;
  status: 'pending' | 'firing';
  since: string | null;
  lastValue: number;
}

export interface RuleInForce {
  name: string;
  kind: string;
  source: string;
  metric: string;
  matchers: string[];
  severity: string;
  summary: string;
  version: string;
  forSeconds: number;
  healthy: boolean;
  error?: string;
  state: 'inactive' | 'pending' | 'firing';
  firingCount: number;
  pendingCount: number;
  series: RuleSeries[];
}

export interface ReplayedIncident {
  host: string;
  labels: Record<string, string>;
  summary: string;
  openedAt: string;
  resolvedAt: string | null;
}

export interface ReplayCounts {
  opened: number;
  resolved: number;
  stillOpen: number;
}

export interface RuleDiff {
  rule: string;
  inForce: boolean;
  candidate: ReplayCounts;
  current: ReplayCounts;
  onlyCandidate: ReplayedIncident[];
  onlyCurrent: ReplayedIncident[];
}

export type RuleCheck =
  | { valid: false; problems: Array<{ line: number; column: number; path: string; message: string; text: string }> }
  | { valid: true; rules: Array<{ name: string; kind: string; line: number }>; backtest: { from: string; to: string; truncated: boolean; samples: number; elapsedMs: number; diffs: RuleDiff[] } };

export interface SlaClock {
  dueAt: string;
  state: 'running' | 'met' | 'breached';
}

export type ServiceState = 'operational' | 'degraded' | 'outage';

/** A service of the catalogue with its state now (GET /api/v1/services). */
export interface Service {
  name: string;
  description: string;
  owner: string;
  impact: string;
  state: ServiceState;
  reason: string;
  ownState: ServiceState;
  dependsOn: string[];
  desks: string[];
  members: { hosts: string[]; groups: string[]; matchers: string[] };
  minHealthy: number | null;
  hosts: string[];
  unhealthyHosts: string[];
  incidents: Array<{ id: number; host: string; ruleName: string; severity: string; status: string; priority: string; summary: string }>;
}

/** One service's month (GET /api/v1/reports/services). */
export interface ServiceReport {
  service: string;
  month: string;
  outageMinutes: number;
  degradedMinutes: number;
  availabilityPercent: number;
  incidents: number;
  mttaMinutes: number | null;
  mttrMinutes: number | null;
  slaBreaches: number;
}
