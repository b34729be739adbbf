/**
 * The /proc parsers against fixture text captured from real kernels, including the awkward shapes:
 * short cpu lines of old kernels, counters touching the interface colon, octal escapes in mounts.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcLoadavg } from '../../agent/procfs/procLoadavg.js';
import { parseProcMeminfo, requireMeminfoField } from '../../agent/procfs/procMeminfo.js';
import { decodeMountField, parseProcMounts } from '../../agent/procfs/procMounts.js';
import { parseProcNetDev } from '../../agent/procfs/procNetDev.js';
import { ProcParseError } from '../../agent/procfs/procParseError.js';
import { createProcReader, shortReadIsWhole, wholeInOneRead } from '../../agent/procfs/procReader.js';
import { parseProcStat, totalCpuTime } from '../../agent/procfs/procStat.js';
import { parseProcStatmResidentPages } from '../../agent/procfs/procStatm.js';
import { parseProcVmstat } from '../../agent/procfs/procVmstat.js';

const PROC_STAT = `cpu  10132153 290696 3084719 46828483 16683 0 25195 175 0 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0
cpu1 1335984 30917 442567 13541340 3512 0 3320 175 0 0
intr 199292401 43 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0
ctxt 38014093
btime 1700000000
processes 26442
procs_running 2
procs_blocked 0
`;

const MEMINFO = `MemTotal:       16318828 kB
MemFree:         1018264 kB
MemAvailable:    9127440 kB
Buffers:          476872 kB
Cached:          7657928 kB
SwapCached:        11200 kB
SwapTotal:       2097148 kB
SwapFree:        1572860 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1822636   16270    0    0    0     0          0         0  1822636   16270    0    0    0     0       0          0
  eth0:98765432109  712345    3   17    0     0          0      1024 12345678   98765    1    2    0     0       0          0
wlp3s0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
`;

const MOUNTS = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
/dev/sdb1 /mnt/My\\040Disk ext4 rw,relatime 0 0
//nas/share /mnt/tab\\011and\\134back cifs rw 0 0
tmpfs /run tmpfs rw,nosuid,nodev,size=1631884k,mode=755 0 0
`;

describe('parseProcStat', () => {
  it('reads the aggregate cpu line, not a per-cpu line', () => {
    const times = parseProcStat(PROC_STAT);
    expect(times).toEqual({ user: 10132153, nice: 290696, system: 3084719, idle: 46828483, iowait: 16683, irq: 0, softirq: 25195, steal: 175 });
    expect(totalCpuTime(times)).toBe(10132153 + 290696 + 3084719 + 46828483 + 16683 + 25195 + 175);
  });

  it.each([
    // A 2.4-era kernel: only user nice system idle; the rest count as 0.
    ['cpu  100 2 30 400\n', { user: 100, nice: 2, system: 30, idle: 400, iowait: 0, irq: 0, softirq: 0, steal: 0 }],
    // guest and guest_nice are already inside user/nice and must not be read as extra fields.
    ['cpu  1 2 3 4 5 6 7 8 900 900\n', { user: 1, nice: 2, system: 3, idle: 4, iowait: 5, irq: 6, softirq: 7, steal: 8 }],
    // Not the first line, and the last one without a newline.
    ['cpu0 9 9 9 9\ncpu  1 2 3 4', { user: 1, nice: 2, system: 3, idle: 4, iowait: 0, irq: 0, softirq: 0, steal: 0 }],
  ])('tolerates kernel variants: %j', (text, expected) => {
    expect(parseProcStat(text)).toEqual(expected);
  });

  it.each([
    // No aggregate line at all.
    ['cpu0 1 2 3 4\n'],
    // Too few numbers.
    ['cpu  1 2\n'],
    // Garbage in a field.
    ['cpu  1 2 x 4\n'],
    // Garbage in a field that is not read (guest), or in one an old kernel may omit (steal).
    ['cpu  1 2 3 4 5 6 7 8 9 y\n'],
    ['cpu  1 2 3 4 5 6 7 z\n'],
    // The aggregate line alone, without numbers.
    ['cpu \n'],
  ])('throws a ProcParseError for %j', (text) => {
    expect(() => parseProcStat(text)).toThrow(ProcParseError);
  });
});

describe('parseProcLoadavg', () => {
  it('reads the three averages', () => {
    expect(parseProcLoadavg('0.52 1.58 2.09 3/1234 56789\n')).toEqual({ load1: 0.52, load5: 1.58, load15: 2.09 });
  });

  it('throws on a truncated file', () => {
    expect(() => parseProcLoadavg('0.52\n')).toThrow(/loadavg/);
  });

  it.each([[''], ['\n'], ['0.52 1.58\n'], ['0.52 x 2.09 3/1234 56789\n'], ['0.52 1.58 2.09x\n']])('throws a ProcParseError for %j', (text) => {
    expect(() => parseProcLoadavg(text)).toThrow(ProcParseError);
  });

  it('reads tab-separated and unterminated text', () => {
    expect(parseProcLoadavg('\t1.00\t2.00  3.00')).toEqual({ load1: 1, load5: 2, load15: 3 });
  });
});

describe('parseProcMeminfo', () => {
  it('converts kB (KiB) fields to bytes and keeps unitless fields as counts', () => {
    const meminfo = parseProcMeminfo(MEMINFO);
    expect(meminfo.get('MemTotal')).toBe(16318828 * 1024);
    expect(meminfo.get('MemAvailable')).toBe(9127440 * 1024);
    expect(meminfo.get('SwapFree')).toBe(1572860 * 1024);
    expect(meminfo.get('HugePages_Total')).toBe(0);
  });

  it('finds a key only at the start of a line, and only as a whole key', () => {
    const meminfo = parseProcMeminfo('MemTotal: 10 kB\nSwapCached: 7 kB\nCached: 3 kB\nHugePages_Total:       0\n');
    expect(meminfo.get('Cached')).toBe(3 * 1024);
    expect(meminfo.get('MemTotal')).toBe(10 * 1024);
    expect(meminfo.get('Mem')).toBeUndefined();
    expect(meminfo.get('HugePages_Total')).toBe(0);
  });

  it('refuses text that is not meminfo', () => {
    expect(() => parseProcMeminfo('<html>\n')).toThrow(ProcParseError);
    expect(() => parseProcMeminfo('')).toThrow(/meminfo/);
  });

  it('names a missing required field', () => {
    expect(() => requireMeminfoField(parseProcMeminfo('MemTotal: 1 kB\n'), 'SwapTotal')).toThrow(/SwapTotal/);
  });
});

describe('parseProcVmstat', () => {
  it('looks up counters by whole name at the start of a line', () => {
    const vmstat = parseProcVmstat('nr_free_pages 5\npswpin 100\nxpswpout 9\npswpout 50\noom_kill 2\n');
    expect([vmstat.get('pswpin'), vmstat.get('pswpout'), vmstat.get('oom_kill'), vmstat.get('nr_free_pages')]).toEqual([100, 50, 2, 5]);
    expect(vmstat.get('oom')).toBeUndefined();
  });

  it('refuses text that is not vmstat', () => {
    expect(() => parseProcVmstat('MemTotal: 1 kB\n')).toThrow(/vmstat/);
  });
});

describe('parseProcNetDev', () => {
  it('reads every interface, including counters touching the colon', () => {
    const interfaces = parseProcNetDev(NET_DEV);
    expect(interfaces.map((i) => i.interface)).toEqual(['lo', 'eth0', 'wlp3s0']);
    expect(interfaces[1]).toEqual({
      interface: 'eth0',
      receive: { bytes: 98765432109, packets: 712345, errors: 3, drops: 17 },
      transmit: { bytes: 12345678, packets: 98765, errors: 1, drops: 2 },
    });
  });

  it.each([
    // Header lines missing: not a net/dev file.
    ['eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n'],
    // A row with too few columns.
    [NET_DEV.split('\n').slice(0, 2).join('\n') + '\n eth0: 1 2 3\n'],
    // A row without the interface's colon.
    [NET_DEV.split('\n').slice(0, 2).join('\n') + '\n eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n'],
    // Garbage in a counter the probe does not report (compressed), and in one it does (drops).
    [NET_DEV.split('\n').slice(0, 2).join('\n') + '\n eth0: 1 2 3 4 5 6 x 8 9 10 11 12 13 14 15 16\n'],
    [NET_DEV.split('\n').slice(0, 2).join('\n') + '\n eth0: 1 2 3 4 5 6 7 8 9 10 11 -- 13 14 15 16\n'],
  ])('throws a ProcParseError for malformed input %#', (text) => {
    expect(() => parseProcNetDev(text)).toThrow(ProcParseError);
  });
});

describe('parseProcStatmResidentPages', () => {
  it('reads the resident pages, the second field, of a real statm', () => {
    expect(parseProcStatmResidentPages('765 438 410 5 0 123 0\n')).toBe(438);
    const real = readFileSync('/proc/self/statm', 'utf8');
    expect(parseProcStatmResidentPages(real)).toBe(Number(real.split(' ')[1]));
    expect(parseProcStatmResidentPages(real)).toBeGreaterThan(0);
  });

  it.each([[''], ['765\n'], ['765 x 410 5 0 123 0\n'], ['765 -1 410\n'], ['765 1.5 410\n'], ['a 438 410\n'], ['765  438 410\n'], ['99999999999999999999 99999999999999999999 1\n']])(
    'throws a ProcParseError for %j',
    (text) => {
      expect(() => parseProcStatmResidentPages(text)).toThrow(ProcParseError);
    },
  );
});

describe('parseProcMounts', () => {
  it('reads device, mount, fstype and decodes octal escapes', () => {
    const mounts = parseProcMounts(MOUNTS);
    expect(mounts.map((m) => [m.device, m.mount, m.fstype])).toEqual([
      ['sysfs', '/sys', 'sysfs'],
      ['/dev/nvme0n1p2', '/', 'ext4'],
      ['/dev/sdb1', '/mnt/My Disk', 'ext4'],
      ['//nas/share', '/mnt/tab\tand\\back', 'cifs'],
      ['tmpfs', '/run', 'tmpfs'],
    ]);
  });

  it.each([
    ['/mnt/a\\040b', '/mnt/a b'], // space
    ['/mnt/a\\011b', '/mnt/a\tb'], // tab
    ['/mnt/a\\012b', '/mnt/a\nb'], // newline
    ['/mnt/a\\134b', '/mnt/a\\b'], // backslash
    ['/mnt/a\\04b', '/mnt/a\\04b'], // not three octal digits: left alone
    ['/mnt/plain', '/mnt/plain'], // nothing to decode
  ])('decodeMountField(%j) = %j', (field, expected) => {
    expect(decodeMountField(field)).toBe(expected);
  });
});

describe('createProcReader', () => {
  it('reads relative paths below its root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tripline-proc-'));
    mkdirSync(join(root, 'net'));
    writeFileSync(join(root, 'net', 'dev'), NET_DEV);
    expect(await createProcReader({ root }).read('net/dev')).toBe(NET_DEV);
  });

  it('reads the real /proc by default', async () => {
    const times = parseProcStat(createProcReader().read('stat'));
    expect(totalCpuTime(times)).toBeGreaterThan(0);
  });

  it('keeps a /proc file open and still sees the kernel generate it afresh on every read', async () => {
    const reader = createProcReader();
    const first = reader.read('self/status');
    expect(reader.keptOpen()).toBe(1);
    // Grow this process by a few MB: the same kept descriptor must show the new VmRSS.
    const ballast = Buffer.alloc(16 * 1024 * 1024, 1);
    const second = reader.read('self/status');
    expect(reader.keptOpen()).toBe(1);
    const rss = (text: string) => Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1]);
    expect(rss(second) - rss(first)).toBeGreaterThan(8 * 1024);
    expect(ballast[0]).toBe(1);
    reader.close();
    expect(reader.keptOpen()).toBe(0);
  });

  it('reads files larger than its buffer whole, in UTF-8', () => {
    const root = mkdtempSync(join(tmpdir(), 'tripline-proc-'));
    const big = `${'x'.repeat(200 * 1024)} /mnt/données\n`;
    writeFileSync(join(root, 'mounts'), big);
    const reader = createProcReader({ root });
    expect(reader.read('mounts')).toBe(big);
    expect(reader.read('mounts')).toBe(big);
    expect(reader.readOnce('mounts')).toBe(big);
  });

  it('fails like fs for a missing file, and keeps nothing open for it', () => {
    const reader = createProcReader({ root: mkdtempSync(join(tmpdir(), 'tripline-proc-')) });
    expect(() => reader.read('nope')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => reader.readOnce('nope')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(reader.keptOpen()).toBe(0);
  });

  it('bounds the files it keeps open: when full it closes them all and keeps those read again', () => {
    const root = mkdtempSync(join(tmpdir(), 'tripline-proc-'));
    for (const name of ['a', 'b', 'c']) writeFileSync(join(root, name), name);
    const reader = createProcReader({ root, maxKeptOpen: 2 });
    expect([reader.read('a'), reader.read('b')]).toEqual(['a', 'b']);
    expect(reader.keptOpen()).toBe(2);
    expect(reader.read('c')).toBe('c');
    expect(reader.keptOpen()).toBe(1);
    writeFileSync(join(root, 'a'), 'a2');
    expect(reader.read('a')).toBe('a2');
    expect(reader.keptOpen()).toBe(2);
  });

  it('reads one-record files in one read, and still whole: same lines as readFileSync', () => {
    const reader = createProcReader();
    for (const path of ['stat', 'meminfo', 'loadavg', 'uptime', 'sys/fs/file-nr', 'vmstat', 'diskstats', 'net/dev', 'self/mounts']) {
      // Each line's name (or # for a number) and field count: values change between the two reads.
      const lines = (text: string) => text.split('\n').map((line) => `${/^[\d.]/.test(line) ? '#' : line.split(/\s/)[0]}:${line.trim().split(/\s+/).length}`);
      expect(lines(reader.read(path)), path).toEqual(lines(readFileSync(join('/proc', path), 'utf8')));
    }
    expect(wholeInOneRead('/proc', 'stat')).toBe(true);
    expect(wholeInOneRead('/proc', 'sys/fs/file-nr')).toBe(true);
    expect(wholeInOneRead('/sys', 'class/net/lo/operstate')).toBe(true);
    expect(wholeInOneRead('/proc', 'self/statm')).toBe(true);
    // seq_file listings hand over about a page at a time: read to the end.
    expect(wholeInOneRead('/proc', 'vmstat')).toBe(false);
    expect(wholeInOneRead('/proc', 'self/mounts')).toBe(false);
    expect(wholeInOneRead('/proc', 'net/dev')).toBe(false);
  });

  it.each([
    ['vmstat', 3968, true], // this machine's (kernel 6.18): a 96-byte record would have fitted in the page
    ['vmstat', 4000, true], // the last length with room for one
    ['vmstat', 4001, false], // the next record may not have fitted: read on
    ['diskstats', 622, true],
    ['diskstats', 3072, true],
    ['diskstats', 3073, false],
    ['net/dev', 703, true],
    ['net/dev', 3500, false], // a host with many interfaces: two reads
    ['self/mounts', 200, false], // mount options have no bound: always read to a read of 0
    ['self/mountinfo', 200, false], // a listing without a known bound
    ['stat', 60_000, true], // one record: any short read is the whole file
    ['self/statm', 33, true],
  ])('a short read of %s of %i bytes is the whole file: %s (no second read, which regenerates the listing)', (path, length, whole) => {
    expect(shortReadIsWhole('/proc', path, length)).toBe(whole);
  });


  it('does not keep pid files open through readOnce', () => {
    const reader = createProcReader();
    expect(reader.readOnce('self/comm').trim()).not.toBe('');
    expect(reader.keptOpen()).toBe(0);
  });
});
