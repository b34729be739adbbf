/**
 * An in-memory IncidentLedger for replays: the same lifecycle decisions as the collector, with
 * incidents, flap histories and desk operations kept in maps instead of SQLite.
 */
import type { IncidentLedger } from '../incidents/incidentEffects.js';
import type { OutboxOperation } from '../domain/delivery.js';
import type { FlapTransition } from '../domain/flapTransition.js';
import type { IncidentEvent, IncidentRecord } from '../domain/incident.js';

export interface MemoryLedger extends IncidentLedger {
  incidents(): IncidentRecord[];
  deskOperations(): ReadonlyArray<{ incidentId: number; operation: OutboxOperation; atMs: number }>;
  events(incidentId: number): IncidentEvent[];
}

export function createMemoryLedger(options: { keepEvents?: boolean } = {}): MemoryLedger {
  const all = new Map<number, IncidentRecord>();
  const active = new Map<string, number>();
  const latest = new Map<string, number>();
  const flaps = new Map<string, FlapTransition[]>();
  const operations: Array<{ incidentId: number; operation: OutboxOperation; atMs: number }> = [];
  const desksByIncident = new Map<number, Set<string>>();
  const events = new Map<number, IncidentEvent[]>();
  let nextId = 1;
  let nextEventId = 1;
  // The copies activeIncidents hands out, in id order, made again after an incident changes: a
  // replay's lifecycle asks for them at every step (its sweep), where incidents change at a few
  // steps in a hundred. Frozen, as every caller gets the same ones until then.
  let activeCopies: readonly IncidentRecord[] | undefined;
  const isActive = (i: IncidentRecord) => i.status === 'open' || i.status === 'acknowledged';
  const index = (incident: IncidentRecord) => {
    activeCopies = undefined;
    if (isActive(incident)) active.set(incident.fingerprint, incident.id);
    else if (active.get(incident.fingerprint) === incident.id) active.delete(incident.fingerprint);
  };
  return {
    findActiveIncident: (fingerprint) => {
      const id = active.get(fingerprint);
      return id === undefined ? undefined : { ...all.get(id)! };
    },
    findLatestIncident: (fingerprint) => {
      const id = latest.get(fingerprint);
      return id === undefined ? undefined : { ...all.get(id)! };
    },
    getIncident: (id) => {
      const incident = all.get(id);
      return incident ? { ...incident } : undefined;
    },
    activeIncidents: () => [...(activeCopies ??= [...active.values()].sort((a, b) => a - b).map((id) => Object.freeze({ ...all.get(id)! })))],
    insertIncident: (draft) => {
      const incident: IncidentRecord = { occurrences: 1, parentIncidentId: null, ticketed: true, hold: null, flapping: false, settlingSinceMs: null, rearmAtMs: null, ...draft, id: nextId++ };
      all.set(incident.id, incident);
      latest.set(incident.fingerprint, incident.id);
      index(incident);
      return { ...incident };
    },
    updateIncident: (id, change) => {
      const current = all.get(id);
      if (!current) throw new Error(`incident ${id} does not exist`);
      const next = { ...current, ...change };
      all.set(id, next);
      index(next);
    },
    addIncidentEvent: (event) => {
      if (!options.keepEvents) return;
      const list = events.get(event.incidentId) ?? [];
      list.push({ ...event, id: nextEventId++ });
      events.set(event.incidentId, list);
    },
    rearmDueIncidents: (nowMs) => [...all.values()].filter((i) => i.rearmAtMs !== null && i.rearmAtMs <= nowMs).map((i) => ({ ...i })),
    loadFlapHistory: (fingerprint) => flaps.get(fingerprint) ?? [],
    saveFlapHistory: (fingerprint, transitions) => {
      flaps.set(fingerprint, [...transitions]);
    },
    enqueueOutbox: (row) => {
      operations.push({ incidentId: row.incidentId, operation: row.operation, atMs: row.createdAtMs });
      const desks = desksByIncident.get(row.incidentId) ?? new Set<string>();
      desksByIncident.set(row.incidentId, desks.add(row.desk));
    },
    desksForIncident: (incidentId) => [...(desksByIncident.get(incidentId) ?? [])],
    incidents: () => [...all.values()].map((i) => ({ ...i })),
    deskOperations: () => operations,
    events: (incidentId) => events.get(incidentId) ?? [],
  };
}
