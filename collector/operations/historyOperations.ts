/**
 * History as the console and the read API see it: a host's series downsampled over a time range,
 * the latest value of each of its series (checks with their last output), and the fleet overview
 * (every host with its status, last report and open incidents). All reads go through one
 * `HostSampleReader`, the store's raw history today; the history module's rollups can take its
 * place without touching the callers.
 */
import { SEVERITIES } from '../../rules/load/ruleFileSchema.js';
import type { Clock } from '../clock.js';
import { createHistoryReader, type LatestValue as HistoryLatest, type SeriesRead } from '../history/historyReader.js';
import { compileLabelMatchers, type LabelMatcher } from '../../rules/index.js';
import type { SeriesRecord } from '../domain/history.js';
import type { HostRecord } from '../domain/host.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { Store, StoredSample } from '../store/store.js';
import { invalidField, OperationError } from './operationError.js';
import { createSeriesBuckets, seriesKey, stepFor, type DownsampledSeries } from './seriesBuckets.js';

/** Every stored sample of one host between two times, in time order. */
export type HostSampleReader = (hostname: string, fromMs: number, toMs: number) => Iterable<StoredSample>;

/** What a history read asks for. */
export interface SeriesQuery {
  host: string;
  /** Only these metrics; all of the host's when absent. */
  metrics?: readonly string[];
  /** Only series whose labels carry these values. */
  labels?: Readonly<Record<string, string>>;
  fromMs: number;
  toMs: number;
  /** The step wanted; widened so the answer stays within `maxPoints` steps. */
  stepMs?: number;
  maxPoints?: number;
}

/** A host's series over a range, downsampled. */
export interface SeriesHistory {
  host: string;
  from: string;
  to: string;
  stepSeconds: number;
  series: DownsampledSeries[];
}

/** The latest sample of one series, with a check's output line when it has one. */
export interface LatestValue {
  metric: string;
  labels: Record<string, string>;
  value: number;
  at: string;
  text?: string;
}

/** Whether a host reports: `silent` past three intervals without a report, `problem` with an active incident. */
export type HostStatus = 'ok' | 'problem' | 'silent';

/** One row of the fleet page. */
export interface FleetHost {
  hostname: string;
  agentId: string;
  labels: Record<string, string>;
  version: string;
  status: HostStatus;
  lastReportAt: string;
  intervalSeconds: number;
  openIncidents: number;
  /** The most severe active incident's severity, or null. */
  worstSeverity: string | null;
  /** The catalogue's services the host is a member of (by name, group or matchers), in catalogue order. */
  services: string[];
}

export interface FleetFilter {
  /** Label matchers `name=value`, all of which must hold. */
  labels?: Readonly<Record<string, string>>;
  status?: HostStatus;
  /** A service's name: only its member hosts. */
  service?: string;
  /** Part of the hostname. */
  search?: string;
  offset?: number;
  limit?: number;
}

export interface FleetPage {
  total: number;
  counts: Record<HostStatus, number>;
  hosts: FleetHost[];
}

export interface HistoryOperations {
  /** A host's series over `fromMs`..`toMs`, at most `maxPoints` (default 600) steps each. */
  hostSeries(query: SeriesQuery): SeriesHistory;
  /** The latest value of each of the host's series, from its last reports. */
  latestValues(host: string): LatestValue[];
  /** The fleet, filtered and paged, hosts by name. */
  fleet(filter?: FleetFilter): FleetPage;
  /** One metric's series of every host matching `matchers`, raw or aggregated per step (the Prometheus-compatible API's reads). */
  readSeries(query: { metric: string; matchers: readonly LabelMatcher[]; fromMs: number; toMs: number; stepMs?: number }): SeriesRead[];
  /** The series of one metric (every host) matching `matchers`, without their samples. */
  findSeries(query: { metric: string; matchers: readonly LabelMatcher[] }): SeriesRecord[];
  /** The newest sample of each series of one metric matching `matchers`. */
  latestSeriesValues(query: { metric: string; matchers: readonly LabelMatcher[] }): HistoryLatest[];
  /** One metric's trend line (a sample per step) for each of `hosts` (the fleet page's); unknown hosts are left out. */
  fleetTrend(query: { hosts: readonly string[]; metric: string; fromMs: number; toMs: number; maxPoints: number }): FleetTrend;
}

/**
 * Trend lines for a page of hosts. Each step holds one sample (the host's first in the step), not the
 * step's mean: a sparkline needs its shape, and a sample a step reads one stored report a host and
 * step instead of every report of the hour (100 hosts reporting every 15 s: 3,000 reports, not 24,000).
 */
export interface FleetTrend {
  stepSeconds: number;
  /** By hostname: step starts (Unix seconds) and the first sample in each step of the host's first series of the metric (null: none). */
  trends: Record<string, { at: number[]; value: Array<number | null> }>;
}

/** History reads never scan more than this span (the longest console range plus a margin). */
export const MAX_HISTORY_SPAN_MS = 32 * 86_400_000;
const DEFAULT_MAX_POINTS = 600;

export interface HistoryOperationsOptions {
  store: Store;
  clock: Clock;
  /** How long raw samples are kept (`collector.retention`): older ranges come from rollups. */
  rawRetentionMs: number;
  /** Raw samples of a host; the store's by default. */
  readHost?: HostSampleReader;
  /** The services a host is a member of (the service catalogue); none by default. */
  servicesOfHost?: (host: string, labels: Readonly<Record<string, string>>) => string[];
}

export function createHistoryOperations({ store, clock, rawRetentionMs, readHost = (h, f, t) => store.hostSamples(h, f, t), servicesOfHost = () => [] }: HistoryOperationsOptions): HistoryOperations {
  const history = createHistoryReader({ store, clock, rawRetentionMs });
  const knownHost = (host: string): HostRecord => {
    const record = store.findHost(host);
    if (record === undefined) throw new OperationError('not-found', `host ${host} has never reported`);
    return record;
  };
  return {
    hostSeries(query) {
      knownHost(query.host);
      if (!(query.toMs > query.fromMs)) throw invalidField('from', 'must be before to');
      if (query.toMs - query.fromMs > MAX_HISTORY_SPAN_MS) throw invalidField('from', `spans more than ${MAX_HISTORY_SPAN_MS / 86_400_000} days`);
      const maxPoints = Math.min(Math.max(query.maxPoints ?? DEFAULT_MAX_POINTS, 10), 5000);
      const stepMs = stepFor(query.fromMs, query.toMs, maxPoints, query.stepMs);
      const fromMs = Math.floor(query.fromMs / stepMs) * stepMs;
      const buckets = createSeriesBuckets(fromMs, query.toMs, stepMs);
      const metrics = query.metrics && query.metrics.length > 0 ? query.metrics : undefined;
      // The history reader answers every series of the host at once, from raw samples or rollups by the step.
      for (const read of history.readHost({ hostname: query.host, ...(metrics === undefined ? {} : { metrics }), labels: query.labels ?? {}, fromMs, toMs: query.toMs, stepMs })) {
        for (const p of read.points) buckets.addAggregate({ metric: read.series.metric, labels: read.series.labels, atMs: p.atMs, min: p.min, max: p.max, sum: p.value * p.count, count: p.count });
      }
      return { host: query.host, from: iso(fromMs), to: iso(query.toMs), stepSeconds: stepMs / 1000, series: buckets.result() };
    },

    latestValues(host) {
      const record = knownHost(host);
      const latest = new Map<string, StoredSample>();
      const intervalMs = record.intervalSeconds * 1000;
      // Checks run on their own schedules; a window of a few intervals catches each one's last run.
      for (const sample of readHost(host, record.lastReportAtMs - Math.max(10 * intervalMs, 600_000), record.lastReportAtMs + intervalMs)) {
        latest.set(seriesKey(sample.metric, sample.labels), sample);
      }
      return [...latest.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, s]) => {
          const { host: _host, ...labels } = s.labels;
          return { metric: s.metric, labels, value: s.value, at: iso(s.atMs), ...(s.text === undefined ? {} : { text: s.text }) };
        });
    },

    readSeries: ({ metric, matchers, fromMs, toMs, stepMs }) => history.readSeries({ metric, matchers, fromMs, toMs, ...(stepMs === undefined ? {} : { stepMs }) }),
    findSeries({ metric, matchers }) {
      const matches = compileLabelMatchers(matchers);
      return store.findSeries({ metric }).filter((s) => matches(s.labels));
    },
    latestSeriesValues: ({ metric, matchers }) => history.latestValues({ metric, matchers }),

    fleetTrend({ hosts, metric, fromMs, toMs, maxPoints }) {
      const stepMs = stepFor(fromMs, toMs, maxPoints);
      const alignedFrom = Math.floor(fromMs / stepMs) * stepMs;
      const steps = Math.max(1, Math.ceil((toMs - alignedFrom) / stepMs));
      // Each host's first series of the metric (by labels); an unknown host has none and is left out.
      const series = [...new Set(hosts)].flatMap((host) => store.findSeries({ hostname: host, metric }).slice(0, 1));
      const first = new Map(series.map((s) => [s.seriesId, { at: new Float64Array(steps).fill(Infinity), value: new Array<number | null>(steps).fill(null) }]));
      store.visitStepSamples(series, alignedFrom, toMs, stepMs, (seriesId, atMs, value) => {
        const line = first.get(seriesId);
        const i = Math.min(steps - 1, Math.floor((atMs - alignedFrom) / stepMs));
        if (line === undefined || !Number.isFinite(value) || atMs >= line.at[i]!) return;
        line.at[i] = atMs;
        line.value[i] = value;
      });
      const at = Array.from({ length: steps }, (_, i) => Math.floor((alignedFrom + i * stepMs) / 1000));
      const trends: FleetTrend['trends'] = {};
      for (const s of series) trends[s.hostname] = { at, value: first.get(s.seriesId)!.value };
      return { stepSeconds: stepMs / 1000, trends };
    },

    fleet(filter = {}) {
      const nowMs = clock.nowMs();
      const active = groupByHost(store.listIncidents({ status: 'active', limit: 100_000 }));
      const search = filter.search?.toLowerCase();
      const labels = Object.entries(filter.labels ?? {});
      const all = store
        .listHosts({ inventory: false })
        .map((h) => fleetHost(h, active.get(h.hostname) ?? [], nowMs, servicesOfHost(h.hostname, h.labels)))
        .filter(
          (h) =>
            (search === undefined || h.hostname.toLowerCase().includes(search)) &&
            labels.every(([k, v]) => h.labels[k] === v) &&
            (filter.service === undefined || h.services.includes(filter.service)),
        );
      const counts: Record<HostStatus, number> = { ok: 0, problem: 0, silent: 0 };
      for (const h of all) counts[h.status] += 1;
      const shown = filter.status === undefined ? all : all.filter((h) => h.status === filter.status);
      const offset = filter.offset ?? 0;
      return { total: shown.length, counts, hosts: shown.slice(offset, offset + (filter.limit ?? 100)) };
    },
  };
}

function fleetHost(host: HostRecord, incidents: readonly IncidentRecord[], nowMs: number, services: string[]): FleetHost {
  const silent = nowMs - host.lastReportAtMs > 3 * host.intervalSeconds * 1000;
  const worst = incidents.map((i) => i.severity).sort((a, b) => rank(a) - rank(b))[0] ?? null;
  return {
    hostname: host.hostname,
    agentId: host.agentId,
    labels: host.labels,
    version: host.version,
    status: silent ? 'silent' : incidents.length > 0 ? 'problem' : 'ok',
    lastReportAt: iso(host.lastReportAtMs),
    intervalSeconds: host.intervalSeconds,
    openIncidents: incidents.length,
    worstSeverity: worst,
    services,
  };
}

/** Most severe first, in the order rules declare severities. */
function rank(severity: string): number {
  const i = (SEVERITIES as readonly string[]).indexOf(severity);
  return i === -1 ? SEVERITIES.length : i;
}

function groupByHost(incidents: readonly IncidentRecord[]): Map<string, IncidentRecord[]> {
  const byHost = new Map<string, IncidentRecord[]>();
  for (const i of incidents) byHost.set(i.host, [...(byHost.get(i.host) ?? []), i]);
  return byHost;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
