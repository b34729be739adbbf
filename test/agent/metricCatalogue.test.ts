/**
 * The catalogue is the truth about what the agent emits: every observation a real agent produces
 * (all probes, fed fixtures and loopback servers) is catalogued with exactly its labels, every
 * catalogued metric is emitted by something, and names follow the Prometheus conventions.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PingResponse } from 'ping';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAME_PATTERN, type Observation, type Report } from '../../contract/report.js';
import { loadConfig } from '../../config/loadConfig.js';
import { createAgent } from '../../agent/agent.js';
import { METRIC_CATALOGUE, isMetricName } from '../../contract/metricCatalogue.js';
import { makeCertificates } from '../support/certificates.js';
import { startDnsResponder } from '../support/dnsResponder.js';
import { metricCatalogueMarkdown } from '../../cli/commands/agentMetricsCommand.js';
import { procFixture } from './procFixture.js';
import { reportSchemaErrors } from './reportValidator.js';
import { parseDurationMs } from '../../config/duration.js';

const NET_HEADER = 'Inter-| Receive | Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n';

describe('metric catalogue', () => {
  let server: Server;
  let web: HttpServer;
  let secure: HttpServer;
  let dns: Awaited<ReturnType<typeof startDnsResponder>>;
  let openPort: number;
  const reports: Report[] = [];

  beforeAll(async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    openPort = (server.address() as { port: number }).port;

    web = createHttpServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    dns = await startDnsResponder('app.example.test');
    const certs = makeCertificates(mkdtempSync(join(tmpdir(), 'tripline-cat-tls-')));
    secure = createHttpsServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    const { config } = loadConfig(undefined, {});
    config.agent.http.targets = [
      { name: 'web', url: `http://127.0.0.1:${(web.address() as { port: number }).port}/`, timeout: parseDurationMs('2s'), expectStatus: [] },
      { name: 'tls', url: `https://127.0.0.1:${(secure.address() as { port: number }).port}/`, timeout: parseDurationMs('2s'), expectStatus: [], caFile: certs.ca },
    ];
    config.agent.dns.targets = [{ name: 'app', query: 'app.example.test', type: 'A', server: `127.0.0.1:${dns.port}`, timeout: parseDurationMs('2s') }];
    config.agent.systemd.units = ['nginx.service'];
    config.agent.ping.targets = [{ name: 'gw', host: '192.0.2.1' }];
    config.agent.processes.names = ['sshd'];
    config.agent.plugins = [{ name: 'echo', command: '/bin/echo', args: ['OK | x=1s'], interval: parseDurationMs('1m'), timeout: parseDurationMs('5s') }];
    config.agent.tcp.targets = [
      { name: 'open', host: '127.0.0.1', port: openPort, timeout: parseDurationMs('1s') },
      { name: 'closed', host: '127.0.0.1', port: 1, timeout: parseDurationMs('1s') },
    ];
    const proc = procFixture({
      stat: 'cpu  100 0 100 700 50 0 0 50 0 0\n',
      loadavg: '1.00 0.50 0.25 1/100 1000\n',
      meminfo: 'MemTotal: 1000 kB\nMemAvailable: 500 kB\nSwapTotal: 100 kB\nSwapFree: 50 kB\n',
      'self/mounts': '/dev/root / ext4 rw 0 0\n',
      'net/dev': `${NET_HEADER}eth0: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n`,
      'net/route': 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n',
      vmstat: 'pswpin 10\npswpout 20\noom_kill 1\n',
      'sys/fs/file-nr': '1024\t0\t65536\n',
      uptime: '1000.5 1800.2\n',
      'sys/kernel/random/boot_id': 'b0b0b0b0-0000-4000-8000-000000000001\n',
      diskstats: '   8       0 sda 100 0 2000 50 200 0 4000 100 0 120 150 0 0 0 0\n',
      mdstat: 'Personalities : [raid1]\nmd0 : active raid1 sdb1[1] sda1[0]\n      1046528 blocks super 1.2 [2/2] [UU]\n\nunused devices: <none>\n',
      '1/comm': 'sshd\n',
      '2/comm': 'bash\n',
    });
    const sys = procFixture({
      'class/net/eth0/operstate': 'up\n',
      'class/net/eth0/speed': '1000\n',
      'class/hwmon/hwmon0/name': 'coretemp\n',
      'class/hwmon/hwmon0/temp1_input': '45000\n',
      'class/hwmon/hwmon0/temp1_label': 'Package id 0\n',
      'class/hwmon/hwmon0/temp1_crit': '100000\n',
    });
    const pinger = async (): Promise<PingResponse> => ({
      inputHost: '192.0.2.1', host: '192.0.2.1', alive: true, output: '', time: 1, times: [1], min: '1', max: '1', avg: '1.000', stddev: '0', packetLoss: '0.000',
    });
    const agent = createAgent({ config: config.agent, dataDir: mkdtempSync(join(tmpdir(), 'tripline-cat-')), log: pino({ level: 'silent' }), version: 'test', proc, sys, pinger, inventory: async () => ({
        inventory: { os: 'Debian 12', kernel: '6.1.0', architecture: 'x64', cpuModel: 'AMD EPYC', cpuCores: 2, memoryBytes: 1e9, disks: [], interfaces: [] },
        smart: [{ device: '/dev/sda', healthy: true, reallocatedSectors: 0, pendingSectors: 0, wearRatio: 0.1 }],
      }),
      systemctl: async () => 'Id=nginx.service\nLoadState=loaded\nActiveState=active\nSubState=running\n' });
    reports.push(await agent.collectOnce());
    proc.files.stat = 'cpu  300 0 200 1200 150 0 0 150 0 0\n';
    proc.files['net/dev'] = `${NET_HEADER}eth0: 200 2 0 0 0 0 0 0 300 3 0 0 0 0 0 0\n`;
    proc.files.vmstat = 'pswpin 30\npswpout 20\noom_kill 1\n';
    proc.files.diskstats = '   8       0 sda 110 0 2100 60 210 0 4100 110 0 130 160 0 0 0 0\n';
    await new Promise((resolve) => setTimeout(resolve, 20));
    reports.push(await agent.collectOnce());
    await agent.stop();
  }, 30_000);

  afterAll(() => {
    server.close();
    web.close();
    secure.close();
    dns.socket.close();
  });

  const observations = (): Observation[] => reports.flatMap((r) => r.observations);

  it('lists every metric an agent emits, with exactly the labels it carries', () => {
    expect(observations().length).toBeGreaterThan(50);
    for (const o of observations()) {
      expect(isMetricName(o.metric), `${o.metric} is not in the catalogue`).toBe(true);
      const expected = [...METRIC_CATALOGUE[o.metric as keyof typeof METRIC_CATALOGUE].labels].sort();
      expect(Object.keys(o.labels).sort(), `labels of ${o.metric}`).toEqual(expected);
    }
  });

  it('has no entry that no probe emits', () => {
    const emitted = new Set(observations().map((o) => o.metric));
    expect(Object.keys(METRIC_CATALOGUE).filter((name) => !emitted.has(name))).toEqual([]);
  });

  it('is published as a generated table with one row per metric', () => {
    const table = metricCatalogueMarkdown();
    for (const name of Object.keys(METRIC_CATALOGUE)) expect(table).toContain(`| \`${name}\` |`);
    expect(table.trim().split('\n')).toHaveLength(Object.keys(METRIC_CATALOGUE).length + 2);
  });

  it('produces reports that satisfy the wire contract', () => {
    for (const report of reports) expect(reportSchemaErrors(report)).toEqual([]);
  });

  it.each(Object.entries(METRIC_CATALOGUE))('%s follows the naming conventions', (name, definition) => {
    expect(name).toMatch(new RegExp(METRIC_NAME_PATTERN));
    expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    if (definition.kind === 'counter') expect(name).toMatch(/_total$/);
    else expect(name).not.toMatch(/_total$/);
    const suffix: Record<string, RegExp> = {
      ratio: /_ratio$/,
      bytes: /_bytes(_total)?$/,
      seconds: /_seconds(_total)?$/,
      celsius: /_celsius$/,
      bytes_per_second: /_bytes_per_second$/,
      per_second: /_per_second$/,
      count: /./,
      boolean: /./,
    };
    expect(name).toMatch(suffix[definition.unit]!);
    expect(definition.help.length).toBeGreaterThan(10);
  });
});
