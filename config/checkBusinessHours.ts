/**
 * The checks of `priority.businessHours` beyond its schema: its time zone exists, each day's
 * ranges start before they end and do not overlap, the week has open hours, holidays are real
 * dates, and an SLA clock that counts in business hours has a calendar to count in. Each problem is
 * located at the value at fault.
 */
import type { PriorityConfig } from './servicesConfigSchema.js';
import { timeZoneProblem } from './timeZone.js';
import type { LocatedYaml, YamlIssue } from './yamlSchemaLoader.js';

type Locate = LocatedYaml<unknown>['locate'];

export function checkBusinessHours(priority: PriorityConfig, locate: Locate): YamlIssue[] {
  const issues: YamlIssue[] = [];
  const hours = priority.businessHours;
  if (hours === undefined) {
    for (const [name, targets] of Object.entries(priority.sla)) {
      if (targets?.businessHours) issues.push(locate(['priority', 'sla', name, 'businessHours'], 'counts in business hours, but priority.businessHours is not set: give the time zone, weekly hours and holidays'));
    }
    return issues;
  }
  if (hours.timeZone !== undefined) {
    const problem = timeZoneProblem(hours.timeZone);
    if (problem !== undefined) issues.push(locate(['priority', 'businessHours', 'timeZone'], problem));
  }
  let open = 0;
  for (const [day, ranges] of Object.entries(hours.week)) {
    let lastEnd = -1;
    const parsed = (ranges ?? []).map((range, index) => ({ index, range, from: minutes(range.slice(0, 5)), to: minutes(range.slice(6)) })).sort((a, b) => a.from - b.from);
    for (const { index, range, from, to } of parsed) {
      const path = ['priority', 'businessHours', 'week', day, index];
      if (to <= from) issues.push(locate(path, `"${range}" ends before it starts: write HH:MM-HH:MM within one day (24:00 for midnight)`));
      else if (from < lastEnd) issues.push(locate(path, `"${range}" overlaps another range of ${day}`));
      else open += to - from;
      lastEnd = Math.max(lastEnd, to);
    }
  }
  if (open === 0 && issues.length === 0) issues.push(locate(['priority', 'businessHours', 'week'], 'the week has no open hours: list HH:MM-HH:MM ranges under mon..sun'));
  hours.holidays.forEach((date, index) => {
    const parsed = new Date(`${date}T00:00:00Z`);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) issues.push(locate(['priority', 'businessHours', 'holidays', index], `"${date}" is not a date (YYYY-MM-DD)`));
  });
  return issues;
}

function minutes(text: string): number {
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}
