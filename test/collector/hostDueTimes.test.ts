/**
 * HostDueTimes: the due time of each host by id, which the SQLite store's overdueHosts scans instead
 * of every host row. Ids grow the array; absent ids are never due; more due than asked for, or an id
 * beyond what is kept, sends the store back to reading every row.
 */
import { describe, expect, it } from 'vitest';
import { HostDueTimes } from '../../collector/store/sqlite/hostDueTimes.js';

describe('HostDueTimes', () => {
  it('lists the hosts due by a time, by id, across growth and moves', () => {
    const times = new HostDueTimes();
    times.set(1, 1_000);
    times.set(5_000, 2_000); // beyond the first array
    times.set(3, 3_000);
    expect(times.dueBy(999, 10)).toEqual([]);
    expect(times.dueBy(1_000, 10)).toEqual([1]);
    expect(times.dueBy(3_000, 10)).toEqual([1, 3, 5_000]);
    times.set(1, 4_000); // a report moved it
    expect(times.dueBy(3_000, 10)).toEqual([3, 5_000]);
    expect(times.kept).toBe(true);
  });

  it('says undefined when more are due than asked for', () => {
    const times = new HostDueTimes();
    for (let id = 1; id <= 5; id++) times.set(id, id);
    expect(times.dueBy(5, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(times.dueBy(5, 4)).toBeUndefined();
  });

  it('is no longer kept once an id it cannot hold was seen', () => {
    const times = new HostDueTimes();
    times.set(2 ** 40, 1);
    expect(times.kept).toBe(false);
    const negative = new HostDueTimes();
    negative.set(-1, 1);
    expect(negative.kept).toBe(false);
  });
});
