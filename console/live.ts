/**
 * The console's live feed: one EventSource on GET /api/v1/events while signed in. Pages that show
 * incidents reload when an incident event arrives (or `resync`, or the stream reopens after a gap),
 * instead of polling; while the stream is down they poll as before (useResource). EventSource
 * reconnects by itself with Last-Event-ID; when it gives up (a refusal such as 429), a new one is
 * tried after a while. The state drives the small "live" indicator in the header.
 */
import { useEffect, useState } from 'preact/hooks';

export type LiveState = 'off' | 'connecting' | 'live' | 'reconnecting';

/** The events after which what a page shows may be stale. */
const CHANGE_EVENTS = ['incident.opened', 'incident.acknowledged', 'incident.resolved', 'incident.changed', 'resync'] as const;
/** How long to wait before a new EventSource when the last one gave up. */
const RESTART_MS = 30_000;

export interface LiveFeed {
  state(): LiveState;
  onState(listener: (state: LiveState) => void): () => void;
  /** Calls `listener` after every change event; answers the unsubscribe. */
  onChange(listener: () => void): () => void;
  start(): void;
  stop(): void;
}

export function createLiveFeed(url = '/api/v1/events'): LiveFeed {
  let source: EventSource | undefined;
  let restart: ReturnType<typeof setTimeout> | undefined;
  let state: LiveState = 'off';
  let opened = false;
  const stateListeners = new Set<(state: LiveState) => void>();
  const changeListeners = new Set<() => void>();
  const setState = (next: LiveState) => {
    if (next === state) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };
  const changed = () => {
    for (const listener of changeListeners) listener();
  };
  const open = () => {
    restart = undefined;
    const es = new EventSource(url);
    source = es;
    setState(opened ? 'reconnecting' : 'connecting');
    es.onopen = () => {
      // Whatever happened while the stream was down is refetched (a new EventSource has no Last-Event-ID).
      if (opened) changed();
      opened = true;
      setState('live');
    };
    es.onerror = () => {
      if (source !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        source = undefined;
        setState('off');
        restart = setTimeout(open, RESTART_MS);
      } else setState('reconnecting');
    };
    for (const type of CHANGE_EVENTS) es.addEventListener(type, changed);
  };
  return {
    state: () => state,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    start() {
      if (source === undefined && restart === undefined) open();
    },
    stop() {
      clearTimeout(restart);
      restart = undefined;
      source?.close();
      source = undefined;
      opened = false;
      setState('off');
    },
  };
}

/** The feed of this page (one per tab). */
export const liveFeed = createLiveFeed();

/** The feed's state, re-rendering on each change. */
export function useLiveState(): LiveState {
  const [state, setState] = useState(liveFeed.state());
  useEffect(() => liveFeed.onState(setState), []);
  return state;
}
