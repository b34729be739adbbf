/**
 * Business hours for SLA clocks (`priority.businessHours`): a time zone, the open hours of each
 * weekday, and holidays. A clock that counts in business hours (`priority.sla.P3.businessHours`)
 * is due when that much open time has passed since the incident opened: a 4h clock started on
 * Friday 16:00 with 09:00-17:00 hours is due on Monday 12:00. Pure: the wall clock is read
 * through the zone (daylight-saving changes included), never from the system.
 */
import type { BusinessHoursConfig } from '../../config/servicesConfigSchema.js';
import { createZone, type WallTime, type Zone } from '../../config/timeZone.js';

export interface BusinessCalendar {
  /** The instant at which `durationMs` of business time has passed since `startMs`. */
  addBusinessTime(startMs: number, durationMs: number): number;
}

/** The weekday keys, in `Date.getUTCDay()` order. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** How far ahead a due time is looked for: ten years of days (the loader refuses a week with no open hours). */
const MAX_DAYS = 3660;

type Day = Pick<WallTime, 'year' | 'month' | 'day'>;

/** Minutes after midnight of an `HH:MM-HH:MM` range (`24:00` ends at midnight). */
export function parseHoursRange(range: string): { fromMinute: number; toMinute: number } {
  const [from, to] = range.split('-') as [string, string];
  const minutes = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
  return { fromMinute: minutes(from), toMinute: minutes(to) };
}

/** The calendar of `priority.businessHours`, read in its time zone or the top-level `timeZone`; undefined when none is configured. */
export function slaCalendar(config: { priority: { businessHours?: BusinessHoursConfig | undefined }; timeZone: string }): BusinessCalendar | undefined {
  return config.priority.businessHours === undefined ? undefined : createBusinessCalendar(config.priority.businessHours, config.timeZone);
}

export function createBusinessCalendar(hours: BusinessHoursConfig, defaultTimeZone: string): BusinessCalendar {
  const zone = createZone(hours.timeZone ?? defaultTimeZone);
  const holidays = new Set(hours.holidays);
  const week = WEEKDAYS.map((name) => (hours.week[name] ?? []).map(parseHoursRange).sort((a, b) => a.fromMinute - b.fromMinute));

  /** The open intervals of one local day, as instants. */
  const openIntervals = (day: Day): Array<[number, number]> => {
    if (holidays.has(isoDate(day))) return [];
    const weekday = new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay();
    return week[weekday]!.map(({ fromMinute, toMinute }) => [instantOf(zone, day, fromMinute), instantOf(zone, day, toMinute)]);
  };

  return {
    addBusinessTime(startMs, durationMs) {
      if (durationMs <= 0) return startMs;
      let remaining = durationMs;
      let day: Day = zone.wallTime(startMs);
      for (let i = 0; i < MAX_DAYS; i++, day = nextDay(day)) {
        for (const [from, to] of openIntervals(day)) {
          const begin = Math.max(from, startMs);
          if (to <= begin) continue;
          if (begin + remaining <= to) return begin + remaining;
          remaining -= to - begin;
        }
      }
      return Number.POSITIVE_INFINITY;
    },
  };
}

/** The instant of a minute of a local day; a minute a daylight-saving change skips is read an hour on (as JavaScript's Date does). */
function instantOf(zone: Zone, day: Day, minute: number): number {
  const wall = (d: Day, m: number): WallTime => ({ ...pick(d), hour: Math.floor(m / 60), minute: m % 60, second: 0 });
  if (minute >= 24 * 60) return instantOf(zone, nextDay(day), minute - 24 * 60);
  return zone.epochOf(wall(day, minute)) ?? zone.epochOf(wall(day, Math.min(minute + 60, 24 * 60 - 1))) ?? zone.epochOf(wall(day, 0))! + minute * 60_000;
}

function pick(day: Day): Day {
  return { year: day.year, month: day.month, day: day.day };
}

function nextDay(day: Day): Day {
  const next = new Date(Date.UTC(day.year, day.month - 1, day.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

function isoDate(day: Day): string {
  return `${String(day.year).padStart(4, '0')}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
}
