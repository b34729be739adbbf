/**
 * The /proc and /sys probes added for full host health, fed fixture text: exact values, the first
 * run without rates, and the unhappy paths (malformed files, missing sensors, degraded arrays).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../contract/report.js';
import { primaryAddresses } from '../../agent/report/hostAddressing.js';
import { pino } from 'pino';
import { createDiskIoProbe, DEFAULT_DISK_EXCLUDE } from '../../agent/probes/diskIoProbe.js';
import { createFilesystemProbe } from '../../agent/probes/filesystemProbe.js';
import { createFileDescriptorProbe } from '../../agent/probes/fileDescriptorProbe.js';
import { createGatewayPingProbe } from '../../agent/probes/gatewayPingProbe.js';
import { createMdRaidProbe } from '../../agent/probes/mdRaidProbe.js';
import { createLinkObserver } from '../../agent/probes/networkProbe.js';
import { createProcessProbe } from '../../agent/probes/processProbe.js';
import { createTemperatureProbe } from '../../agent/probes/temperatureProbe.js';
import { createUptimeProbe } from '../../agent/probes/uptimeProbe.js';
import { createVmstatProbe } from '../../agent/probes/vmstatProbe.js';
import { parseProcDiskstats } from '../../agent/procfs/procDiskstats.js';
import { parseProcMdstat } from '../../agent/procfs/procMdstat.js';
import { parseDefaultGatewayV4, parseDefaultGatewayV6 } from '../../agent/procfs/procNetRoute.js';
import { procFixture } from './procFixture.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');

function byKey(observations: Observation[]): Record<string, number> {
  return Object.fromEntries(
    observations.map((o) => {
      const labels = Object.entries(o.labels).map(([k, v]) => `${k}=${v}`).join(',');
      return [labels === '' ? o.metric : `${o.metric}{${labels}}`, o.value];
    }),
  );
}

/** A clock the test steps by hand. */
function steppedClock(startMs = 0) {
  let now = startMs;
  return { ms: () => now, advance: (ms: number) => void (now += ms) };
}

const ROUTE_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';

describe('default gateway from /proc/net/route', () => {
  // Each row: the routes, and the gateway expected.
  it.each([
    // A plain default route via 192.0.2.1 (little-endian hex).
    ['one default route', `${ROUTE_HEADER}eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n`, '192.0.2.1'],
    // Two default routes: the lower metric wins.
    ['lowest metric wins', `${ROUTE_HEADER}eth0\t00000000\t010200C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\nwlan0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n`, '192.168.2.1'],
    // A default route without RTF_GATEWAY (point-to-point) has no gateway to ping.
    ['no gateway flag', `${ROUTE_HEADER}ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n`, undefined],
    // Only a subnet route.
    ['no default route', `${ROUTE_HEADER}eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n`, undefined],
    // Garbage does not throw.
    ['garbage', 'not a route table', undefined],
  ])('%s', (_name, text, expected) => {
    expect(parseDefaultGatewayV4(text)).toBe(expected);
  });

  it('reads the IPv6 default next hop, compressed', () => {
    const text = [
      'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
    ].join('\n');
    expect(parseDefaultGatewayV6(text)).toBe('fd00::1');
  });

  it('the gateway ping pings what the route table names, as target "gateway", and nothing without one', async () => {
    const pinged: string[] = [];
    const pinger = async (host: string) => {
      pinged.push(host);
      return { inputHost: host, host, alive: true, output: '', time: 2, times: [2], min: '2', max: '2', avg: '2.000', stddev: '0', packetLoss: '0.000' };
    };
    const proc = procFixture({ 'net/route': `${ROUTE_HEADER}eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n` });
    const probe = createGatewayPingProbe({ proc, count: 1, timeoutSeconds: 1, pinger });
    expect(byKey((await probe.collect(NOW)).observations)).toEqual({ 'ping_loss_ratio{target=gateway}': 0, 'ping_rtt_seconds{target=gateway}': 0.002, 'ping_jitter_seconds{target=gateway}': 0 });
    expect(pinged).toEqual(['192.0.2.1']);
    proc.files['net/route'] = ROUTE_HEADER;
    expect((await probe.collect(NOW)).observations).toEqual([]);
  });

  it('host addresses leave out loopback and link-local, IPv4 first', () => {
    const entry = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) });
    expect(
      primaryAddresses({
        lo: [entry('127.0.0.1', 'IPv4', true), entry('::1', 'IPv6', true)],
        eth0: [entry('2001:db8::5', 'IPv6'), entry('fe80::1', 'IPv6'), entry('192.0.2.5', 'IPv4')],
      } as never),
    ).toEqual(['192.0.2.5', '2001:db8::5']);
  });
});

describe('disk I/O probe', () => {
  const line = (device: string, reads: number, readSectors: number, readMs: number, writes: number, writeSectors: number, writeMs: number, ioMs: number) =>
    `   8 0 ${device} ${reads} 0 ${readSectors} ${readMs} ${writes} 0 ${writeSectors} ${writeMs} 0 ${ioMs} 0 0 0 0 0 0 0\n`;

  it('reports counters at once and iostat figures from the second run', async () => {
    const clock = steppedClock();
    const proc = procFixture({ diskstats: line('sda', 100, 1000, 50, 10, 100, 20, 500) + line('sda1', 1, 1, 1, 1, 1, 1, 1) + line('loop0', 1, 1, 1, 1, 1, 1, 1) });
    const probe = createDiskIoProbe({ proc, exclude: new RegExp(DEFAULT_DISK_EXCLUDE), monotonicMs: clock.ms });
    expect(byKey((await probe.collect(NOW)).observations)).toEqual({
      'disk_read_bytes_total{device=sda}': 512_000,
      'disk_written_bytes_total{device=sda}': 51_200,
      'disk_io_time_seconds_total{device=sda}': 0.5,
    });
    clock.advance(2000);
    // +20 reads of 40 ms total, +2000 sectors read; +10 writes of 100 ms; 1 s busy of 2 s.
    proc.files.diskstats = line('sda', 120, 3000, 90, 20, 100, 120, 1500);
    expect(byKey((await probe.collect(NOW)).observations)).toMatchObject({
      'disk_reads_per_second{device=sda}': 10,
      'disk_writes_per_second{device=sda}': 5,
      'disk_read_bytes_per_second{device=sda}': 512_000,
      'disk_written_bytes_per_second{device=sda}': 0,
      'disk_read_latency_seconds{device=sda}': 0.002,
      'disk_write_latency_seconds{device=sda}': 0.01,
      'disk_utilisation_ratio{device=sda}': 0.5,
    });
  });

  it('refuses a truncated diskstats line', () => {
    expect(() => parseProcDiskstats('   8 0 sda 1 2 3\n')).toThrow(/at least 14/);
  });

  it.each([
    // Garbage in a counter that is read (sectors read), and in one that is not (reads merged) but must still be a number.
    ['   8 0 sda 1 0 x 4 2 0 16 6 0 10 12 0 0 0 0\n'],
    ['   8 0 sda 1 y 8 4 2 0 16 6 0 10 12 0 0 0 0\n'],
    // Garbage in the 14th field (weighted time), the last one the classic format guarantees.
    ['   8 0 sda 1 0 8 4 2 0 16 6 0 10 z\n'],
  ])('refuses non-numeric diskstats counters: %j', (text) => {
    expect(() => parseProcDiskstats(text)).toThrow(/non-numeric counters for sda/);
  });

  it('reads the counters of the kernel 5.5+ format (20 fields) and of blank-padded lines', () => {
    const text = '\n 259       0 nvme0n1 100 5 2000 40 10 2 200 100 0 500 140 7 0 64 3 9 1\n\n';
    expect(parseProcDiskstats(text)).toEqual([{ device: 'nvme0n1', readsCompleted: 100, readBytes: 2000 * 512, readTimeMs: 40, writesCompleted: 10, writtenBytes: 200 * 512, writeTimeMs: 100, ioTimeMs: 500 }]);
  });

  it('skips the lines of devices it is told to leave out before reading their counters', () => {
    const text = '   7 0 loop0 garbage\n   8 0 sda 1 0 8 4 2 0 16 6 0 10 12 0 0 0 0\n';
    expect(parseProcDiskstats(text, (device) => device !== 'loop0').map((d) => d.device)).toEqual(['sda']);
    expect(() => parseProcDiskstats(text)).toThrow(/at least 14/);
  });
});

describe('md RAID', () => {
  const healthy = 'Personalities : [raid1] [raid6]\nmd0 : active raid1 sdb1[1] sda1[0]\n      1046528 blocks super 1.2 [2/2] [UU]\n\n';
  const degraded = 'md1 : active raid5 sdd1[3] sdc1[1] sdb1[0](F)\n      2093056 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [_UU]\n\n';
  const inactive = 'md2 : inactive sde1[0](S)\n      1046528 blocks super 1.2\n\nunused devices: <none>\n';

  it('parses healthy, degraded and inactive arrays', () => {
    expect(parseProcMdstat(healthy + degraded + inactive)).toEqual([
      { device: 'md0', state: 'active', level: 'raid1', disksRequired: 2, disksActive: 2, degraded: false },
      { device: 'md1', state: 'active', level: 'raid5', disksRequired: 3, disksActive: 2, degraded: true },
      { device: 'md2', state: 'inactive', level: '', disksRequired: 0, disksActive: 0, degraded: false },
    ]);
  });

  it('reports a degraded array as a critical check, and a host without md as nothing', async () => {
    const result = await createMdRaidProbe({ proc: procFixture({ mdstat: healthy + degraded }) }).collect(NOW);
    expect(result.checks?.map((c) => [c.name, c.status])).toEqual([['md:md0', 'ok'], ['md:md1', 'critical']]);
    expect(byKey(result.observations)).toMatchObject({ 'md_degraded{device=md1,level=raid5}': 1, 'md_degraded{device=md0,level=raid1}': 0 });
    expect(await createMdRaidProbe({ proc: procFixture({}) }).collect(NOW)).toEqual({ observations: [] });
  });

  it('looks for a missing /proc/mdstat again only every few minutes', () => {
    const proc = procFixture({});
    let now = 0;
    const probe = createMdRaidProbe({ proc, absentTtlMs: 300_000, monotonicMs: () => now });
    expect(probe.collect(NOW)).toEqual({ observations: [] });
    proc.files.mdstat = 'Personalities : [raid1]\nmd0 : active raid1 sdb1[1] sda1[0]\n      1046528 blocks super 1.2 [2/1] [U_]\n\nunused devices: <none>\n';
    now = 299_000;
    expect(probe.collect(NOW)).toEqual({ observations: [] });
    expect(proc.reads.get('mdstat')).toBe(1);
    now = 300_000;
    expect(byKey((probe.collect(NOW) as { observations: Observation[] }).observations)).toMatchObject({ 'md_degraded{device=md0,level=raid1}': 1 });
  });
});

describe('vmstat, file handles, uptime', () => {
  it('turns pswpin/pswpout into rates and passes oom_kill through', async () => {
    const clock = steppedClock();
    const proc = procFixture({ vmstat: 'nr_free_pages 5\npswpin 100\npswpout 50\noom_kill 2\n' });
    const probe = createVmstatProbe({ proc, monotonicMs: clock.ms });
    expect(byKey((await probe.collect(NOW)).observations)).toEqual({ oom_kills_total: 2 });
    clock.advance(10_000);
    proc.files.vmstat = 'pswpin 200\npswpout 50\noom_kill 3\n';
    expect(byKey((await probe.collect(NOW)).observations)).toEqual({ swap_in_pages_per_second: 10, swap_out_pages_per_second: 0, oom_kills_total: 3 });
  });

  it('reports file handles against the limit and refuses a malformed file-nr', async () => {
    const ok = createFileDescriptorProbe({ proc: procFixture({ 'sys/fs/file-nr': '2048\t0\t8192\n' }) });
    expect(byKey((await ok.collect(NOW)).observations)).toEqual({ file_descriptors_allocated: 2048, file_descriptors_maximum: 8192, file_descriptors_used_ratio: 0.25 });
    // A /proc probe answers synchronously, so it throws (the runner turns that into an unknown check).
    expect(() => createFileDescriptorProbe({ proc: procFixture({ 'sys/fs/file-nr': 'x' }) }).collect(NOW)).toThrow(/file-nr/);
  });

  it('detects a reboot across agent restarts by the kernel boot_id, once', async () => {
    const bootIdFile = join(mkdtempSync(join(tmpdir(), 'tripline-boot-')), 'boot_id');
    const proc = procFixture({ uptime: '100.25 50.00\n', 'sys/kernel/random/boot_id': 'aaaa\n' });
    const first = createUptimeProbe({ proc, bootIdFile });
    expect(byKey((await first.collect(NOW)).observations)).toEqual({ uptime_seconds: 100.25, boot_time_seconds: NOW.getTime() / 1000 - 100, reboot_detected: 0 });
    // The agent restarts on the same boot: no reboot.
    expect(byKey((await createUptimeProbe({ proc, bootIdFile }).collect(NOW)).observations).reboot_detected).toBe(0);
    // The host rebooted: a new agent sees a new boot_id, once.
    proc.files['sys/kernel/random/boot_id'] = 'bbbb\n';
    const afterReboot = createUptimeProbe({ proc, bootIdFile });
    expect(byKey((await afterReboot.collect(NOW)).observations).reboot_detected).toBe(1);
    expect(byKey((await afterReboot.collect(NOW)).observations).reboot_detected).toBe(0);
    expect(readFileSync(bootIdFile, 'utf8')).toBe('bbbb\n');
  });
});

describe('read-only remounts', () => {
  it('reports a filesystem remounted read-only, and rw ones as 0', async () => {
    const proc = procFixture({ 'self/mounts': '/dev/sda1 / ext4 ro,relatime,errors=remount-ro 0 0\n/dev/sda2 /srv ext4 rw,relatime 0 0\n' });
    const probe = createFilesystemProbe({ proc, filter: { excludeFsTypes: [], excludeMounts: [] }, log: pino({ level: 'silent' }), statfsTimeoutSeconds: 2 });
    const readonly = (await probe.collect(NOW)).observations.filter((o) => o.metric === 'filesystem_readonly').map((o) => [o.labels.mount, o.value]);
    expect(readonly).toEqual([['/', 1], ['/srv', 0]]);
  });
});

describe('link state, temperatures, processes', () => {
  it('reports operstate and speed, and no speed when the driver has none', async () => {
    const sys = procFixture({ 'class/net/eth0/operstate': 'up\n', 'class/net/eth0/speed': '10000\n', 'class/net/veth1/operstate': 'down\n', 'class/net/veth1/speed': '-1\n' });
    let now = 0;
    const links = createLinkObserver(sys, { speedTtlMs: 60_000, monotonicMs: () => now });
    expect(byKey(links('eth0', NOW))).toEqual({ 'network_up{interface=eth0}': 1, 'network_speed_bytes_per_second{interface=eth0}': 1.25e9 });
    expect(byKey(links('veth1', NOW))).toEqual({ 'network_up{interface=veth1}': 0 });
    expect(links('gone0', NOW)).toEqual([]);
    // State is read every time, speed once a minute: a link coming up shows at once, its speed within the minute.
    sys.files['class/net/veth1/operstate'] = 'up\n';
    sys.files['class/net/veth1/speed'] = '1000\n';
    now = 30_000;
    expect(byKey(links('veth1', NOW))).toEqual({ 'network_up{interface=veth1}': 1 });
    now = 60_000;
    expect(byKey(links('veth1', NOW))).toEqual({ 'network_up{interface=veth1}': 1, 'network_speed_bytes_per_second{interface=veth1}': 1.25e8 });
    expect(sys.reads.get('class/net/veth1/speed')).toBe(2);
    expect(sys.reads.get('class/net/veth1/operstate')).toBe(3);
  });

  it('reads hwmon sensors, falls back to thermal zones, and reports nothing without sensors', async () => {
    const hwmon = procFixture({ 'class/hwmon/hwmon1/name': 'nvme\n', 'class/hwmon/hwmon1/temp1_input': '38850\n', 'class/hwmon/hwmon1/temp2_input': 'garbage\n' });
    expect(byKey((await createTemperatureProbe({ sys: hwmon }).collect(NOW)).observations)).toEqual({ 'temperature_celsius{chip=nvme,sensor=temp1}': 38.85 });
    const thermal = procFixture({ 'class/thermal/thermal_zone0/temp': '51000\n', 'class/thermal/thermal_zone0/type': 'x86_pkg_temp\n', 'class/thermal/cooling_device0/type': 'fan\n' });
    expect(byKey((await createTemperatureProbe({ sys: thermal }).collect(NOW)).observations)).toEqual({ 'temperature_celsius{chip=thermal,sensor=thermal_zone0:x86_pkg_temp}': 51 });
    expect((await createTemperatureProbe({ sys: procFixture({}) }).collect(NOW)).observations).toEqual([]);
  });

  it('looks for sensors again after a while, or at once when one goes away, and reads only values in between', () => {
    const sys = procFixture({ 'class/hwmon/hwmon0/name': 'k10temp\n', 'class/hwmon/hwmon0/temp1_input': '40000\n', 'class/hwmon/hwmon0/temp1_label': 'Tctl\n' });
    let now = 0;
    const probe = createTemperatureProbe({ sys, discoveryTtlMs: 60_000, monotonicMs: () => now });
    const collect = () => byKey((probe.collect(NOW) as { observations: Observation[] }).observations);
    expect(collect()).toEqual({ 'temperature_celsius{chip=k10temp,sensor=Tctl}': 40 });
    sys.files['class/hwmon/hwmon0/temp1_input'] = '41000\n';
    sys.files['class/hwmon/hwmon0/temp2_input'] = '50000\n'; // a new sensor: not seen before the next discovery
    now = 30_000;
    expect(collect()).toEqual({ 'temperature_celsius{chip=k10temp,sensor=Tctl}': 41 });
    expect(sys.reads.get('class/hwmon/hwmon0/name')).toBe(1);
    now = 61_000;
    expect(collect()).toEqual({ 'temperature_celsius{chip=k10temp,sensor=Tctl}': 41, 'temperature_celsius{chip=k10temp,sensor=temp2}': 50 });
    delete sys.files['class/hwmon/hwmon0/temp1_input']; // the driver went away: rediscover at once
    now = 62_000;
    expect(collect()).toEqual({ 'temperature_celsius{chip=k10temp,sensor=temp2}': 50 });
    sys.files['class/hwmon/hwmon0/temp1_input'] = '42000\n';
    now = 63_000;
    expect(collect()).toEqual({ 'temperature_celsius{chip=k10temp,sensor=Tctl}': 42, 'temperature_celsius{chip=k10temp,sensor=temp2}': 50 });
  });

  it('counts processes by comm and makes a missing one critical; a vanished pid is skipped', async () => {
    const proc = procFixture({ '1/comm': 'systemd\n', '20/comm': 'nginx\n', '21/comm': 'nginx\n', '22/status': 'no comm: the process exited\n', self: 'x' });
    const result = await createProcessProbe({ proc, names: ['nginx', 'postgres'] }).collect(NOW);
    expect(byKey(result.observations)).toEqual({ 'process_count{name=nginx}': 2, 'process_count{name=postgres}': 0 });
    expect(result.checks?.map((c) => [c.name, c.status])).toEqual([['process:nginx', 'ok'], ['process:postgres', 'critical']]);
  });
});
