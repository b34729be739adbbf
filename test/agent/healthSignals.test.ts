/**
 * The agent's side of the health signals rules watch: temperature headroom below each sensor's own
 * critical mark, md arrays rebuilding (not a scheduled check), and the one list of filesystem
 * exclusions with its additive include/exclude.
 */
import { describe, expect, it } from 'vitest';
import { createMdRaidProbe } from '../../agent/probes/mdRaidProbe.js';
import { selectMounts } from '../../agent/probes/filesystemProbe.js';
import { createTemperatureProbe } from '../../agent/probes/temperatureProbe.js';
import { parseProcMdstat } from '../../agent/procfs/procMdstat.js';
import { parseProcMounts } from '../../agent/procfs/procMounts.js';
import { DEFAULT_EXCLUDED_FS_TYPES, filesystemFilter, type FilesystemSelection } from '../../contract/filesystemExclusions.js';
import type { Observation } from '../../contract/report.js';
import { procFixture } from './procFixture.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');

function byKey(observations: readonly Observation[]): Record<string, number> {
  return Object.fromEntries(observations.map((o) => [`${o.metric}{${Object.values(o.labels).join(',')}}`, o.value]));
}

describe('temperature headroom', () => {
  it.each<{ why: string; files: Record<string, string>; criticalCelsius: number | undefined; expected: Record<string, number> }>([
    {
      why: "below the hwmon sensor's own crit mark",
      files: { 'class/hwmon/hwmon0/name': 'coretemp\n', 'class/hwmon/hwmon0/temp1_input': '92000\n', 'class/hwmon/hwmon0/temp1_label': 'Core 0\n', 'class/hwmon/hwmon0/temp1_crit': '100000\n' },
      criticalCelsius: 85, // the sensor's own mark wins over the configured one
      expected: { 'temperature_celsius{coretemp,Core 0}': 92, 'temperature_headroom_celsius{coretemp,Core 0}': 8 },
    },
    {
      why: 'negative above the mark',
      files: { 'class/hwmon/hwmon0/name': 'nvme\n', 'class/hwmon/hwmon0/temp1_input': '86500\n', 'class/hwmon/hwmon0/temp1_crit': '84850\n' },
      criticalCelsius: undefined,
      expected: { 'temperature_celsius{nvme,temp1}': 86.5, 'temperature_headroom_celsius{nvme,temp1}': -1.65 },
    },
    {
      why: 'the configured mark for a sensor without one',
      files: { 'class/hwmon/hwmon0/name': 'acpitz\n', 'class/hwmon/hwmon0/temp1_input': '50000\n' },
      criticalCelsius: 85,
      expected: { 'temperature_celsius{acpitz,temp1}': 50, 'temperature_headroom_celsius{acpitz,temp1}': 35 },
    },
    {
      why: 'no headroom without any mark',
      files: { 'class/hwmon/hwmon0/name': 'acpitz\n', 'class/hwmon/hwmon0/temp1_input': '50000\n', 'class/hwmon/hwmon0/temp1_crit': '0\n' },
      criticalCelsius: undefined,
      expected: { 'temperature_celsius{acpitz,temp1}': 50 },
    },
    {
      why: "a thermal zone's critical trip point",
      files: {
        'class/thermal/thermal_zone0/type': 'x86_pkg_temp\n',
        'class/thermal/thermal_zone0/temp': '60000\n',
        'class/thermal/thermal_zone0/trip_point_0_type': 'passive\n',
        'class/thermal/thermal_zone0/trip_point_0_temp': '80000\n',
        'class/thermal/thermal_zone0/trip_point_1_type': 'critical\n',
        'class/thermal/thermal_zone0/trip_point_1_temp': '105000\n',
      },
      criticalCelsius: undefined,
      expected: { 'temperature_celsius{thermal,thermal_zone0:x86_pkg_temp}': 60, 'temperature_headroom_celsius{thermal,thermal_zone0:x86_pkg_temp}': 45 },
    },
  ])('$why', async ({ files, criticalCelsius, expected }) => {
    const probe = createTemperatureProbe({ sys: procFixture(files), criticalCelsius });
    const observations = byKey((await probe.collect(NOW)).observations);
    expect(Object.keys(observations)).toEqual(Object.keys(expected));
    for (const [key, value] of Object.entries(expected)) expect(observations[key]).toBeCloseTo(value, 9);
  });
});

describe('md arrays rebuilding', () => {
  const array = (progress: string) => `Personalities : [raid1]\nmd0 : active raid1 sdb1[2] sda1[0]\n      1046528 blocks super 1.2 [2/1] [U_]\n${progress}\nunused devices: <none>\n`;

  it.each([
    { why: 'a rebuild onto a new disk', progress: '      [=>...................]  recovery =  8.3% (87488/1046528) finish=0.5min speed=29162K/sec\n', action: 'recovery', rebuilding: 1 },
    { why: 'a resync after an unclean stop', progress: '      [====>................]  resync = 22.0% (230528/1046528) finish=1.2min speed=10000K/sec\n', action: 'resync', rebuilding: 1 },
    { why: 'a resync waiting for another array', progress: '        resync=DELAYED\n', action: 'resync', rebuilding: 1 },
    { why: 'the scheduled monthly check', progress: '      [==>..................]  check = 12.5% (130816/1046528) finish=0.9min speed=16000K/sec\n', action: 'check', rebuilding: 0 },
    { why: 'nothing going on', progress: '', action: undefined, rebuilding: 0 },
  ])('$why', async ({ progress, action, rebuilding }) => {
    expect(parseProcMdstat(array(progress))[0]?.syncAction).toBe(action);
    const result = await createMdRaidProbe({ proc: procFixture({ mdstat: array(progress) }) }).collect(NOW);
    expect(byKey(result.observations)['md_rebuilding{md0,raid1}']).toBe(rebuilding);
  });

  it('does not take the next array for the progress of this one', () => {
    const text = 'md0 : active raid1 sdb1[1] sda1[0]\n      100 blocks [2/2] [UU]\nmd1 : active raid1 sdd1[1] sdc1[0]\n      100 blocks [2/2] [UU]\n      [>....]  recovery =  1.0%\n\n';
    expect(parseProcMdstat(text).map((a) => a.syncAction)).toEqual([undefined, 'recovery']);
  });
});

describe('filesystem exclusions: the built-in list, adjusted', () => {
  const mounts = parseProcMounts(
    [
      '/dev/sda1 / ext4 rw 0 0',
      'tmpfs /run tmpfs rw 0 0',
      'tmpfs /dev/shm tmpfs rw 0 0',
      'proc /proc proc rw 0 0',
      '/dev/loop3 /snap/core/123 squashfs ro 0 0',
      'squashfuse /snap/lxd/1 fuse.squashfuse ro 0 0',
      'nas:/export /mnt/backup nfs4 rw 0 0',
      '/dev/sr0 /media/cdrom iso9660 ro 0 0',
    ].join('\n') + '\n',
  );
  const none = { fsTypes: [], mounts: [] };
  const selected = (selection: Partial<FilesystemSelection>) => selectMounts(mounts, filesystemFilter({ include: none, exclude: none, ...selection })).map((m) => m.mount);

  it.each([
    { why: 'the defaults: disks and network mounts only', selection: {}, expected: ['/', '/mnt/backup'] },
    { why: 'one tmpfs taken back by its mount point', selection: { include: { fsTypes: [], mounts: ['/dev/shm'] } }, expected: ['/', '/dev/shm', '/mnt/backup'] },
    { why: 'every tmpfs taken back by its type', selection: { include: { fsTypes: ['tmpfs'], mounts: [] } }, expected: ['/', '/run', '/dev/shm', '/mnt/backup'] },
    { why: 'a type left out on top of the defaults', selection: { exclude: { fsTypes: ['nfs4'], mounts: [] } }, expected: ['/'] },
    { why: 'everything below a directory left out', selection: { exclude: { fsTypes: [], mounts: ['/mnt/*'] } }, expected: ['/'] },
    { why: 'an exclusion by mount wins over an inclusion by type', selection: { include: { fsTypes: ['tmpfs'], mounts: [] }, exclude: { fsTypes: [], mounts: ['/run'] } }, expected: ['/', '/dev/shm', '/mnt/backup'] },
    { why: 'a built-in mount exclusion taken back', selection: { include: { fsTypes: ['squashfs', 'fuse.squashfuse'], mounts: ['/snap/*'] } }, expected: ['/', '/snap/core/123', '/snap/lxd/1', '/mnt/backup'] },
  ])('$why', ({ selection, expected }) => {
    expect(selected(selection)).toEqual(expected);
  });

  it('keeps every type the agent used to leave out, and adds the image filesystems the default rules used to', () => {
    const before = ['tmpfs', 'devtmpfs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'overlay', 'squashfs', 'nsfs', 'autofs', 'mqueue', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf', 'configfs', 'fusectl', 'hugetlbfs', 'devpts', 'binfmt_misc', 'rpc_pipefs', 'efivarfs', 'ramfs'];
    expect(before.filter((type) => !DEFAULT_EXCLUDED_FS_TYPES.includes(type))).toEqual([]);
    expect(DEFAULT_EXCLUDED_FS_TYPES).toContain('iso9660');
  });
});
