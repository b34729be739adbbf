/**
 * The on-disk spool: survives a reopen (a restart) with order and bytes intact, drops the oldest at
 * its bounds and says how many, cleans up what a crash left, and ignores foreign files.
 */
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiskReportQueue, openDiskReportQueue, spoolFileName } from '../../agent/transport/diskReportQueue.js';

const body = (sequence: number, size = 100) => Buffer.alloc(size, sequence % 256);
const spoolDir = () => join(mkdtempSync(join(tmpdir(), 'tripline-spool-')), 'spool');

describe('disk report queue', () => {
  it('keeps reports across a reopen, oldest first, byte for byte, with mode 0600 files', async () => {
    const directory = spoolDir();
    const first = await openDiskReportQueue({ directory, maxReports: 10, maxBytes: 1e6 });
    for (const sequence of [3, 4, 5]) expect(await first.push({ sequence, gzipBody: body(sequence) })).toBe(0);
    await first.remove(3);

    const second = await openDiskReportQueue({ directory, maxReports: 10, maxBytes: 1e6 });
    expect(await second.size()).toBe(2);
    expect(await second.peek()).toEqual({ sequence: 4, gzipBody: body(4) });
    await second.remove(4);
    expect((await second.peek())?.sequence).toBe(5);
    expect(statSync(join(directory, spoolFileName(5))).mode & 0o777).toBe(0o600);
  });

  it('drops the oldest when over the count bound and reports how many', async () => {
    const queue = await openDiskReportQueue({ directory: spoolDir(), maxReports: 3, maxBytes: 1e6 });
    const dropped: number[] = [];
    for (let sequence = 0; sequence < 6; sequence++) dropped.push(await queue.push({ sequence, gzipBody: body(sequence) }));
    expect(dropped).toEqual([0, 0, 0, 1, 1, 1]);
    expect(await queue.size()).toBe(3);
    expect((await queue.peek())?.sequence).toBe(3);
  });

  it('drops the oldest when over the byte bound but always keeps the newest', async () => {
    const directory = spoolDir();
    const queue = await openDiskReportQueue({ directory, maxReports: 100, maxBytes: 250 });
    expect(await queue.push({ sequence: 0, gzipBody: body(0) })).toBe(0);
    expect(await queue.push({ sequence: 1, gzipBody: body(1) })).toBe(0);
    expect(await queue.push({ sequence: 2, gzipBody: body(2) })).toBe(1);
    expect(await queue.push({ sequence: 3, gzipBody: body(3, 1000) })).toBe(2);
    expect(await queue.size()).toBe(1);
    expect(readdirSync(directory)).toEqual([spoolFileName(3)]);
  });

  it('applies a smaller bound to what an earlier run left, counting those drops on the first push', async () => {
    const directory = spoolDir();
    const big = await openDiskReportQueue({ directory, maxReports: 10, maxBytes: 1e6 });
    for (let sequence = 0; sequence < 5; sequence++) await big.push({ sequence, gzipBody: body(sequence) });
    const small = createDiskReportQueue({ directory, maxReports: 2, maxBytes: 1e6 });
    expect(await small.push({ sequence: 5, gzipBody: body(5) })).toBe(4);
    expect((await small.peek())?.sequence).toBe(4);
  });

  it('deletes temporary files left by a crash and ignores foreign files', async () => {
    const directory = spoolDir();
    const queue = await openDiskReportQueue({ directory, maxReports: 10, maxBytes: 1e6 });
    await queue.push({ sequence: 7, gzipBody: body(7) });
    writeFileSync(join(directory, `${spoolFileName(8)}.1234.tmp`), 'torn');
    writeFileSync(join(directory, 'README'), 'not a report');
    const reopened = await openDiskReportQueue({ directory, maxReports: 10, maxBytes: 1e6 });
    expect(await reopened.size()).toBe(1);
    expect(readdirSync(directory).sort()).toEqual([spoolFileName(7), 'README']);
  });

  it('skips a report whose file vanished under it', async () => {
    const directory = spoolDir();
    const queue = await openDiskReportQueue({ directory, maxReports: 10, maxBytes: 1e6 });
    await queue.push({ sequence: 1, gzipBody: body(1) });
    await queue.push({ sequence: 2, gzipBody: body(2) });
    const { unlinkSync } = await import('node:fs');
    unlinkSync(join(directory, spoolFileName(1)));
    expect((await queue.peek())?.sequence).toBe(2);
    expect(await queue.size()).toBe(1);
    await queue.remove(99);
  });
});
