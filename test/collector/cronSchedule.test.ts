/**
 * The one cron module: validation with readable messages, maintenance windows' starts in UTC and in
 * zones with daylight saving, agreement with node-cron's own schedule, and the located errors of the
 * time zone and the agent's cron expression at config load.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTask } from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cronExpressionProblem, cronSchedule } from '../../config/cronSchedule.js';
import { loadConfig } from '../../config/loadConfig.js';
import { timeZoneProblem } from '../../config/timeZone.js';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe('cron expressions', () => {
  it.each([
    // valid: five fields, six with seconds, names, steps, the last day of the month
    ['0 2 * * 0', undefined],
    ['*/20 * * * * *', undefined],
    ['0 9-17 * * mon-fri', undefined],
    ['0 0 L * *', undefined],
    // a value out of its field's range names the field and its range
    ['61 * * * *', '"61" is not a valid minute (0-59)'],
    ['0 25 * * *', '"25" is not a valid hour (0-23)'],
    // words are not an expression
    ['every night', 'expected 5 or 6 fields but got 2'],
    // a day that no month has
    ['0 0 31 2 *', '31 2 is an impossible day of month for the given month'],
  ])('%s: %s', (expression, problem) => {
    expect(cronExpressionProblem(expression)).toBe(problem);
  });

  it('refuses an unknown time zone, and builds no schedule from it', () => {
    expect(timeZoneProblem('Europe/Berlin')).toBeUndefined();
    expect(timeZoneProblem('Mars/Olympus')).toBe('"Mars/Olympus" is not a time zone: use an IANA name such as UTC, Europe/Berlin or America/New_York');
    expect(() => cronSchedule('0 2 * * *', 'Mars/Olympus')).toThrow(RangeError);
    expect(() => cronSchedule('61 * * * *', 'UTC')).toThrow('"61" is not a valid minute (0-59)');
  });
});

describe('maintenance window starts', () => {
  it.each([
    // daily 12:00 for 30 min: inside, on its first second, on its last millisecond, just after, before
    ['0 12 * * *', 30, '2025-01-01T12:10:00Z', '2025-01-01T12:00:00Z'],
    ['0 12 * * *', 30, '2025-01-01T12:00:00Z', '2025-01-01T12:00:00Z'],
    ['0 12 * * *', 30, '2025-01-01T12:29:59.999Z', '2025-01-01T12:00:00Z'],
    ['0 12 * * *', 30, '2025-01-01T12:30:00Z', undefined],
    ['0 12 * * *', 30, '2025-01-01T11:59:59Z', undefined],
    // a window that runs past midnight opened the day before
    ['0 23 * * *', 120, '2025-01-02T00:30:00Z', '2025-01-01T23:00:00Z'],
    // weekly on Sunday (2025-01-05) at 02:00 for 2 h, asked on Sunday and on the Monday after
    ['0 2 * * 0', 120, '2025-01-05T03:59:00Z', '2025-01-05T02:00:00Z'],
    ['0 2 * * 0', 120, '2025-01-06T03:00:00Z', undefined],
    // overlapping occurrences: the latest one opened the window
    ['*/5 * * * *', 60, '2025-01-01T12:07:30Z', '2025-01-01T12:05:00Z'],
    // a day of the month and a day of the week both restricted: both must match (node-cron)
    ['0 0 1 * 1', 1440, '2025-09-01T10:00:00Z', '2025-09-01T00:00:00Z'],
    ['0 0 1 * 1', 1440, '2025-10-01T10:00:00Z', undefined],
  ])('%s for %i min, at %s: opened %s', (cron, minutes, now, started) => {
    expect(cronSchedule(cron, 'UTC').lastStartWithin(at(now), minutes * 60_000)).toBe(started === undefined ? undefined : at(started));
  });

  it.each([
    // the next weekly start, from inside and from just after one
    ['0 2 * * 0', 'UTC', '2025-01-05T02:30:00Z', '2025-01-12T02:00:00Z'],
    ['0 2 * * 0', 'UTC', '2025-01-05T01:59:59Z', '2025-01-05T02:00:00Z'],
    // 29 February, three years ahead
    ['0 0 29 2 *', 'UTC', '2025-03-01T00:00:00Z', '2028-02-29T00:00:00Z'],
    // 02:00 in Berlin is 01:00 UTC in winter, 00:00 UTC in summer
    ['0 2 * * *', 'Europe/Berlin', '2025-01-10T12:00:00Z', '2025-01-11T01:00:00Z'],
    ['0 2 * * *', 'Europe/Berlin', '2025-07-10T12:00:00Z', '2025-07-11T00:00:00Z'],
    // the night the clocks go forward (30 March 2025) has no 02:00: the next start is the night after
    ['0 2 * * *', 'Europe/Berlin', '2025-03-29T12:00:00Z', '2025-03-31T00:00:00Z'],
    // the night they go back (26 October 2025) has 02:00 twice: one start, then the night after
    ['0 2 * * *', 'Europe/Berlin', '2025-10-25T12:00:00Z', '2025-10-26T01:00:00Z'],
    ['0 2 * * *', 'Europe/Berlin', '2025-10-26T01:00:00Z', '2025-10-27T01:00:00Z'],
    // New York, a weekday schedule
    ['30 8 * * 1-5', 'America/New_York', '2025-01-03T14:00:00Z', '2025-01-06T13:30:00Z'],
  ])('%s in %s after %s starts next at %s', (cron, zone, after, next) => {
    expect(cronSchedule(cron, zone).nextStartAfter(at(after))).toBe(at(next));
  });

  it('a window in another zone opens at that zone\'s wall-clock time', () => {
    const berlin = cronSchedule('0 2 * * *', 'Europe/Berlin');
    expect(berlin.lastStartWithin(at('2025-01-11T01:30:00Z'), HOUR)).toBe(at('2025-01-11T01:00:00Z'));
    expect(berlin.lastStartWithin(at('2025-01-11T02:30:00Z'), HOUR)).toBeUndefined();
    expect(cronSchedule('0 2 * * *', 'UTC').lastStartWithin(at('2025-01-11T01:30:00Z'), HOUR)).toBeUndefined();
  });
});

describe('agreement with node-cron', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    // expression, zone, now: around daylight-saving changes and month ends
    ['0 2 * * *', 'Europe/Berlin', '2025-03-28T00:00:00Z'],
    ['30 1 * * *', 'America/New_York', '2025-11-01T00:00:00Z'],
    ['0 0 L * *', 'UTC', '2025-01-15T00:00:00Z'],
    ['0 0 * * 5L', 'Asia/Kolkata', '2025-01-15T00:00:00Z'],
    ['0 45 1 * * *', 'Australia/Lord_Howe', '2025-04-03T00:00:00Z'],
    ['*/20 * * * * *', 'Europe/Berlin', '2025-01-31T22:59:00Z'],
    ['0 */6 * * 1-5', 'UTC', '2025-06-13T20:00:00Z'],
  ])('%s in %s from %s: the same next starts as node-cron schedules', (expression, zone, now) => {
    vi.useFakeTimers({ now: at(now), toFake: ['Date'] });
    const task = createTask(expression, () => undefined, { timezone: zone });
    const expected = task.getNextRuns(6).map((d) => d.getTime());
    void task.destroy();
    const schedule = cronSchedule(expression, zone);
    const ours: number[] = [];
    for (let from = at(now); ours.length < 6; ) ours.push((from = schedule.nextStartAfter(from)!));
    expect(ours).toEqual(expected);
  });
});

describe('time zone and cron at config load', () => {
  const configFile = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'tripline-cron-')), 'tripline.yaml');
    writeFileSync(file, text);
    return file;
  };

  it('defaults to UTC and hands the zone to the agent section', () => {
    const { config } = loadConfig(configFile('timeZone: Europe/Berlin\n'), {});
    expect(config.timeZone).toBe('Europe/Berlin');
    expect(config.agent.timeZone).toBe('Europe/Berlin');
    expect(loadConfig(undefined, {}).config.timeZone).toBe('UTC');
  });

  it('refuses an unknown time zone and an invalid inventory schedule with file:line:column', () => {
    const file = configFile('timeZone: Berlin/Mitte\nagent:\n  inventory:\n    schedule: "0 3 * *"\n');
    expect(() => loadConfig(file, {})).toThrow(
      [
        `${file}:1:11: timeZone: "Berlin/Mitte" is not a time zone: use an IANA name such as UTC, Europe/Berlin or America/New_York`,
        `${file}:4:15: agent.inventory.schedule: "0 3 * *" is not a valid cron expression: expected 5 or 6 fields but got 4`,
      ].join('\n'),
    );
  });
});
