/**
 * Loads an API answer for a page and reloads it on demand or every `refreshMs`. A `live` resource
 * (one that shows incidents) reloads on the live feed's change events instead, and polls only while
 * the feed is not live.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure } from './api.js';
import { liveFeed } from './live.js';

/** Change events that arrive together reload once. */
const LIVE_DEBOUNCE_MS = 200;

export interface Resource<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  reload(): void;
}

export function useResource<T>(path: string | null, refreshMs = 0, live = false): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiFailure; loading: boolean }>({ loading: path !== null });
  const generation = useRef(0);
  const load = useCallback(() => {
    if (path === null) return;
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    api
      .get<T>(path)
      .then((data) => mine === generation.current && setState({ data, loading: false }))
      .catch((error: unknown) => {
        if (mine !== generation.current) return;
        const failure = error instanceof ApiFailure ? error : new ApiFailure(0, 'NETWORK', String(error));
        setState((s) => ({ data: s.data, error: failure, loading: false }));
      });
  }, [path]);
  useEffect(() => {
    load();
    if (refreshMs <= 0) return;
    const timer = setInterval(() => {
      if (!live || liveFeed.state() !== 'live') load();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs, live]);
  useEffect(() => {
    if (!live) return;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = liveFeed.onChange(() => {
      pending ??= setTimeout(() => {
        pending = undefined;
        load();
      }, LIVE_DEBOUNCE_MS);
    });
    return () => {
      unsubscribe();
      clearTimeout(pending);
    };
  }, [load, live]);
  return { data: state.data, error: state.error, loading: state.loading, reload: load };
}
