/**
 * The status page's history, as a pure function: per service, one entry per calendar day (in the
 * configured time zone) for the last `days` days, today last, each the worst state the service was
 * in that day, from the intervals it was unwell (its recorded states, and the critical incidents
 * that touched it); today also takes the service's state now.
 */
import type { ServiceStateName } from './serviceState.js';
import { createZone } from '../../config/timeZone.js';

/** When a service was unwell: from `fromMs` until `toMs` (now, while it lasts). */
export interface UnwellInterval {
  service: string;
  state: Exclude<ServiceStateName, 'operational'>;
  fromMs: number;
  toMs: number;
}

export interface StatusDay {
  /** YYYY-MM-DD in the time zone. */
  date: string;
  state: ServiceStateName;
}

const SEVERITY: Record<ServiceStateName, number> = { operational: 0, degraded: 1, outage: 2 };

/** The worst of two states. */
export function worstState(a: ServiceStateName, b: ServiceStateName): ServiceStateName {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

/**
 * The last `days` days of each service, oldest first. `now` is each service's state now (today's
 * entry is never better than it).
 */
export function statusHistory(input: { services: readonly string[]; intervals: readonly UnwellInterval[]; now: ReadonlyMap<string, ServiceStateName>; nowMs: number; days: number; timeZone: string }): Map<string, StatusDay[]> {
  const zone = createZone(input.timeZone);
  const today = zone.wallTime(input.nowMs);
  const bounds: Array<{ date: string; fromMs: number; toMs: number }> = [];
  for (let back = input.days - 1; back >= 0; back--) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day - back));
    const next = new Date(Date.UTC(today.year, today.month - 1, today.day - back + 1));
    const startOf = (d: Date) => zone.epochOf({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 0, minute: 0, second: 0 }) ?? d.getTime();
    bounds.push({ date: day.toISOString().slice(0, 10), fromMs: startOf(day), toMs: startOf(next) });
  }
  const history = new Map<string, StatusDay[]>();
  for (const service of input.services) {
    const mine = input.intervals.filter((interval) => interval.service === service);
    const days = bounds.map(({ date, fromMs, toMs }): StatusDay => {
      let state: ServiceStateName = 'operational';
      for (const interval of mine) if (interval.fromMs < toMs && interval.toMs >= fromMs) state = worstState(state, interval.state);
      return { date, state };
    });
    const last = days.at(-1);
    if (last) last.state = worstState(last.state, input.now.get(service) ?? 'operational');
    history.set(service, days);
  }
  return history;
}
