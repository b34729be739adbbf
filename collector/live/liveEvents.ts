/**
 * The in-process bus of live changes the console's event stream carries (GET /api/v1/events).
 * Each event gets an id `<boot>.<sequence>`: `boot` is random per process, so an id from before a
 * restart is never mistaken for one of this process. The last `capacity` events are kept in a ring,
 * so a client that reconnects with `Last-Event-ID` gets what it missed; when its id is older than
 * the ring (or of another process), `since` says so and the client must refetch.
 */
import { randomBytes } from 'node:crypto';

/** What changed, as the stream names it (the SSE `event:` field). */
export type LiveEventType = 'incident.opened' | 'incident.acknowledged' | 'incident.resolved' | 'incident.changed';

/** The small facts an incident list row needs; never descriptions, labels or why-records. */
export interface LiveIncidentFacts {
  id: number;
  status: string;
  severity: string;
  host: string;
  ruleName: string;
  summary: string;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

export interface LiveEvent {
  id: string;
  type: LiveEventType;
  incident: LiveIncidentFacts;
}

export interface LiveEvents {
  /** Appends an event to the ring and hands it to every subscriber. */
  publish(event: Omit<LiveEvent, 'id'>): LiveEvent;
  /** Calls `listener` with every later event; answers the unsubscribe. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
  /**
   * The events after `lastId`, oldest first; `'too-old'` when `lastId` is not in the ring (evicted,
   * or from another process), so what came after it cannot be told.
   */
  since(lastId: string): LiveEvent[] | 'too-old';
  /** The id of the newest event (`<boot>.0` before the first): where a client starting now begins. */
  currentId(): string;
}

export function createLiveEvents({ capacity = 1000 }: { capacity?: number } = {}): LiveEvents {
  const boot = randomBytes(6).toString('base64url');
  const ring: LiveEvent[] = [];
  let sequence = 0;
  const listeners = new Set<(event: LiveEvent) => void>();
  return {
    publish(draft) {
      sequence += 1;
      const event: LiveEvent = { id: `${boot}.${sequence}`, ...draft };
      ring.push(event);
      if (ring.length > capacity) ring.shift();
      for (const listener of listeners) listener(event);
      return event;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    since(lastId) {
      const [idBoot, idSequence] = lastId.split('.');
      const seen = Number(idSequence);
      if (idBoot !== boot || !Number.isInteger(seen) || seen < 0 || seen > sequence) return 'too-old';
      if (seen === sequence) return [];
      const oldest = ring[0] === undefined ? sequence + 1 : sequence - ring.length + 1;
      // The event right after the one seen must still be in the ring.
      if (seen + 1 < oldest) return 'too-old';
      return ring.slice(seen + 1 - oldest);
    },
    currentId: () => `${boot}.${sequence}`,
  };
}
