/**
 * The /proc probes fed fixture text through a fake proc root (and the filesystem probe also real
 * statfs calls on temporary directories), asserting the exact values they derive.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Observation } from '../../contract/report.js';
import { createCpuProbe, cpuRatios } from '../../agent/probes/cpuProbe.js';
import { accessReadOnly, createFilesystemProbe, filesystemObservations, MOUNT_TABLE_MAX_AGE_MS, selectMounts } from '../../agent/probes/filesystemProbe.js';
import { createLoadProbe } from '../../agent/probes/loadProbe.js';
import { createMemoryProbe } from '../../agent/probes/memoryProbe.js';
import { createNetworkProbe } from '../../agent/probes/networkProbe.js';
import { createSwapProbe } from '../../agent/probes/swapProbe.js';
import { parseProcMounts } from '../../agent/procfs/procMounts.js';
import { ProcParseError } from '../../agent/procfs/procParseError.js';
import { meminfoOfCycle } from '../../agent/procfs/procMeminfo.js';
import { procFixture } from './procFixture.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');
const silent = pino({ level: 'silent' });

/** `metric{k=v,...}` -> value, for compact exact assertions. */
function byKey(observations: Observation[]): Record<string, number> {
  return Object.fromEntries(
    observations.map((o) => {
      const labels = Object.entries(o.labels).map(([k, v]) => `${k}=${v}`).join(',');
      return [labels === '' ? o.metric : `${o.metric}{${labels}}`, o.value];
    }),
  );
}

const stat = (user: number, system: number, idle: number, iowait: number, steal: number) => `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 ${steal} 0 0\n`;

describe('cpu probe', () => {
  it('reports nothing on the first run, then ratios of the deltas', async () => {
    const proc = procFixture({ stat: stat(100, 100, 700, 50, 50) });
    const probe = createCpuProbe({ proc });
    expect((await probe.collect(NOW)).observations).toEqual([]);
    // +200 user, +100 system, +500 idle, +100 iowait, +100 steal = 1000 ticks.
    proc.files.stat = stat(300, 200, 1200, 150, 150);
    const result = await probe.collect(NOW);
    expect(byKey(result.observations)).toEqual({ cpu_usage_ratio: 0.4, cpu_iowait_ratio: 0.1, cpu_steal_ratio: 0.1 });
    expect(result.observations[0]!.at).toBe(NOW.toISOString());
  });

  it.each([
    // No ticks elapsed: no ratios rather than 0/0.
    { before: stat(1, 1, 1, 1, 1), after: stat(1, 1, 1, 1, 1), expected: undefined },
    // iowait stepping backwards (a known kernel quirk) is clamped to 0, not a negative share.
    { before: stat(0, 0, 0, 100, 0), after: stat(50, 0, 50, 90, 0), expected: { usage: 0.5, iowait: 0, steal: 0 } },
    // Fully busy.
    { before: stat(0, 0, 0, 0, 0), after: stat(80, 20, 0, 0, 0), expected: { usage: 1, iowait: 0, steal: 0 } },
  ])('cpuRatios $expected', ({ before, after, expected }) => {
    const parse = (text: string) => {
      const [user, , system, idle, iowait, , , steal] = text.trim().split(/\s+/).slice(1).map(Number);
      return { user: user!, nice: 0, system: system!, idle: idle!, iowait: iowait!, irq: 0, softirq: 0, steal: steal! };
    };
    expect(cpuRatios(parse(before), parse(after))).toEqual(expected);
  });
});

describe('load probe', () => {
  it('reports the averages and load1 per online CPU', async () => {
    const probe = createLoadProbe({ proc: procFixture({ loadavg: '3.00 2.00 1.00 2/345 6789\n' }), cpuCount: () => 4 });
    expect(byKey((await probe.collect(NOW)).observations)).toEqual({ load1: 3, load5: 2, load15: 1, load1_per_core: 0.75 });
  });
});

describe('memory probe', () => {
  it('uses MemAvailable: used ratio = 1 - available / total', async () => {
    const probe = createMemoryProbe({ proc: procFixture({ meminfo: 'MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\n' }) });
    expect(byKey((await probe.collect(NOW)).observations)).toEqual({
      memory_total_bytes: 1_024_000,
      memory_available_bytes: 256_000,
      memory_used_bytes: 768_000,
      memory_used_ratio: 0.75,
    });
  });

  it('falls back to free + buffers + cached on kernels without MemAvailable', async () => {
    const probe = createMemoryProbe({ proc: procFixture({ meminfo: 'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 350 kB\n' }) });
    expect(byKey((await probe.collect(NOW)).observations)).toMatchObject({ memory_available_bytes: 512_000, memory_used_ratio: 0.5 });
  });
});

describe('swap probe', () => {
  it.each([
    // A quarter of 2 GiB in use.
    { meminfo: 'SwapTotal: 2097152 kB\nSwapFree: 1572864 kB\n', expected: { swap_total_bytes: 2 ** 31, swap_used_bytes: 2 ** 29, swap_used_ratio: 0.25 } },
    // No swap configured: zeros, and a ratio of 0 rather than NaN.
    { meminfo: 'SwapTotal: 0 kB\nSwapFree: 0 kB\n', expected: { swap_total_bytes: 0, swap_used_bytes: 0, swap_used_ratio: 0 } },
  ])('$meminfo', async ({ meminfo, expected }) => {
    const probe = createSwapProbe({ proc: procFixture({ meminfo }) });
    expect(byKey((await probe.collect(NOW)).observations)).toEqual(expected);
  });
});

describe('memory and swap probes sharing one meminfo read per cycle', () => {
  it('read /proc/meminfo once per run of the probes, again for the next run, and each report a failed read', async () => {
    const proc = procFixture({ meminfo: 'MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\nSwapTotal: 4 kB\nSwapFree: 1 kB\n' });
    const meminfo = meminfoOfCycle(proc);
    const memory = createMemoryProbe({ proc, meminfo });
    const swap = createSwapProbe({ proc, meminfo });
    const first = new Date(NOW.getTime());
    expect(byKey((await memory.collect(first)).observations)).toMatchObject({ memory_total_bytes: 1_024_000 });
    expect(byKey((await swap.collect(first)).observations)).toMatchObject({ swap_used_bytes: 3072 });
    expect(proc.reads.get('meminfo')).toBe(1);
    // The next cycle (another Date) reads it afresh.
    proc.files.meminfo = 'MemTotal: 2000 kB\nMemFree: 100 kB\nMemAvailable: 1000 kB\nSwapTotal: 4 kB\nSwapFree: 4 kB\n';
    const second = new Date(NOW.getTime() + 1000);
    expect(byKey((await memory.collect(second)).observations)).toMatchObject({ memory_total_bytes: 2_048_000, memory_used_ratio: 0.5 });
    expect(byKey((await swap.collect(second)).observations)).toMatchObject({ swap_used_bytes: 0 });
    expect(proc.reads.get('meminfo')).toBe(2);
    // A failed read is not kept: both probes fail, each with its own read.
    delete proc.files.meminfo;
    const third = new Date(NOW.getTime() + 2000);
    expect(() => memory.collect(third)).toThrow(/ENOENT/);
    expect(() => swap.collect(third)).toThrow(/ENOENT/);
    expect(proc.reads.get('meminfo')).toBe(4);
  });
});

describe('network probe', () => {
  const header = 'Inter-| Receive | Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n';
  const row = (name: string, rx: number, tx: number) => `${name}: ${rx} 10 1 2 0 0 0 0 ${tx} 20 3 4 0 0 0 0\n`;

  it('reports counters on every run and per-second rates from the second, without excluded interfaces', async () => {
    let clockMs = 0;
    const proc = procFixture({ 'net/dev': header + row('lo', 5, 5) + row('eth0', 1000, 500) });
    const probe = createNetworkProbe({ proc, excludeInterfaces: ['lo'], monotonicMs: () => clockMs });
    const first = byKey((await probe.collect(NOW)).observations);
    expect(first['network_receive_bytes_total{interface=eth0}']).toBe(1000);
    expect(first['network_transmit_drops_total{interface=eth0}']).toBe(4);
    expect(Object.keys(first).some((k) => k.includes('per_second'))).toBe(false);
    expect(Object.keys(first).some((k) => k.includes('interface=lo'))).toBe(false);

    clockMs = 10_000;
    proc.files['net/dev'] = header + row('lo', 5, 5) + row('eth0', 21_000, 1500);
    const second = byKey((await probe.collect(NOW)).observations);
    expect(second['network_receive_bytes_per_second{interface=eth0}']).toBe(2000);
    expect(second['network_transmit_bytes_per_second{interface=eth0}']).toBe(100);
    expect(second['network_receive_errors_per_second{interface=eth0}']).toBe(0);
    expect(Object.keys(second).filter((k) => k.startsWith('network_'))).toHaveLength(16);

    // eth0 goes away for a cycle and comes back with reset counters: no rate from before it left.
    clockMs = 20_000;
    proc.files['net/dev'] = header + row('lo', 5, 5);
    expect((await probe.collect(NOW)).observations).toEqual([]);
    clockMs = 30_000;
    proc.files['net/dev'] = header + row('lo', 5, 5) + row('eth0', 50, 50);
    const back = byKey((await probe.collect(NOW)).observations);
    expect(back['network_receive_bytes_total{interface=eth0}']).toBe(50);
    expect(Object.keys(back).some((k) => k.includes('per_second'))).toBe(false);
  });

  it('takes a counter that went down as reset (the new value is the increase) and makes no rate when the clock has not moved', async () => {
    let clockMs = 0;
    const proc = procFixture({ 'net/dev': header + row('eth0', 1000, 500) });
    const probe = createNetworkProbe({ proc, excludeInterfaces: [], monotonicMs: () => clockMs });
    await probe.collect(NOW);
    // The clock did not move: no rates, and the first counters stay the base.
    proc.files['net/dev'] = header + row('eth0', 9000, 9000);
    const still = byKey((await probe.collect(NOW)).observations);
    expect(Object.keys(still).some((k) => k.includes('per_second'))).toBe(false);
    expect(still['network_receive_bytes_total{interface=eth0}']).toBe(9000);
    clockMs = 2000;
    proc.files['net/dev'] = header + row('eth0', 3000, 100);
    const rates = byKey((await probe.collect(NOW)).observations);
    expect(rates['network_receive_bytes_per_second{interface=eth0}']).toBe(1000); // (3000 - 1000) / 2 s
    expect(rates['network_transmit_bytes_per_second{interface=eth0}']).toBe(50); // reset: 100 / 2 s
    expect(rates['network_transmit_packets_per_second{interface=eth0}']).toBe(0);
  });

  it('skips an excluded interface before reading its counters, and still refuses a malformed line of a reported one', () => {
    const proc = procFixture({ 'net/dev': header + 'lo: garbage\n' + row('eth0', 1, 1) });
    const probe = createNetworkProbe({ proc, excludeInterfaces: ['lo'] });
    expect(byKey((probe.collect(NOW) as { observations: Observation[] }).observations)['network_receive_bytes_total{interface=eth0}']).toBe(1);
    proc.files['net/dev'] = header + row('lo', 1, 1) + 'eth0: 1 2 3\n';
    expect(() => probe.collect(NOW)).toThrow(ProcParseError);
  });
});

describe('filesystem probe', () => {
  it('selects mounts by fstype and path, keeping the last of stacked mounts', () => {
    const entries = parseProcMounts(
      ['/dev/sda1 / ext4 rw 0 0', 'tmpfs /run tmpfs rw 0 0', '/dev/sdb1 /data xfs rw 0 0', '/dev/sdc1 /data ext4 rw 0 0', '/dev/sdd1 /backup ext4 rw 0 0'].join('\n'),
    );
    const selected = selectMounts(entries, { excludeFsTypes: ['tmpfs'], excludeMounts: ['/backup'] });
    expect(selected.map((m) => `${m.device} ${m.mount}`)).toEqual(['/dev/sda1 /', '/dev/sdc1 /data']);
  });

  it('computes sizes as df does: used = blocks - free, ratio = used / (used + avail)', () => {
    const labels = { mount: '/', device: '/dev/sda1', fstype: 'ext4' };
    const stats = { bsize: 4096, blocks: 1000, bfree: 300, bavail: 200, files: 500, ffree: 400 };
    expect(byKey(filesystemObservations(stats, labels, NOW))).toEqual({
      'filesystem_size_bytes{mount=/,device=/dev/sda1,fstype=ext4}': 4_096_000,
      'filesystem_used_bytes{mount=/,device=/dev/sda1,fstype=ext4}': 2_867_200,
      'filesystem_avail_bytes{mount=/,device=/dev/sda1,fstype=ext4}': 819_200,
      // 700 / 900 at the agent's reported precision of ratios (5 decimals, reportedPrecision.ts).
      'filesystem_used_ratio{mount=/,device=/dev/sda1,fstype=ext4}': 0.77778,
      'filesystem_device_error{mount=/,device=/dev/sda1,fstype=ext4}': 0,
      'filesystem_inodes{mount=/,device=/dev/sda1,fstype=ext4}': 500,
      'filesystem_inodes_used{mount=/,device=/dev/sda1,fstype=ext4}': 100,
      'filesystem_inodes_used_ratio{mount=/,device=/dev/sda1,fstype=ext4}': 0.2,
    });
  });

  it('leaves inode metrics out for filesystems without an inode table (files = 0)', () => {
    const stats = { bsize: 4096, blocks: 10, bfree: 5, bavail: 5, files: 0, ffree: 0 };
    const metrics = filesystemObservations(stats, { mount: '/', device: 'd', fstype: 'btrfs' }, NOW).map((o) => o.metric);
    expect(metrics.filter((m) => m.includes('inodes'))).toEqual([]);
  });

  it('statfs-es real mounts, including a path with an escaped space', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-fs-'));
    const spaced = join(dir, 'My Disk');
    mkdirSync(spaced);
    const proc = procFixture({
      'self/mounts': `/dev/root / ext4 rw 0 0\n/dev/sdb1 ${spaced.replaceAll(' ', '\\040')} ext4 rw 0 0\nproc /proc proc rw 0 0\n`,
    });
    const probe = createFilesystemProbe({ proc, filter: { excludeFsTypes: ['proc'], excludeMounts: [] }, log: silent, statfsTimeoutSeconds: 5 });
    const observations = (await probe.collect(NOW)).observations;
    const size = observations.filter((o) => o.metric === 'filesystem_size_bytes');
    expect(size.map((o) => o.labels)).toEqual([
      { mount: '/', device: '/dev/root', fstype: 'ext4' },
      { mount: spaced, device: '/dev/sdb1', fstype: 'ext4' },
    ]);
    expect(size.every((o) => o.value > 0)).toBe(true);
    const ratio = observations.find((o) => o.metric === 'filesystem_used_ratio')!.value;
    expect(ratio).toBeGreaterThanOrEqual(0);
    expect(ratio).toBeLessThanOrEqual(1);
  });

  it('reports a vanished mount as a device error and keeps the others', async () => {
    const proc = procFixture({ 'self/mounts': '/dev/root / ext4 rw 0 0\n/dev/gone /no/such/mount ext4 rw 0 0\n' });
    const probe = createFilesystemProbe({ proc, filter: { excludeFsTypes: [], excludeMounts: [] }, log: silent, statfsTimeoutSeconds: 5 });
    const result = byKey((await probe.collect(NOW)).observations);
    expect(result['filesystem_device_error{mount=/no/such/mount,device=/dev/gone,fstype=ext4}']).toBe(1);
    expect(result['filesystem_device_error{mount=/,device=/dev/root,fstype=ext4}']).toBe(0);
    expect(result['filesystem_size_bytes{mount=/,device=/dev/root,fstype=ext4}']).toBeGreaterThan(0);
  });

  it('skips a mount whose statfs is stuck until the call returns, without calling it again', async () => {
    let release: (stats: { bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number }) => void = () => {};
    const calls: string[] = [];
    const statfs = (path: string) => {
      calls.push(path);
      const nfsCalls = calls.filter((c) => c === '/nfs').length;
      if (path === '/nfs' && nfsCalls === 1) return new Promise<never>((resolve) => (release = resolve as never));
      return Promise.resolve({ bsize: 1, blocks: path === '/nfs' ? 100 : 10, bfree: 5, bavail: 5, files: 0, ffree: 0 });
    };
    // ext4 is asked synchronously; only nfs goes through the (stuck-aware) asynchronous call.
    const statfsSync = (path: string) => {
      calls.push(path);
      return { bsize: 1, blocks: 10, bfree: 5, bavail: 5, files: 0, ffree: 0 };
    };
    const proc = procFixture({ 'self/mounts': '/dev/root / ext4 rw 0 0\nnas:/x /nfs nfs4 rw 0 0\n' });
    const probe = createFilesystemProbe({ proc, filter: { excludeFsTypes: [], excludeMounts: [] }, log: silent, statfsTimeoutSeconds: 0.05, statfs, statfsSync });

    // The statfs timeout runs on fake timers and a fake clock, stepped by the test.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    let first: Record<string, number>;
    try {
      const started = performance.now();
      const collecting = probe.collect(NOW);
      await vi.advanceTimersByTimeAsync(50);
      first = byKey((await collecting).observations);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      vi.useRealTimers();
    }
    expect(first['filesystem_device_error{mount=/nfs,device=nas:/x,fstype=nfs4}']).toBe(1);
    expect(first['filesystem_size_bytes{mount=/,device=/dev/root,fstype=ext4}']).toBe(10);

    const second = byKey((await probe.collect(NOW)).observations);
    expect(second['filesystem_device_error{mount=/nfs,device=nas:/x,fstype=nfs4}']).toBe(1);
    expect(calls.filter((c) => c === '/nfs')).toHaveLength(1);

    release({ bsize: 1, blocks: 1, bfree: 0, bavail: 0, files: 0, ffree: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    const third = byKey((await probe.collect(NOW)).observations);
    expect(third['filesystem_size_bytes{mount=/nfs,device=nas:/x,fstype=nfs4}']).toBe(100);
    expect(calls.filter((c) => c === '/nfs')).toHaveLength(2);
    expect(calls.filter((c) => c === '/')).toHaveLength(3);
  });

  describe('reading the mount table', () => {
    const stats = { bsize: 1, blocks: 10, bfree: 5, bavail: 5, files: 0, ffree: 0 };
    /** A probe over a mount table the test edits, with the mount points' devices and read-only answers it sets. */
    function tableProbe(mounts: string) {
      const proc = procFixture({ 'self/mounts': mounts });
      const devices = new Map<string, number>([['/', 1], ['/srv', 2], ['/data', 3]]);
      const readOnly = new Map<string, boolean | undefined>();
      const asked: string[] = [];
      const probe = createFilesystemProbe({
        proc, filter: { excludeFsTypes: ['tmpfs'], excludeMounts: [] }, log: silent, statfsTimeoutSeconds: 1,
        statfsSync: () => stats,
        statfs: () => Promise.resolve(stats),
        deviceOf: (path) => {
          asked.push(path);
          const device = devices.get(path);
          if (device === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
          return device;
        },
        readOnlyNow: (path) => (readOnly.has(path) ? readOnly.get(path) : false),
      });
      const reads = () => proc.reads.get('self/mounts') ?? 0;
      const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
      const observed = async (seconds: number) => byKey((await probe.collect(at(seconds))).observations);
      return { proc, devices, readOnly, asked, reads, observed };
    }
    const ROOT = '/dev/sda1 / ext4 rw,relatime 0 0\n';
    const SRV = '/dev/sdb1 /srv ext4 rw,relatime 0 0\n';
    const NOISE = Array.from({ length: 50 }, (_, i) => `tmpfs /run/pod${i} tmpfs rw 0 0\n`).join('');

    it('is read once a minute while every observed mount answers as it said, and at once when one does not', async () => {
      const t = tableProbe(ROOT + SRV + NOISE);
      await t.observed(0);
      // A new table is read once more, its mount points' devices taken first (a mount racing the first read shows then).
      await t.observed(15);
      expect(t.reads()).toBe(2);
      // Then each cycle asks the observed mounts only (not the 50 excluded ones) and believes the table.
      t.asked.length = 0;
      for (let s = 30; s < 15 + MOUNT_TABLE_MAX_AGE_MS / 1000; s += 15) await t.observed(s);
      expect(t.reads()).toBe(2);
      expect(new Set(t.asked)).toEqual(new Set(['/', '/srv']));
      // A minute after the last read: read again (the same text: believed at once).
      await t.observed(15 + MOUNT_TABLE_MAX_AGE_MS / 1000);
      expect(t.reads()).toBe(3);
      await t.observed(90);
      expect(t.reads()).toBe(3);
      // A clock that went back: read again rather than believe a table from the future.
      await t.observed(10);
      expect(t.reads()).toBe(4);
    });

    it('reads a changed table once more, so that a mount racing the read is not believed under the old line', async () => {
      const t = tableProbe(ROOT + SRV);
      // The table is read with /srv on /dev/sdb1, then /dev/sdc1 is mounted over it before its device is taken.
      t.devices.set('/srv', 4);
      await t.observed(0);
      t.proc.files['self/mounts'] = ROOT + SRV + '/dev/sdc1 /srv xfs rw 0 0\n';
      const next = await t.observed(15);
      expect(t.reads()).toBe(2);
      expect(next['filesystem_size_bytes{mount=/srv,device=/dev/sdc1,fstype=xfs}']).toBe(10);
      expect(next['filesystem_size_bytes{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBeUndefined();
    });

    it('sees an unmount in the cycle it happens: the mount point is on another device', async () => {
      const t = tableProbe(ROOT + SRV);
      expect((await t.observed(0))['filesystem_size_bytes{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBe(10);
      t.proc.files['self/mounts'] = ROOT;
      t.devices.set('/srv', 1); // the bare directory, on the root filesystem
      const after = await t.observed(15);
      expect(t.reads()).toBe(2);
      expect(after['filesystem_size_bytes{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBeUndefined();
      expect(after['filesystem_size_bytes{mount=/,device=/dev/sda1,fstype=ext4}']).toBe(10);
    });

    it('sees errors=remount-ro in the cycle it happens, and a filesystem writable again', async () => {
      const t = tableProbe(ROOT + SRV);
      await t.observed(0);
      expect((await t.observed(15))['filesystem_readonly{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBe(0);
      expect(t.reads()).toBe(2);
      t.proc.files['self/mounts'] = ROOT + SRV.replace('rw,', 'ro,');
      t.readOnly.set('/srv', true); // access(2) W_OK: EROFS
      expect((await t.observed(30))['filesystem_readonly{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBe(1);
      expect(t.reads()).toBe(3);
      // Read-only as the table says: confirmed by one more read, then believed.
      await t.observed(45);
      await t.observed(60);
      expect(t.reads()).toBe(4);
      t.proc.files['self/mounts'] = ROOT + SRV;
      t.readOnly.set('/srv', false);
      expect((await t.observed(75))['filesystem_readonly{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBe(0);
      expect(t.reads()).toBe(5);
    });

    it('believes a writable table when access(2) cannot tell (EACCES: an agent that may not write there)', async () => {
      const t = tableProbe(ROOT + SRV);
      t.readOnly.set('/', undefined);
      t.readOnly.set('/srv', undefined);
      for (let s = 0; s < 75; s += 15) await t.observed(s);
      expect(t.reads()).toBe(2);
      // EROFS is answered whatever the permissions: a remount read-only still shows at once.
      t.proc.files['self/mounts'] = ROOT + SRV.replace('rw,', 'ro,');
      t.readOnly.set('/srv', true);
      expect((await t.observed(74))['filesystem_readonly{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBe(1);
      expect(t.reads()).toBe(3);
    });

    it('reads it every cycle for a mount it cannot ask: one it may not write to said read-only, one gone, one that may hang', async () => {
      // access(2) cannot tell (EACCES) whether a mount the table says is read-only still is.
      const denied = tableProbe(ROOT + SRV.replace('rw,', 'ro,'));
      denied.readOnly.set('/srv', undefined);
      for (let s = 0; s < 60; s += 15) await denied.observed(s);
      expect(denied.reads()).toBe(4);
      // A mount point that cannot be stat-ed (removed, or not searchable).
      const gone = tableProbe(ROOT + '/dev/sdc1 /gone ext4 rw 0 0\n');
      for (let s = 0; s < 60; s += 15) await gone.observed(s);
      expect(gone.reads()).toBe(4);
      // A network mount: not asked between reads, as stat(2) could hang on it.
      const remote = tableProbe(ROOT + 'nas:/x /data nfs4 rw 0 0\n');
      for (let s = 0; s < 60; s += 15) await remote.observed(s);
      expect(remote.reads()).toBe(4);
      expect(remote.asked).not.toContain('/data');
    });

    it('sees a new mount at the next read, within a minute', async () => {
      const t = tableProbe(ROOT);
      await t.observed(0);
      await t.observed(15);
      t.proc.files['self/mounts'] = ROOT + SRV;
      expect((await t.observed(30))['filesystem_size_bytes{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBeUndefined();
      expect((await t.observed(75))['filesystem_size_bytes{mount=/srv,device=/dev/sdb1,fstype=ext4}']).toBe(10);
    });

    it('asks the kernel: access(2) W_OK is false for a writable directory, undefined for a missing one, true on a read-only filesystem', () => {
      const writable = mkdtempSync(join(tmpdir(), 'tripline-rw-'));
      const dir = mkdtempSync(join(tmpdir(), 'tripline-ro-'));
      onTestFinished(() => {
        rmSync(writable, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      });
      expect(accessReadOnly(writable)).toBe(false);
      expect(accessReadOnly('/no/such/mount/point')).toBeUndefined();
      // A read-only tmpfs in a mount namespace of its own, where the test may make one (root, unshare).
      const script = `import { accessReadOnly } from ${JSON.stringify(join(import.meta.dirname, '../../agent/probes/filesystemProbe.ts'))}; console.log(String(accessReadOnly(process.argv[1])));`;
      const run = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o ro tripline-ro "$1" && exec "$2" --import tsx --input-type=module -e "$3" "$1"', 'sh', dir, process.execPath, script], { encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
      if (run.status !== 0 && /Operation not permitted|permission denied|must be superuser/i.test(run.stderr)) {
        console.warn(`read-only mount case not run here: ${run.stderr.trim()}`);
        return;
      }
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('true');
    });
  });

  it('answers synchronously when every filesystem is local, and through the timeout otherwise', () => {
    const silentStatfs = () => Promise.resolve({ bsize: 1, blocks: 1, bfree: 1, bavail: 1, files: 0, ffree: 0 });
    const local = createFilesystemProbe({ proc: procFixture({ 'self/mounts': '/dev/root / ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n' }), filter: { excludeFsTypes: [], excludeMounts: [] }, log: silent, statfsTimeoutSeconds: 1, statfs: silentStatfs });
    const answer = local.collect(NOW);
    expect(answer).not.toBeInstanceOf(Promise);
    expect(byKey((answer as { observations: Observation[] }).observations)['filesystem_size_bytes{mount=/,device=/dev/root,fstype=ext4}']).toBeGreaterThan(0);
    const remote = createFilesystemProbe({ proc: procFixture({ 'self/mounts': 'nas:/x / nfs4 rw 0 0\n' }), filter: { excludeFsTypes: [], excludeMounts: [] }, log: silent, statfsTimeoutSeconds: 1, statfs: silentStatfs });
    expect(remote.collect(NOW)).toBeInstanceOf(Promise);
  });
});
