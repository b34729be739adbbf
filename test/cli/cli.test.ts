/**
 * The `tripline` command line as a user runs it: the compiled CLI in a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, spawnTripline, waitFor } from '../support/processes.js';

const run = promisify(execFile);

/** Runs the CLI to completion; resolves with exit code and output instead of throwing on failure. */
async function tripline(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, TRIPLINE_CONFIG: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('tripline CLI', () => {
  it('prints its version and help', async () => {
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    expect((await tripline(['--version'])).stdout.trim()).toBe(version);
    const help = await tripline(['--help']);
    for (const command of ['start', 'collector', 'agent', 'rules', 'incidents']) expect(help.stdout).toContain(command);
  });

  it('rules check: accepts the default pack and reports a typo with file:line:column', async () => {
    const ok = await tripline(['rules', 'check', join(REPO_ROOT, 'rules/default')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: \d+ rule\(s\)/);
    const dir = mkdtempSync(join(tmpdir(), 'tripline-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'rules:\n  - name: disk_full\n    metric: filesystem_used_ratio\n    abov: 0.9\n    severity: warning\n    summary: full\n');
    const bad = await tripline(['rules', 'check', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}:4:5: rules[0].abov: unknown key "abov"; did you mean "above"?`);
  });

  it('rules check: a misspelt metric, label and template variable each fail with file:line:column and a suggestion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-cli-'));
    const file = join(dir, 'typos.yaml');
    writeFileSync(
      file,
      [
        'rules:',
        '  - name: disk_full',
        '    metric: filesytem_used_ratio',
        '    above: 0.9',
        '    severity: warning',
        '    summary: full',
        '  - name: root_full',
        '    metric: filesystem_used_ratio',
        `    matchers: ['mountpoint="/"']`,
        '    above: 0.9',
        '    severity: warning',
        '    summary: "{{ labels.hostname }} is {{ valeu | percent }} full"',
        '',
      ].join('\n'),
    );
    const result = await tripline(['rules', 'check', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `${file}:3:13: rules[0].metric: unknown metric "filesytem_used_ratio"; did you mean "filesystem_used_ratio"? (declare metrics the catalogue does not have under "metrics:")`,
      `${file}:9:17: rules[1].matchers[0]: unknown label "mountpoint" of filesystem_used_ratio; did you mean "mount"? (its labels: mount, device, fstype, host; declare labels your agents put on every series under "hostLabels:")`,
      `${file}:12:14: rules[1].summary: unknown template variable "valeu"; did you mean "value"?`,
      `${file}:12:15: rules[1].summary: unknown label "hostname" in "{{ labels.hostname }}": it would always render empty; did you mean "host"?`,
      '4 problem(s) found',
      '',
    ]);
  });

  it('refuses an invalid config with the line of the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-cli-'));
    const file = join(dir, 'tripline.yaml');
    writeFileSync(file, 'collector:\n  retention: forever\n');
    const result = await tripline(['collector', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:2:14: collector.retention: must be a duration such as 30s, 5m, 4h or 7d, got "forever"`);
  });

  it('config check: a topology with a typo, a self-parent, a shared address and a cycle is refused, every problem at once, and the collector does not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-cli-'));
    const file = join(dir, 'tripline.yaml');
    writeFileSync(file, ['dataDir: data', 'incidents:', '  topology:', '    hosts:', '      sw1: { address: 10.0.0.2, parents: [sw1] }', '      web-1: { address: 10.0.0.2, parents: [sw-1] }', '      a: { parents: [b] }', '      b: { parents: [a] }', ''].join('\n'));
    const check = await tripline(['config', 'check', '--config', file]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`${file}:5:43: incidents.topology.hosts.sw1.parents[0]: host "sw1" is its own parent`);
    expect(check.stderr).toContain(`${file}:6:45: incidents.topology.hosts.web-1.parents[0]: no host named "sw-1" is declared under incidents.topology.hosts; did you mean "sw1"?`);
    expect(check.stderr).toContain(`${file}:6:25: incidents.topology.hosts.web-1.address: address 10.0.0.2 is also the address of host "sw1"`);
    expect(check.stderr).toContain(`${file}:7:22: incidents.topology.hosts.a.parents[0]: parent cycle: a -> b -> a`);
    expect(check.stderr).toContain('4 problem(s) found');
    const collector = await tripline(['collector', '--config', file]);
    expect(collector.code).toBe(1);
    expect(collector.stderr).toContain('parent cycle: a -> b -> a');
    expect(existsSync(join(dir, 'data'))).toBe(false); // refused before it opened anything
    writeFileSync(file, ['dataDir: data', 'incidents:', '  topology:', '    hosts:', '      sw1: { address: 10.0.0.2 }', '      web-1: { address: 10.0.1.11, parents: [sw1] }', ''].join('\n'));
    const ok = await tripline(['config', 'check', '--config', file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^ok: ${file}; \\d+ rule\\(s\\)`));
  });

  it('start: runs collector and agent with no setup, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-cli-'));
    const file = join(dir, 'tripline.yaml');
    // Loopback only: no ping of this machine's real gateway, no reachability pings of its addresses.
    writeFileSync(file, `dataDir: ${join(dir, 'data')}\ncollector:\n  listen: { port: 0 }\nagent:\n  interval: 1s\n  ping: { gateway: false }\nincidents: { reachability: { enabled: false } }\n`);
    const log = join(dir, 'start.log');
    const proc = spawnTripline(['start', '--config', file], log);
    const url = await waitFor('the start banner', () => /API:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(readFileSync(log, 'utf8'))?.[1]);
    // The admin token start made for its user: kept 0600 in the data directory, named in the banner, and the API takes it.
    const tokenFile = join(dir, 'data', 'local-admin.token');
    expect(readFileSync(log, 'utf8')).toContain(`admin token "local-admin" in ${tokenFile} (mode 0600)`);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const asLocalAdmin = { headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` } };
    expect((await fetch(`${url}/api/v1/hosts`)).status).toBe(401);
    await waitFor('the local agent reporting', async () => ((await (await fetch(`${url}/api/v1/hosts`, asLocalAdmin)).json()) as { hosts: unknown[] }).hosts.length === 1);
    expect(await (await fetch(`${url}/api/v1/whoami`, asLocalAdmin)).json()).toEqual({ name: 'local-admin', role: 'admin' });
    // The banner names the console, which answers there.
    const consoleUrl = /Console:\s+(http:\/\/\S+\/)/.exec(readFileSync(log, 'utf8'))?.[1];
    expect(consoleUrl).toBe(`${url}/`);
    expect(await (await fetch(consoleUrl!)).text()).toContain('<title>Tripline</title>');
    expect(await proc.kill('SIGTERM')).toBe(0);
    const output = readFileSync(log, 'utf8');
    expect(output).toMatch(/Agent:\s+reporting every 1s to http/);
    expect(output).toContain('"msg":"agent stopped"');
    expect(output).toContain('"msg":"collector stopped"');
    const list = await tripline(['incidents', 'list', '--json', '--config', file]);
    expect(list.code).toBe(0);
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
    expect((await tripline(['incidents', 'list', '--config', file])).stdout).toMatch(/no incidents|^ID\s+STATUS/m);
  }, 60_000);

  it('incidents list: says clearly when there is no database yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-cli-'));
    writeFileSync(join(dir, 'tripline.yaml'), `dataDir: ${join(dir, 'nothing-here')}\n`);
    const result = await tripline(['incidents', 'list', '--config', join(dir, 'tripline.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no database at');
  });
});
