/**
 * Business hours for SLA clocks: the calendar's due times row by row (nights, weekends, holidays,
 * split days, a daylight-saving change, midnight), and the loader refusing a calendar it cannot
 * count in, each problem at its file:line:column.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBusinessCalendar } from '../../collector/services/businessCalendar.js';
import { loadConfig } from '../../config/loadConfig.js';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';

const weekdays = ['09:00-17:00'];
const office = createBusinessCalendar(
  { timeZone: 'Europe/Berlin', week: { mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays }, holidays: ['2026-12-25', '2026-12-28'] },
  'UTC',
);
const split = createBusinessCalendar({ week: { mon: ['13:00-17:00', '08:00-12:00'] }, holidays: [] }, 'UTC');
const night = createBusinessCalendar({ week: { sat: ['22:00-24:00'], sun: ['00:00-06:00'] }, holidays: [] }, 'UTC');
const HOUR = 3_600_000;
const MINUTE = 60_000;

describe('the business calendar', () => {
  it.each([
    // [what, calendar, start, business time, due]
    ['within the day', office, '2026-12-01T09:00:00Z', 2 * HOUR, '2026-12-01T11:00:00Z'], // 10:00 Berlin + 2h
    ['across the night', office, '2026-12-01T15:30:00Z', HOUR, '2026-12-02T08:30:00Z'], // Tue 16:30 + 1h = Wed 09:30 Berlin
    ['opened at night: counts from 09:00', office, '2026-12-01T22:00:00Z', 30 * MINUTE, '2026-12-02T08:30:00Z'],
    ['across the weekend', office, '2026-12-04T15:00:00Z', 4 * HOUR, '2026-12-07T11:00:00Z'], // Fri 16:00 + 4h = Mon 12:00 Berlin
    ['opened on Saturday', office, '2026-12-05T10:00:00Z', HOUR, '2026-12-07T09:00:00Z'],
    ['over Christmas: two holidays and a weekend', office, '2026-12-24T15:30:00Z', HOUR, '2026-12-29T08:30:00Z'], // Thu 16:30; Fri 25, Mon 28 closed
    ['across the change to summer time', office, '2026-03-27T15:00:00Z', 2 * HOUR, '2026-03-30T08:00:00Z'], // Fri 16:00 CET + 2h = Mon 10:00 CEST
    ['ranges of a day in any order, the lunch break skipped', split, '2026-12-07T11:00:00Z', 2 * HOUR, '2026-12-07T14:00:00Z'],
    ['a week later when the day is spent', split, '2026-12-07T17:00:00Z', HOUR, '2026-12-14T09:00:00Z'],
    ['24:00 ends at midnight, and the next day goes on', night, '2026-12-05T23:00:00Z', 2 * HOUR, '2026-12-06T01:00:00Z'],
    ['nothing to wait: the start', office, '2026-12-05T10:00:00Z', 0, '2026-12-05T10:00:00Z'],
  ] as const)('%s', (_what, calendar, start, duration, due) => {
    expect(new Date(calendar.addBusinessTime(Date.parse(start), duration)).toISOString()).toBe(new Date(due).toISOString());
  });
});

function loadProblems(text: string): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-hours-')), 'tripline.yaml');
  writeFileSync(file, text);
  try {
    loadConfig(file, {});
  } catch (error) {
    if (error instanceof YamlValidationError) return error.issues.map((i) => `${i.line}:${i.column}: ${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('business hours in the config', () => {
  it('accepts a calendar and clocks that count in it', () => {
    const text = "priority:\n  businessHours:\n    timeZone: Europe/Berlin\n    week: { mon: ['09:00-17:00'], fri: ['09:00-12:00', '13:00-15:00'] }\n    holidays: ['2026-12-25']\n  sla:\n    P3: { acknowledge: 2h, resolve: 1d, businessHours: true }\n";
    expect(loadProblems(text)).toEqual([]);
  });

  it.each([
    // [what, yaml, problem]
    ['a clock in business hours without a calendar', 'priority:\n  sla:\n    P3: { acknowledge: 2h, resolve: 1d, businessHours: true }\n', '3:56: priority.sla.P3.businessHours: counts in business hours, but priority.businessHours is not set: give the time zone, weekly hours and holidays'],
    ['a range that ends before it starts', "priority:\n  businessHours:\n    week: { mon: ['17:00-09:00'] }\n", '3:19: priority.businessHours.week.mon[0]: "17:00-09:00" ends before it starts: write HH:MM-HH:MM within one day (24:00 for midnight)'],
    ['overlapping ranges', "priority:\n  businessHours:\n    week: { tue: ['09:00-12:00', '11:00-17:00'], wed: ['09:00-17:00'] }\n", '3:34: priority.businessHours.week.tue[1]: "11:00-17:00" overlaps another range of tue'],
    ['a week without open hours', 'priority:\n  businessHours:\n    week: {}\n', '3:11: priority.businessHours.week: the week has no open hours: list HH:MM-HH:MM ranges under mon..sun'],
    ['an unknown time zone', "priority:\n  businessHours:\n    timeZone: Mars/Olympus\n    week: { mon: ['09:00-17:00'] }\n", '3:15: priority.businessHours.timeZone: "Mars/Olympus" is not a time zone: use an IANA name such as UTC, Europe/Berlin or America/New_York'],
    ['a holiday that is no date', "priority:\n  businessHours:\n    week: { mon: ['09:00-17:00'] }\n    holidays: ['2026-02-30']\n", '4:16: priority.businessHours.holidays[0]: "2026-02-30" is not a date (YYYY-MM-DD)'],
  ])('refuses %s', (_what, text, problem) => {
    expect(loadProblems(text)).toEqual([problem]);
  });

  it('refuses a range that is not HH:MM-HH:MM by the schema', () => {
    const problems = loadProblems("priority:\n  businessHours:\n    week: { mon: ['9-17'] }\n");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^3:19: priority\.businessHours\.week\.mon\[0\]: /);
  });
});
