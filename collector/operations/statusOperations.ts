/**
 * The status page's operations: the public view (services, their state now, 90 days of daily
 * history from recorded service states and stored incidents, the notice; nothing internal: no host, address, rule, reason or owner), and the notice
 * an operator sets or clears (audited through OPERATION_ACCESS).
 */
import type { Clock } from '../clock.js';
import type { ServiceCatalogue } from '../services/serviceCatalogue.js';
import type { ServiceStateName } from '../services/serviceState.js';
import { statusHistory, worstState, type StatusDay, type UnwellInterval } from '../services/statusHistory.js';
import type { Store } from '../store/store.js';
import { invalidField, OperationError } from './operationError.js';

/** How many days of history the status page shows. */
export const STATUS_HISTORY_DAYS = 90;
/** The longest notice. */
const MAX_NOTICE_CHARS = 2000;
/** How many critical incidents the history reads back at most (newest first). */
const MAX_HISTORY_INCIDENTS = 20_000;

/** The status page as the public sees it. */
export interface StatusPageView {
  /** The worst state of any service. */
  overall: ServiceStateName;
  notice: { text: string; at: string } | null;
  services: Array<{ name: string; description: string; state: ServiceStateName; history: StatusDay[] }>;
  generatedAt: string;
}

/** The notice as operators see it: with who set it. */
export interface StatusNoticeView {
  text: string;
  setBy: string;
  setAt: string;
}

export interface StatusOperations {
  statusPage(): StatusPageView;
  statusNotice(): StatusNoticeView | null;
  setStatusNotice(notice: { text: string }, by: string): StatusNoticeView;
  /** Clears the notice; a conflict when none is set. */
  clearStatusNotice(): { cleared: true };
}

export function createStatusOperations(options: { store: Store; catalogue: ServiceCatalogue; clock: Clock; timeZone: string; states: () => ReadonlyArray<{ name: string; state: ServiceStateName }> }): StatusOperations {
  const { store, catalogue, clock } = options;
  const noticeView = (): StatusNoticeView | null => {
    const notice = store.statusNotice();
    return notice === undefined ? null : { text: notice.text, setBy: notice.setBy, setAt: new Date(notice.setAtMs).toISOString() };
  };
  return {
    statusPage() {
      const nowMs = clock.nowMs();
      const now = new Map(options.states().map((s) => [s.name, s.state] as const));
      const names = catalogue.services.map((service) => service.name);
      const history = statusHistory({ services: names, intervals: unwellIntervals(store, names, nowMs), now, nowMs, days: STATUS_HISTORY_DAYS, timeZone: options.timeZone });
      const notice = store.statusNotice();
      return {
        overall: [...now.values()].reduce<ServiceStateName>((worst, state) => worstState(worst, state), 'operational'),
        notice: notice === undefined ? null : { text: notice.text, at: new Date(notice.setAtMs).toISOString() },
        services: catalogue.services.map((service) => ({ name: service.name, description: service.description, state: now.get(service.name) ?? 'operational', history: history.get(service.name) ?? [] })),
        generatedAt: new Date(nowMs).toISOString(),
      };
    },
    statusNotice: noticeView,
    setStatusNotice({ text }, by) {
      const trimmed = text.trim();
      if (trimmed === '') throw invalidField('text', 'is empty: write what business users should know, or clear the notice');
      if (trimmed.length > MAX_NOTICE_CHARS) throw invalidField('text', `is ${trimmed.length} characters; at most ${MAX_NOTICE_CHARS}`);
      store.setStatusNotice({ text: trimmed, setBy: by, setAtMs: clock.nowMs() });
      return noticeView()!;
    },
    clearStatusNotice() {
      if (store.statusNotice() === undefined) throw new OperationError('conflict', 'no status notice is set');
      store.setStatusNotice(null);
      return { cleared: true };
    },
  };
}

/**
 * When each service was unwell over the shown days: its recorded state changes (degraded and
 * outage, as the service watcher saw them), and the times a critical incident that touched it was
 * active (from the stored incidents and the services each touched; this covers the days before
 * states were recorded).
 */
function unwellIntervals(store: Store, services: readonly string[], nowMs: number): UnwellInterval[] {
  const fromMs = nowMs - (STATUS_HISTORY_DAYS + 1) * 86_400_000;
  const known = new Set(services);
  const intervals: UnwellInterval[] = [];
  for (const service of services) {
    const changes = store.serviceStateChanges(service, fromMs, nowMs + 1);
    changes.forEach((change, index) => {
      if (change.state !== 'operational') intervals.push({ service, state: change.state, fromMs: change.atMs, toMs: changes[index + 1]?.atMs ?? nowMs });
    });
  }
  for (const incident of store.listIncidents({ severity: 'critical', limit: MAX_HISTORY_INCIDENTS })) {
    const toMs = incident.resolvedAtMs ?? (incident.status === 'closed' ? incident.updatedAtMs : nowMs);
    if (toMs < fromMs) continue;
    // A silenced incident or one in maintenance does not count for a service, as in its state now.
    if (incident.hold === 'silenced' || incident.hold === 'maintenance') continue;
    for (const service of store.incidentPriority(incident.id)?.services ?? []) {
      if (known.has(service)) intervals.push({ service, state: 'degraded', fromMs: incident.openedAtMs, toMs });
    }
  }
  return intervals;
}
