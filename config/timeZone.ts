/**
 * The time zone every cron expression is read in (the top-level `timeZone` key): how an instant
 * reads on that zone's wall clock, and which instant a wall-clock reading is. UTC, the default, is
 * plain arithmetic; other zones go through Intl, with their daylight-saving changes.
 */

export const DEFAULT_TIME_ZONE = 'UTC';

/** A reading of a wall clock, to the second; months and days count from 1. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface Zone {
  /** How `epochMs` reads on the zone's wall clock. */
  wallTime(epochMs: number): WallTime;
  /** The instant the wall clock shows `wall`; undefined when it never does (skipped by a daylight-saving change). */
  epochOf(wall: WallTime): number | undefined;
}

/** What is wrong with a time zone name, or undefined when it is one (an IANA name such as Europe/Berlin). */
export function timeZoneProblem(name: string): string | undefined {
  try {
    createZone(name);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The zone named `timeZone`; throws a RangeError saying so when there is no such zone. */
export function createZone(timeZone: string): Zone {
  if (timeZone.toUpperCase() === 'UTC') return utc;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    throw new RangeError(`"${timeZone}" is not a time zone: use an IANA name such as UTC, Europe/Berlin or America/New_York`);
  }
  const wallTime = (epochMs: number): WallTime => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(epochMs)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
    return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
  };
  /** How far the wall clock is ahead of UTC at `epochMs`. */
  const offsetAt = (epochMs: number) => wallMs(wallTime(epochMs)) - Math.floor(epochMs / 1000) * 1000;
  return {
    wallTime,
    epochOf(wall) {
      const local = wallMs(wall);
      const guess = local - offsetAt(local);
      const epochMs = local - offsetAt(guess);
      return sameWallTime(wallTime(epochMs), wall) ? epochMs : undefined;
    },
  };
}

const utc: Zone = {
  wallTime(epochMs) {
    const d = new Date(epochMs);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  },
  epochOf: wallMs,
};

/** A wall time read as if it were UTC. */
function wallMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

function sameWallTime(a: WallTime, b: WallTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}
