/**
 * Feeds the live bus from the store: wraps a Store so that every transaction notes the incidents it
 * opens or changes, and once the outermost transaction has committed, publishes one event per
 * incident whose list-row facts changed (opened, acknowledged, resolved, or changed otherwise). A
 * transaction that throws publishes nothing, and an incident opened under a savepoint that was
 * rolled back is not found after the commit, so it is not published either. Every writer (ingest,
 * operator actions, watchers, intake) goes through `store.transaction`, so none needs to know the bus.
 */
import type { Logger } from 'pino';
import type { IncidentRecord } from '../domain/incident.js';
import type { Store, StoreTransaction } from '../store/store.js';
import type { LiveEvents, LiveEventType, LiveIncidentFacts } from './liveEvents.js';

/** The facts of an incident a list row shows, as the live event carries them. */
export function liveFactsOf(incident: IncidentRecord): LiveIncidentFacts {
  return {
    id: incident.id,
    status: incident.status,
    severity: incident.severity,
    host: incident.host,
    ruleName: incident.ruleName,
    summary: incident.summary,
    openedAt: new Date(incident.openedAtMs).toISOString(),
    updatedAt: new Date(incident.updatedAtMs).toISOString(),
    resolvedAt: incident.resolvedAtMs === null ? null : new Date(incident.resolvedAtMs).toISOString(),
  };
}

/** What a row shows beyond the facts sent: a change of these is worth an event, a new updatedAt alone is not. */
function rowKey(incident: IncidentRecord): string {
  const { status, severity, summary, resolvedAtMs, flapping, hold, ticketed, occurrences, parentIncidentId } = incident;
  return JSON.stringify([status, severity, summary, resolvedAtMs, flapping, hold, ticketed, occurrences, parentIncidentId]);
}

function typeOf(before: IncidentRecord | undefined, after: IncidentRecord): LiveEventType {
  if (before === undefined) return 'incident.opened';
  if (before.status === after.status) return 'incident.changed';
  switch (after.status) {
    case 'acknowledged':
      return 'incident.acknowledged';
    case 'resolved':
    case 'closed':
      return 'incident.resolved';
    case 'open':
      return 'incident.changed';
    default: {
      const unknown: never = after.status;
      throw new Error(`unknown incident status ${String(unknown)}`);
    }
  }
}

/**
 * The store with its transactions feeding `events`. Reads and other writes pass straight through.
 */
export function withIncidentChangeFeed(store: Store, events: LiveEvents, log: Logger): Store {
  const passThrough = createPassThrough();
  let depth = 0;
  /** Per incident touched in the running transaction: its row before (undefined: opened in it). */
  let touched = new Map<number, IncidentRecord | undefined>();
  // One watcher per transaction object (a store hands out the same one each time), so that those who
  // wrap the transaction they are given (priorityRecorder.ts) can keep their wrapper; `touched` is read
  // when a method is called, so the watcher serves every transaction.
  const watchers = new WeakMap<StoreTransaction, StoreTransaction>();
  const watching = (tx: StoreTransaction): StoreTransaction => {
    let watcher = watchers.get(tx);
    if (watcher === undefined) watchers.set(tx, (watcher = watcherOf(tx)));
    return watcher;
  };
  const watcherOf = (tx: StoreTransaction): StoreTransaction =>
    new Proxy(tx, {
      get(target, property) {
        if (property === 'insertIncident') {
          return (draft: Parameters<StoreTransaction['insertIncident']>[0]) => {
            const record = target.insertIncident(draft);
            touched.set(record.id, undefined);
            return record;
          };
        }
        if (property === 'updateIncident') {
          return (id: number, change: Parameters<StoreTransaction['updateIncident']>[1]) => {
            if (!touched.has(id)) touched.set(id, target.getIncident(id));
            target.updateIncident(id, change);
          };
        }
        return passThrough(target, property);
      },
    });
  const publish = (changes: Map<number, IncidentRecord | undefined>) => {
    for (const [id, before] of changes) {
      const after = store.getIncident(id);
      if (after === undefined || (before !== undefined && rowKey(before) === rowKey(after))) continue;
      events.publish({ type: typeOf(before, after), incident: liveFactsOf(after) });
    }
  };
  const transaction = <T>(fn: (tx: StoreTransaction) => T): T => {
    if (depth === 0) touched = new Map();
    depth += 1;
    let result: T;
    try {
      result = store.transaction((tx) => fn(watching(tx)));
    } catch (error) {
      if (depth === 1) touched = new Map();
      throw error;
    } finally {
      depth -= 1;
    }
    if (depth === 0 && touched.size > 0) {
      const changes = touched;
      touched = new Map();
      try {
        publish(changes);
      } catch (error) {
        // The change is committed; a failure to tell the console about it must not fail its writer.
        log.error({ err: error }, 'publishing live incident events failed');
      }
    }
    return result;
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'transaction') return transaction;
      return passThrough(target, property);
    },
  });
}

/** Reads a property of `target`, its methods bound once per name (ingest calls the transaction's methods per report). */
function createPassThrough(): (target: object, property: string | symbol) => unknown {
  const bound = new WeakMap<object, Map<string | symbol, unknown>>();
  return (target, property) => {
    const value: unknown = Reflect.get(target, property, target);
    if (typeof value !== 'function') return value;
    let methods = bound.get(target);
    if (methods === undefined) bound.set(target, (methods = new Map()));
    let method = methods.get(property);
    if (method === undefined) methods.set(property, (method = (value as (...args: unknown[]) => unknown).bind(target)));
    return method;
  };
}
