/**
 * Cron expressions, one library and one rule for all of them: node-cron's syntax (5 fields, or 6
 * with seconds first) read in the configured `timeZone` (UTC by default). The agent's inventory
 * schedule runs on node-cron itself; maintenance windows ask this module when they start. What
 * matches is node-cron's parse and, for its special day tokens (L, W, #), node-cron's own match;
 * a day must match both the day of month and the day of week, as in node-cron. This module only
 * walks the calendar to find the occurrence before or after a time. node-cron is loaded when the
 * first expression is read (cronLibrary.ts).
 */
import type { CronFieldError, ParsedFields } from 'node-cron';
import { nodeCron } from './cronLibrary.js';
import { createZone, type WallTime, type Zone } from './timeZone.js';

/** The occurrences of one expression in one zone. */
export interface CronSchedule {
  /** The latest occurrence in (atMs - lookbackMs, atMs]: when a window that long that is open at `atMs` opened. */
  lastStartWithin(atMs: number, lookbackMs: number): number | undefined;
  /** The first occurrence after `afterMs`; undefined when there is none within 28 years. */
  nextStartAfter(afterMs: number): number | undefined;
}

const FIELD_NAMES: Record<string, string> = {
  second: 'second (0-59)',
  minute: 'minute (0-59)',
  hour: 'hour (0-23)',
  dayOfMonth: 'day of month (1-31)',
  month: 'month (1-12 or jan-dec)',
  dayOfWeek: 'day of week (0-7 or sun-sat)',
};

/** What is wrong with a cron expression, in words, or undefined when it is valid. */
export function cronExpressionProblem(expression: string): string | undefined {
  const result = nodeCron().validateDetailed(expression);
  return result.valid ? undefined : result.errors.map(describeFieldError).join('; ');
}

function describeFieldError(error: CronFieldError): string {
  const name = FIELD_NAMES[error.field];
  if (name === undefined || /impossible/.test(error.message)) return error.message;
  return `"${error.value}" is not a valid ${name}`;
}

/** The schedule of `expression` in `timeZone`; throws a RangeError saying what is wrong with either. */
export function cronSchedule(expression: string, timeZone: string): CronSchedule {
  const parsed = nodeCron().validateDetailed(expression);
  if (!parsed.valid) throw new RangeError(parsed.errors.map(describeFieldError).join('; '));
  const fields = parsed.fields!;
  const zone = createZone(timeZone);
  const days = () => createDayRule(expression, timeZone, fields);
  return {
    lastStartWithin: (atMs, lookbackMs) =>
      using(days(), (rule) => {
        const at = zone.wallTime(atMs);
        const first = zone.wallTime(atMs - lookbackMs);
        for (let day = dateOf(at); compareDates(day, first) >= 0; day = addDays(day, -1)) {
          if (!rule.mayMatch(day)) continue;
          const bound = compareDates(day, at) === 0 ? secondsOfDay(at) : DAY_SECONDS - 1;
          const found = firstOnDay(fields, zone, day, 'descending', bound, (epochMs) => epochMs <= atMs, rule);
          if (found === 'no' || found === undefined) continue;
          return found > atMs - lookbackMs ? found : undefined;
        }
        return undefined;
      }),
    nextStartAfter: (afterMs) =>
      using(days(), (rule) => {
        const after = zone.wallTime(afterMs);
        let day = dateOf(after);
        for (let i = 0; i < MAX_DAYS_AHEAD; i++, day = addDays(day, 1)) {
          if (!rule.mayMatch(day)) continue;
          const found = firstOnDay(fields, zone, day, 'ascending', i === 0 ? secondsOfDay(after) : 0, (epochMs) => epochMs > afterMs, rule);
          if (found !== 'no' && found !== undefined) return found;
        }
        return undefined;
      }),
  };
}

/** Long enough for any date that recurs at all: the weekdays of the calendar repeat every 28 years. */
const MAX_DAYS_AHEAD = 28 * 366;
const DAY_SECONDS = 86_400;

type CalendarDate = Pick<WallTime, 'year' | 'month' | 'day'>;

/** Which days the expression runs on. */
interface DayRule {
  /** False for a date it cannot run on: by month, and by day of month and of week when they are plain numbers. */
  mayMatch(date: CalendarDate): boolean;
  /** Whether it runs at an instant (of a date mayMatch allowed, at one of its times of day). */
  matchesAt(epochMs: number): boolean;
  release(): void;
}

/**
 * Plain day numbers are decided here, as node-cron decides them (the day of month and the day of week
 * both listed); special tokens (L, W, #) by node-cron's match, through a task that is never started.
 */
function createDayRule(expression: string, timeZone: string, fields: ParsedFields): DayRule {
  const monthOk = (date: CalendarDate) => fields.month.includes(date.month);
  const numbers = (values: Array<number | string>) => values.every((v) => typeof v === 'number');
  if (numbers(fields.dayOfMonth) && numbers(fields.dayOfWeek)) {
    const weekday = (date: CalendarDate) => new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    return {
      mayMatch: (date) => monthOk(date) && fields.dayOfMonth.includes(date.day) && fields.dayOfWeek.includes(weekday(date)),
      matchesAt: () => true,
      release: () => undefined,
    };
  }
  const task = nodeCron().createTask(expression, () => undefined, { timezone: timeZone });
  return { mayMatch: monthOk, matchesAt: (epochMs) => task.match(new Date(epochMs)), release: () => void task.destroy() };
}

function using<T>(rule: DayRule, use: (rule: DayRule) => T): T {
  try {
    return use(rule);
  } finally {
    rule.release();
  }
}

/**
 * The first time of day (in `order`, from `boundSeconds` on) that exists on the wall clock and is
 * `wanted`, if the day rule says the expression runs then; 'no' when it does not run that day.
 */
function firstOnDay(
  fields: ParsedFields,
  zone: Zone,
  day: CalendarDate,
  order: 'ascending' | 'descending',
  boundSeconds: number,
  wanted: (epochMs: number) => boolean,
  rule: DayRule,
): number | 'no' | undefined {
  for (const [hour, minute, second] of timesOfDay(fields, order, boundSeconds)) {
    const epochMs = zone.epochOf({ ...day, hour, minute, second });
    if (epochMs === undefined || !wanted(epochMs)) continue;
    return rule.matchesAt(epochMs) ? epochMs : 'no';
  }
  return undefined;
}

/** The expression's times of day, from `boundSeconds` (seconds after midnight) on, in `order`. */
function* timesOfDay(fields: ParsedFields, order: 'ascending' | 'descending', boundSeconds: number): Generator<[number, number, number]> {
  const sorted = (values: number[]) => [...values].sort((a, b) => (order === 'ascending' ? a - b : b - a));
  const inBound = (seconds: number, span: number) => (order === 'ascending' ? seconds + span >= boundSeconds : seconds <= boundSeconds);
  for (const hour of sorted(fields.hour)) {
    if (!inBound(hour * 3600, 3599)) continue;
    for (const minute of sorted(fields.minute)) {
      if (!inBound(hour * 3600 + minute * 60, 59)) continue;
      for (const second of sorted(fields.second)) if (inBound(hour * 3600 + minute * 60 + second, 0)) yield [hour, minute, second];
    }
  }
}

function dateOf(wall: WallTime): CalendarDate {
  return { year: wall.year, month: wall.month, day: wall.day };
}

function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function compareDates(a: CalendarDate, b: CalendarDate): number {
  return Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day);
}

function secondsOfDay(wall: WallTime): number {
  return wall.hour * 3600 + wall.minute * 60 + wall.second;
}
