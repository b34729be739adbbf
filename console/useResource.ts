/**
 * Loads an API answer for a page and reloads it on demand or every `refreshMs` (how pages stay
 * current without a reload: incidents and the fleet poll every few seconds while they are shown).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure } from './api.js';

export interface Resource<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  reload(): void;
}

export function useResource<T>(path: string | null, refreshMs = 0): Resource<T> {
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
    const timer = setInterval(load, refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs]);
  return { data: state.data, error: state.error, loading: state.loading, reload: load };
}
