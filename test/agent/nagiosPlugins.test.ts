/**
 * Nagios plugins run unchanged: output and perfdata parsing on the reference outputs, exit codes to
 * statuses, real plugins from Debian's monitoring-plugins-basic (a CRITICAL one among them) run
 * through the agent, a hung plugin's whole process group killed at its timeout, and configs that
 * would hand a plugin an option for a host refused before anything runs.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAgent } from '../../agent/agent.js';
import { parseNagiosOutput, statusFromExitCode } from '../../agent/plugins/nagiosOutput.js';
import type { PluginDefinition } from '../../agent/plugins/pluginDefinition.js';
import { runPlugin } from '../../agent/plugins/runPlugin.js';
import { loadConfig } from '../../config/loadConfig.js';
import { agentConfigIssues, loadPatchedAgentConfig } from './agentConfigFile.js';
import { reportSchemaErrors } from './reportValidator.js';
import { parseDurationMs } from '../../config/duration.js';

const PLUGINS = '/usr/lib/nagios/plugins';
const NOW = new Date('2025-01-01T00:00:00.000Z');
const plugin = (name: string, command: string, args: string[], timeoutSeconds = 10): PluginDefinition => ({ name, command, args, intervalSeconds: 60, timeoutSeconds });

describe('Nagios output', () => {
  // Each row: the plugin's stdout (Debian 2.3.3, from the reference), summary, perfdata in base units.
  it.each([
    ['LOAD OK - total load average: 2.32, 1.91, 0.92|load1=2.320;5.000;10.000;0; load5=1.910;4.000;8.000;0; load15=0.920;3.000;6.000;0;', 'LOAD OK - total load average: 2.32, 1.91, 0.92', [['load1', 2.32, ''], ['load5', 1.91, ''], ['load15', 0.92, '']]],
    ['DISK OK - free space: / 80315MiB (77% inode=97%);| /=24726470656B;216442024755;243497277849;0;270552530944', 'DISK OK - free space: / 80315MiB (77% inode=97%);', [['/', 24726470656, 'bytes']]],
    ['SWAP CRITICAL - 0% free (0MB out of 0MB) - Swap is either disabled, not present, or of zero size. |swap=0B;0;0;0;0', 'SWAP CRITICAL - 0% free (0MB out of 0MB) - Swap is either disabled, not present, or of zero size.', [['swap', 0, 'bytes']]],
    ['PING OK - Packet loss = 0%, RTA = 0.09 ms|rta=0.086000ms;100.000000;200.000000;0.000000 pl=0%;20;40;0;', 'PING OK - Packet loss = 0%, RTA = 0.09 ms', [['rta', 0.000086, 'seconds'], ['pl', 0, 'ratio']]],
    ['TCP OK - 0.000 second response time on 127.0.0.1 port 18080|time=0.000203s;;;0.000000;10.000000', 'TCP OK - 0.000 second response time on 127.0.0.1 port 18080', [['time', 0.000203, 'seconds']]],
    ['CRITICAL: boom', 'CRITICAL: boom', []],
    // Quoted labels with spaces and a doubled quote, a counter, KB, an unknown UOM, and a malformed item skipped.
    ["OK | 'C:\\ used space'=10GB;;; 'it''s'=5c 'mem'=2KB x=3degC broken=abc", 'OK', [['C:\\ used space', 10 * 1024 ** 3, 'bytes'], ["it's", 5, 'counter'], ['mem', 2048, 'bytes'], ['x', 3, 'degC']]],
    // Long output, and perfdata continued after a later line's |.
    ['DISK WARNING\n/ 90%\n/var 50% | /=9B\n/var=5B', 'DISK WARNING', [['/', 9, 'bytes'], ['/var', 5, 'bytes']]],
  ])('%s', (stdout, summary, perfdata) => {
    const parsed = parseNagiosOutput(stdout);
    expect(parsed.summary).toBe(summary);
    expect(parsed.perfdata.map((p) => [p.label, p.value, p.unit])).toEqual(perfdata.map(([l, v, u]) => [l, expect.closeTo(v as number, 9), u]));
  });

  it('keeps long output apart from perfdata', () => {
    expect(parseNagiosOutput('DISK WARNING\n/ 90%\n/var 50% | /=9B\n/var=5B').longOutput).toBe('/ 90%\n/var 50%');
  });

  // Each row: exit code -> status; anything outside 0..3, or none (signal), is unknown.
  it.each([[0, 'ok'], [1, 'warning'], [2, 'critical'], [3, 'unknown'], [4, 'unknown'], [127, 'unknown'], [null, 'unknown']] as const)('exit %s is %s', (code, status) => {
    expect(statusFromExitCode(code)).toBe(status);
  });
});

describe.skipIf(!existsSync(`${PLUGINS}/check_dummy`))('real monitoring-plugins-basic', () => {
  it('check_dummy 2 boom is CRITICAL with its text', async () => {
    const run = await runPlugin(plugin('dummy', `${PLUGINS}/check_dummy`, ['2', 'boom']), NOW);
    expect(run.check).toMatchObject({ name: 'plugin:dummy', status: 'critical', output: 'CRITICAL: boom' });
  });

  it('check_dummy 1 and 3 are WARNING and UNKNOWN', async () => {
    expect((await runPlugin(plugin('d1', `${PLUGINS}/check_dummy`, ['1', 'meh']), NOW)).check.status).toBe('warning');
    expect((await runPlugin(plugin('d3', `${PLUGINS}/check_dummy`, ['3']), NOW)).check.status).toBe('unknown');
  });

  it('check_load reports load perfdata', async () => {
    const run = await runPlugin(plugin('load', `${PLUGINS}/check_load`, ['-w', '1000,1000,1000', '-c', '2000,2000,2000']), NOW);
    expect(run.check.status).toBe('ok');
    expect(run.observations.map((o) => o.labels.label)).toEqual(['load1', 'load5', 'load15']);
    expect(run.observations.every((o) => o.metric === 'plugin_perfdata_value' && o.labels.check === 'load' && o.labels.unit === '')).toBe(true);
  });

  it('check_disk on / reports used bytes', async () => {
    const run = await runPlugin(plugin('root_disk', `${PLUGINS}/check_disk`, ['-w', '1%', '-c', '1%', '-p', '/']), NOW);
    expect(['ok', 'warning', 'critical']).toContain(run.check.status);
    const used = run.observations.find((o) => o.labels.label === '/');
    expect(used?.labels.unit).toBe('bytes');
    expect(used!.value).toBeGreaterThan(0);
  });

  it('check_tcp against a closed port is CRITICAL', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const run = await runPlugin(plugin('tcp_closed', `${PLUGINS}/check_tcp`, ['-H', '127.0.0.1', '-p', String(port)]), NOW);
    expect(run.check.status).toBe('critical');
    expect(run.check.output).toMatch(/refused/i);
  });

  it('run through the agent: checks and perfdata land in a valid report', async () => {
    const { config } = loadConfig(undefined, {});
    config.agent.ping.gateway = false;
    config.agent.plugins = [
      { name: 'boom', command: `${PLUGINS}/check_dummy`, args: ['2', 'boom'], interval: parseDurationMs('1m'), timeout: parseDurationMs('10s') },
      { name: 'load', command: `${PLUGINS}/check_load`, args: ['-w', '1000,1000,1000', '-c', '2000,2000,2000'], interval: parseDurationMs('1m'), timeout: parseDurationMs('10s') },
    ];
    const agent = createAgent({ config: config.agent, dataDir: mkdtempSync(join(tmpdir(), 'tripline-plugins-')), log: pino({ level: 'silent' }), version: 'test' });
    const report = await agent.collectOnce();
    await agent.stop();
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.checks.filter((c) => c.name.startsWith('plugin:')).map((c) => [c.name, c.status])).toEqual([['plugin:boom', 'critical'], ['plugin:load', 'ok']]);
    expect(report.observations.filter((o) => o.metric === 'plugin_perfdata_value').map((o) => o.labels.label)).toEqual(['load1', 'load5', 'load15']);
  });
});

describe('isolation and safety', () => {
  it('kills the whole process group of a plugin that outlives its timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-hung-'));
    const pidFile = join(dir, 'child.pid');
    const started = Date.now();
    const run = await runPlugin(plugin('hung', '/bin/sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], 0.5), NOW);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(run.check).toMatchObject({ status: 'unknown', output: expect.stringMatching(/timed out after 0.5s/) });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && alive(grandchild)) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(grandchild)).toBe(false);
  });

  it('reports a missing plugin as unknown, not a crash', async () => {
    const run = await runPlugin(plugin('missing', '/nonexistent/check_nothing', []), NOW);
    expect(run.check).toMatchObject({ status: 'unknown', output: expect.stringMatching(/ENOENT/) });
  });

  it('passes shell metacharacters as plain bytes (no shell)', async () => {
    const run = await runPlugin(plugin('echo', '/bin/echo', ['$(id)', ';', 'rm -rf /', '|x=1']), NOW);
    expect(run.check.output).toBe('$(id) ; rm -rf /');
    expect(run.observations.map((o) => [o.labels.label, o.value])).toEqual([['x', 1]]);
  });

  // Each row: a plugin config that must be refused, and the config path and message expected.
  it.each([
    ['relative command', { command: 'check_load' }, 'agent.plugins[0].command', /absolute path/],
    ['un-normalised command', { command: '/usr/lib/nagios/../../bin/sh' }, 'agent.plugins[0].command', /absolute path/],
    ['a host that is an option', { args: ['-H', '-oProxyCommand=touch /tmp/x'] }, 'agent.plugins[0].args[1]', /starts with "-"/],
    ['an inline host with a shell', { args: ['--hostname=a;b'] }, 'agent.plugins[0].args[0]', /neither an IP/],
    ['a line break in an argument', { args: ['ok\nrm'] }, 'agent.plugins[0].args[0]', /line break/],
    ['timeout longer than the interval', { interval: '5s', timeout: '10s' }, 'agent.plugins[0].timeout', /interval/],
  ])('refuses %s', (_name, patch, path, message) => {
    const issues = agentConfigIssues((agent) => {
      agent.plugins = [{ name: 'p', command: `${PLUGINS}/check_load`, args: [], interval: '1m', timeout: '10s', ...patch }];
    });
    expect(issues).toContainEqual(expect.objectContaining({ code: 'TRIPLINE_AGENT_INVALID_PLUGIN', path, message: expect.stringMatching(message) }));
  });

  it('refuses the same plugin name twice', () => {
    const p = { name: 'p', command: `${PLUGINS}/check_load`, args: [], interval: '1m', timeout: '10s' };
    expect(() => loadPatchedAgentConfig((agent) => void (agent.plugins = [p, p]))).toThrow(/configured twice/);
  });
});

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
