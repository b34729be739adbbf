/**
 * A collector's decision path without HTTP: real SQLite (in memory), the real alert pipeline and
 * incident service, the real missed-report watcher, a hand-moved clock and a scripted pinger. Tests
 * step through time and assert the exact incidents and outbox (desk) operations.
 */
import { pino } from 'pino';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { AGENT_MISSED_REPORTS_METRIC, createMissedReportWatcher } from '../../collector/alerting/missedReportWatcher.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { createReachabilityProber, type Pinger } from '../../collector/incidents/reachabilityProber.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { IncidentRecord } from '../../collector/domain/incident.js';
import type { IncidentsConfig } from '../../config/incidentsConfigSchema.js';
import { loadConfig } from '../../config/loadConfig.js';
import type { Rule, SeriesSample } from '../../rules/index.js';

/** Epoch of every scenario: a Wednesday at noon UTC. */
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
export const INTERVAL_SECONDS = 15;

export type IncidentsOverrides = { [K in keyof IncidentsConfig]?: Partial<IncidentsConfig[K]> };

/**
 * The defaults of the `incidents:` section, with overrides merged one level deep; except that a
 * clear resolves at once (`resolveSettle: 0`) unless a test sets it, so tests of silences, topology
 * or grouping read their resolves at the clear. Tests of settling and flapping set it.
 */
export function incidentsConfig(overrides: IncidentsOverrides = {}): IncidentsConfig {
  const defaults = { ...loadConfig(undefined, {}).config.incidents, resolveSettle: 0 };
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    const base = (defaults as Record<string, unknown>)[key];
    merged[key] = Array.isArray(value) || typeof value !== 'object' ? value : { ...(base as object), ...value };
  }
  return merged as IncidentsConfig;
}

export interface HarnessOptions {
  rules: readonly Rule[];
  incidents?: IncidentsOverrides;
  /** Which addresses answer ping; default: none do. */
  alive?: (address: string) => boolean;
  /** A real pinger instead of the scripted one (then `alive` is ignored). */
  pinger?: Pinger;
  desks?: string[];
}

export function createLifecycleHarness(options: HarnessOptions) {
  const store = openSqliteStore({ file: ':memory:' });
  let nowMs = T0;
  const clock = { nowMs: () => nowMs };
  const log = pino({ level: 'silent' });
  const config = incidentsConfig(options.incidents);
  const environment = createStoreEnvironment(store, config, clock, 0);
  const incidents = createIncidentService({ route: () => ({ desks: [...(options.desks ?? ['desk'])], reason: 'test: every desk' }), policy: incidentPolicy(config), environment, log });
  const pipeline = createAlertPipeline({ rules: options.rules, initialStates: new Map(), incidents, log });
  const missedReports = createMissedReportWatcher({ store, pipeline, clock, log, intervalMs: 1000 });
  const pings: string[] = [];
  const pinger: Pinger = async (address) => {
    pings.push(address);
    return { alive: options.alive?.(address) ?? false, rttMs: 0.1 };
  };
  const prober = createReachabilityProber({ store, incidents, environment, pinger: options.pinger ?? pinger, clock, log, timeoutMs: 1000, intervalMs: 1000, settleMs: incidentPolicy(config).settleMs });
  const sequences = new Map<string, number>();

  return {
    store,
    pings,
    /** Moves the clock to T0 + `seconds`. */
    at(seconds: number) {
      nowMs = T0 + seconds * 1000;
      return this;
    },
    nowMs: () => nowMs,
    /** One agent report from `host` at the current time (labels `group` optional). */
    report(host: string, samples: Array<Omit<SeriesSample, 'atMs' | 'labels'> & { labels?: Record<string, string> }>, hostLabels: Record<string, string> = {}) {
      const sequence = (sequences.get(host) ?? 0) + 1;
      sequences.set(host, sequence);
      const full = samples.map((s) => ({ metric: s.metric, value: s.value, labels: { ...hostLabels, ...(s.labels ?? {}), host }, atMs: nowMs }));
      const { commit } = store.transaction((tx) => {
        tx.insertReport({ agentId: host, hostname: host, labels: hostLabels, version: 'test', intervalSeconds: INTERVAL_SECONDS, sequence, receivedAtMs: nowMs, samples: full, checks: [] });
        return pipeline.process(tx, [...full, { metric: AGENT_MISSED_REPORTS_METRIC, labels: { ...hostLabels, host }, value: 0, atMs: nowMs }], nowMs);
      });
      commit();
      return this;
    },
    /** The collector's periodic evaluation: agent silence for every host. */
    tick() {
      missedReports.tick();
      return this;
    },
    /** Runs the reachability prober once and waits for its verdicts. */
    async probe() {
      await prober.probeWaiting();
      return this;
    },
    operator(id: number, kind: 'acknowledge' | 'resolve') {
      return store.transaction((tx) => incidents.operatorAction(tx, store.getIncident(id)!, { kind, by: 'alice', comment: '' }, nowMs));
    },
    addSilence(matchers: IncidentRecord['labels'], forSeconds: number) {
      return store.transaction((tx) =>
        tx.insertSilence({
          matchers: Object.entries(matchers).map(([label, value]) => ({ label, op: '=' as const, value })),
          comment: 'test',
          createdBy: 'alice',
          startsAtMs: nowMs,
          expiresAtMs: nowMs + forSeconds * 1000,
          createdAtMs: nowMs,
        }),
      );
    },
    addMaintenance(window: { cron: string; durationSeconds: number; host?: string; group?: string }) {
      return store.transaction((tx) =>
        tx.insertMaintenance({ cron: window.cron, durationSeconds: window.durationSeconds, host: window.host ?? null, group: window.group ?? null, comment: 'test', createdAtMs: nowMs }),
      );
    },
    /** Every incident, oldest first. */
    incidents: () => store.listIncidents({ limit: 100_000 }).reverse(),
    /** Every desk operation so far as "operation #incident", in the order enqueued. */
    deskOperations: () =>
      store
        .listIncidents({ limit: 100_000 })
        .flatMap((i) => store.outboxForIncident(i.id))
        .sort((a, b) => a.id - b.id)
        .map((o) => `${o.operation} #${o.incidentId}`),
    /** Puts another rule set in force, as a reload does; the next report retires what removed rules left. */
    replaceRules(rules: readonly Rule[]) {
      pipeline.replaceRules(rules);
      return this;
    },
    close: () => store.close(),
  };
}

export type LifecycleHarness = ReturnType<typeof createLifecycleHarness>;
