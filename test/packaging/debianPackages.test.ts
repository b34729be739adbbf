/**
 * The roll-out path on this machine, as root: `npm run package` builds the self-contained agent and
 * both Debian packages; `dpkg -i` installs them (the tripline user, /etc/tripline conffiles, the data
 * directory, nothing started); the Ansible role, applied with `-c local`, writes the agent's config and
 * its enrolment secret (0600, never in Ansible's output); the installed collector and agent run from
 * their units' ExecStart= (no systemd here: started directly, as the units' User=, with the units'
 * environment), the agent in a mount namespace where every Node binary on the system is replaced by
 * /dev/null; the host's report arrives and an incident reaches the desk (a webhook on loopback). Then
 * `dpkg -r` leaves only the conffiles, the secrets files and the data, and `dpkg -P` leaves nothing.
 *
 * Skipped, with the reason, when not root or when Tripline is already installed here (the test would
 * remove it). Cleans up after itself on failure too: processes, packages (purged) and temporary files.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, freePort, REPO_ROOT, TEST_ADMIN_TOKEN, startWebhookReceiver, waitFor, type WebhookReceiver } from '../support/processes.js';
import { readUnitService } from '../support/systemdUnit.js';

const run = promisify(execFile);
const PACKAGES = ['tripline-agent', 'tripline-collector'] as const;
const ENROLLMENT_TOKEN = 'packaged-enrolment-token-0123456789abcdef';
const DESK_SECRET = 'packaged-webhook-secret-value';
const ROLL_OUT_PATHS = ['/etc/tripline', '/var/lib/tripline', '/usr/lib/tripline', '/usr/bin/tripline', '/usr/bin/tripline-agent'];
const HAS_SYSTEMD = existsSync('/run/systemd/system');

/** dpkg's status of a package ("install ok installed", "deinstall ok config-files"), or '' when dpkg does not know it. */
function dpkgStatus(name: string): string {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return query.status === 0 && !query.stdout.includes('not-installed') ? query.stdout : '';
}
const installed = (name: string) => dpkgStatus(name).includes('install ok installed');
const known = (name: string) => dpkgStatus(name) !== '';

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: installs and removes Debian packages with dpkg';
  const present = [...PACKAGES.filter(known), ...ROLL_OUT_PATHS.filter((p) => existsSync(p))];
  if (present.length > 0) return `Tripline is already installed on this machine (${present.join(', ')}); this test would remove it`;
  return undefined;
}
const SKIP = skipReason();
if (SKIP) console.warn(`skipping the Debian package test: ${SKIP}`);

/** The open-files limits of a /proc/<pid>/limits text. */
function openFilesLimits(limits: string): { soft: number; hard: number } {
  const [, soft, hard] = /^Max open files +(\d+) +(\d+) /m.exec(limits)!;
  return { soft: Number(soft), hard: Number(hard) };
}

/** Every Node binary on this machine's PATH (resolved), which the agent must be able to do without. */
function nodeBinaries(): string[] {
  const found = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    if (existsSync(candidate)) found.add(candidate);
  }
  found.add(process.execPath);
  return [...found];
}

/** A long-running process of the test, logged to a file. */
interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Started {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return { child, exited: new Promise((ok) => child.on('exit', (code) => ok(code))) };
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  process.kill(-started.child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-started.child.pid!, 'SIGKILL'), 10_000);
  await started.exited;
  clearTimeout(timer);
}

describe.skipIf(SKIP !== undefined)('Debian packages, the self-contained agent and the Ansible role, on this machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-packages-'));
  let debs: Record<(typeof PACKAGES)[number], string>;
  let executable: string;
  let webhook: WebhookReceiver | undefined;
  let collector: Started | undefined;
  let agent: Started | undefined;
  let collectorPort: number;
  let closedPort: number;
  const packageFiles = new Map<string, string[]>();

  beforeAll(async () => {
    // The pieces of `npm run package` without its `npm run build`: dist/ is built (npm test did it),
    // and rebuilding it here would change files under the other test files' feet. gzip instead of xz:
    // a tenth of the CPU, which the test files running beside this one need more.
    const { stdout } = await run('npx', ['tsx', 'packaging/packageMain.ts', '--compression', 'gzip'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    executable = /^agent executable: (.*)$/m.exec(stdout)![1]!;
    debs = Object.fromEntries(PACKAGES.map((name) => [name, new RegExp(`^Debian package: +(.*/${name}_[^/]*\\.deb)$`, 'm').exec(stdout)![1]!])) as typeof debs;
    webhook = await startWebhookReceiver(DESK_SECRET);
    collectorPort = await freePort();
    closedPort = await freePort();
  }, 900_000);

  afterAll(async () => {
    await stop(agent);
    await stop(collector);
    await webhook?.close();
    const left = PACKAGES.filter(known);
    if (left.length > 0) spawnSync('dpkg', ['--purge', ...left], { stdio: 'ignore' });
    rmSync('/var/cache/tripline-agent.deb', { force: true });
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('npm run package builds the executable and both packages, with conffiles and dependencies Debian 12 satisfies', async () => {
    expect(statSync(executable).mode & 0o111).not.toBe(0);
    for (const name of PACKAGES) {
      const { stdout: control } = await run('dpkg-deb', ['--field', debs[name]]);
      expect(control).toMatch(new RegExp(`^Package: ${name}$`, 'm'));
      const depends = /^Depends: (.*)$/m.exec(control)![1]!;
      // Shared libraries from dpkg-shlibdeps, and no nodejs: Debian 12's is too old, the runtime is inside.
      expect(depends).toMatch(/^adduser, libc6 \(>= [\d.]+\)/);
      expect(depends).not.toMatch(/nodejs/);
      const { stdout: conffiles } = await run('dpkg-deb', ['--info', debs[name], 'conffiles']);
      expect(conffiles.trim()).toBe(`/etc/tripline/${name === 'tripline-agent' ? 'agent' : 'collector'}.yaml`);
    }
    const { stdout: description } = await run('dpkg-deb', ['--field', debs['tripline-collector'], 'Description']);
    expect(description).toContain(`Bundles the Node.js ${process.versions.node} runtime`);
  });

  // Each row: a maintainer script of tripline-agent, its arguments, whether systemd runs, whether the
  // secrets file exists, and the systemctl calls expected. Run with systemctl, adduser, getent and
  // install replaced by stubs that log, in a mount namespace with a tmpfs /run.
  const scriptCases: Array<{ name: string; script: 'postinst' | 'prerm'; args: string[]; systemd: boolean; envFile: boolean; calls: string[] }> = [
    // A first install, not configured yet: systemd learns of the unit, nothing starts.
    { name: 'first install, no secrets yet', script: 'postinst', args: ['configure', ''], systemd: true, envFile: false, calls: ['--system daemon-reload'] },
    // A first install on a host that already has its secrets (the Ansible role writes them after, but an image may not).
    { name: 'first install, configured', script: 'postinst', args: ['configure', ''], systemd: true, envFile: true, calls: ['--system daemon-reload', 'enable --now tripline-agent.service'] },
    // An upgrade: restarted only if it runs (try-restart), never started.
    { name: 'upgrade', script: 'postinst', args: ['configure', '0.0.9'], systemd: true, envFile: true, calls: ['--system daemon-reload', 'try-restart tripline-agent.service'] },
    // No systemd (a container, CI): nothing at all.
    { name: 'first install without systemd', script: 'postinst', args: ['configure', ''], systemd: false, envFile: true, calls: [] },
    // Removal: stopped and disabled, so no symlink outlives the unit.
    { name: 'remove', script: 'prerm', args: ['remove'], systemd: true, envFile: true, calls: ['stop tripline-agent.service', 'disable tripline-agent.service'] },
    // Without systemd running, the enablement symlinks still go.
    { name: 'remove without systemd', script: 'prerm', args: ['remove'], systemd: false, envFile: true, calls: ['disable tripline-agent.service'] },
    // An upgrade's prerm leaves the running service alone.
    { name: 'upgrade (prerm)', script: 'prerm', args: ['upgrade', '0.2.0'], systemd: true, envFile: true, calls: [] },
  ];

  it.each(scriptCases)('maintainer scripts: $name -> systemctl $calls', async ({ script, args, systemd, envFile, calls }) => {
    const control = join(dir, 'agent-control');
    const stubs = join(dir, 'stubs');
    const log = join(dir, `stub-${script}-${args.join('-')}-${systemd}-${envFile}.log`);
    await run('dpkg-deb', ['--control', debs['tripline-agent'], control]);
    await run('mkdir', ['-p', stubs]);
    for (const command of ['systemctl', 'adduser', 'install']) writeFileSync(join(stubs, command), `#!/bin/sh\necho "${command} $*" >> "$STUB_LOG"\n`, { mode: 0o755 });
    writeFileSync(join(stubs, 'getent'), '#!/bin/sh\nexit 2\n', { mode: 0o755 }); // no tripline user yet
    writeFileSync(log, '');
    mkdirSync('/etc/tripline', { recursive: true });
    if (envFile) writeFileSync('/etc/tripline/agent.env', 'TRIPLINE_ENROLLMENT_TOKEN=x\n', { mode: 0o600 });
    try {
      const setUp = 'mount -t tmpfs tmpfs /run || exit 97; if [ "$1" = yes ]; then mkdir -p /run/systemd/system; fi; shift; exec "$@"';
      await run('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', setUp, 'sh', systemd ? 'yes' : 'no', 'sh', join(control, script), ...args], {
        env: { PATH: `${stubs}:/usr/sbin:/usr/bin:/sbin:/bin`, STUB_LOG: log },
      });
    } finally {
      rmSync('/etc/tripline', { recursive: true, force: true });
    }
    const logged = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
    expect(logged.filter((line) => line.startsWith('systemctl ')).map((line) => line.slice('systemctl '.length))).toEqual(calls);
    if (script === 'postinst') {
      expect(logged).toContain('adduser --quiet --system --group --home /var/lib/tripline --no-create-home --shell /usr/sbin/nologin --gecos Tripline monitoring tripline');
      expect(logged).toContain('install -d -o tripline -g tripline -m 0700 /var/lib/tripline');
    }
  });

  it('dpkg -i installs both: the tripline user, /etc/tripline, the data directory, and starts nothing', async () => {
    await run('dpkg', ['-i', debs['tripline-agent'], debs['tripline-collector']]);
    for (const name of PACKAGES) {
      expect(installed(name)).toBe(true);
      packageFiles.set(name, (await run('dpkg', ['-L', name])).stdout.trim().split('\n'));
    }
    expect((await run('getent', ['passwd', 'tripline'])).stdout).toMatch(/^tripline:x:\d+:\d+:[^:]*:\/var\/lib\/tripline:\/usr\/sbin\/nologin$/m);
    const data = statSync('/var/lib/tripline');
    expect(data.mode & 0o777).toBe(0o700);
    expect(data.uid).toBe(Number((await run('id', ['-u', 'tripline'])).stdout.trim()));
    expect(readFileSync('/etc/tripline/agent.yaml', 'utf8')).toMatch(/^dataDir: \/var\/lib\/tripline$/m);
    expect((await run('/usr/bin/tripline', ['--version'])).stdout.trim()).toBe(process.env.npm_package_version ?? JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
    const uid = Number((await run('id', ['-u', 'tripline'])).stdout.trim());
    const processesOfTripline = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && statSync(`/proc/${pid}`, { throwIfNoEntry: false })?.uid === uid);
    expect(processesOfTripline).toEqual([]); // nothing started
  });

  it('the Ansible role passes --syntax-check and, applied with -c local, writes the config and a 0600 secret it never prints', async () => {
    const ansible = join(REPO_ROOT, 'packaging/ansible');
    const inventory = join(dir, 'inventory.ini');
    writeFileSync(inventory, `[tripline_agents]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n`);
    const variables = join(dir, 'vars.json');
    writeFileSync(
      variables,
      JSON.stringify({
        tripline_agent_deb: debs['tripline-agent'],
        tripline_agent_collector_url: `http://127.0.0.1:${collectorPort}`,
        tripline_agent_enrollment_token: ENROLLMENT_TOKEN,
        tripline_agent_labels: { group: 'web' },
        tripline_agent_interval: '1s',
        // A site proxy with a password: written to the secret file only; the loopback collector is reached direct.
        tripline_agent_proxy: 'http://ops:proxy-pass-789@proxy.example.com:3128',
        tripline_agent_no_proxy: '.example.org',
        // On a machine where systemd runs, the test starts the agent itself: the role must not.
        tripline_agent_start: !HAS_SYSTEMD,
        tripline_agent_extra: {
          hostname: 'packaged-host',
          sendTimeout: '2s',
          ping: { gateway: false },
          tcp: { targets: [{ name: 'closed-port', host: '127.0.0.1', port: closedPort, timeout: '500ms' }] },
        },
      }),
      { mode: 0o600 },
    );
    const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'), ANSIBLE_RETRY_FILES_ENABLED: '0' };
    await run('ansible-playbook', ['--syntax-check', '-i', inventory, 'playbook.yml'], { cwd: ansible, env });
    const { stdout } = await run('ansible-playbook', ['-i', inventory, '-c', 'local', '-e', `@${variables}`, 'playbook.yml'], { cwd: ansible, env, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toMatch(/failed=0/);
    expect(stdout).not.toContain(ENROLLMENT_TOKEN);
    expect(stdout).not.toContain('proxy-pass-789');
    // No systemd here: the service step is skipped (the role starts the agent where systemd runs).
    expect(stdout).toMatch(/TASK \[tripline_agent : Enable and start tripline-agent\] \**\nskipping: \[localhost\]/);
    const secret = statSync('/etc/tripline/agent.env');
    expect({ mode: secret.mode & 0o777, uid: secret.uid }).toEqual({ mode: 0o600, uid: 0 });
    const proxy = 'http://ops:proxy-pass-789@proxy.example.com:3128';
    expect(readFileSync('/etc/tripline/agent.env', 'utf8')).toBe(`TRIPLINE_ENROLLMENT_TOKEN=${ENROLLMENT_TOKEN}\nhttps_proxy=${proxy}\nhttp_proxy=${proxy}\nno_proxy=.example.org\n`);
    expect(readFileSync('/etc/tripline/agent.yaml', 'utf8')).toContain(`collectorUrl: http://127.0.0.1:${collectorPort}`);
    expect(readFileSync('/etc/tripline/agent.yaml', 'utf8')).not.toContain(ENROLLMENT_TOKEN);
    // Applied again, the role changes nothing.
    const again = await run('ansible-playbook', ['-i', inventory, '-c', 'local', '-e', `@${variables}`, 'playbook.yml'], { cwd: ansible, env, maxBuffer: 16 * 1024 * 1024 });
    expect(again.stdout).toMatch(/localhost +: ok=\d+ +changed=0 +unreachable=0 +failed=0/);
  }, 300_000);

  it('the installed collector and the self-contained agent, with no Node to run, report and open an incident at the desk', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'tripline-packaged-rules-'));
    chmodSync(rules, 0o755);
    writeFileSync(
      join(rules, 'rules.yaml'),
      "rules:\n  - name: packaged_port_down\n    metric: tcp_up\n    matchers: ['target=\"closed-port\"']\n    below: 1\n    for: 1s\n    severity: critical\n    summary: 'Port {{ labels.target }} on {{ labels.host }} is down'\n",
      { mode: 0o644 },
    );
    writeFileSync(
      '/etc/tripline/collector.yaml',
      `dataDir: /var/lib/tripline
log: { level: info }
collector:
  listen: { host: 127.0.0.1, port: ${collectorPort} }
  rules: [${join(rules, 'rules.yaml')}]
  evaluationInterval: 1s
desks:
  - { type: webhook, name: ops, url: '${webhook!.url}', timeout: 2s }
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms }
incidents: { reachability: { enabled: false } }
`,
    );
    writeFileSync('/etc/tripline/collector.env', `TRIPLINE_ENROLLMENT_TOKENS=${ENROLLMENT_TOKEN}\nTRIPLINE_DESK_OPS_SECRET=${DESK_SECRET}\nTRIPLINE_ADMIN_TOKENS=${TEST_ADMIN_TOKEN}\n`, { mode: 0o600 });
    try {
      const asUser = (user: string | undefined) => ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--init-groups', '--'];
      const unitEnv = (environment: Record<string, string>) => ({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...environment });

      const collectorUnit = readUnitService('/lib/systemd/system/tripline-collector.service');
      // 50,000 agents hold 50,000 connections (README, "Sizing for a large fleet"): the unit's open-files limit allows them.
      expect(collectorUnit.limitNofile).toBeGreaterThanOrEqual(51_000);
      // Started with a soft limit of 1,024 under the unit's hard limit (or this machine's, if lower: a
      // container may not raise it), the collector raises its soft limit to the hard one, as the README says.
      const hardLimit = Math.min(collectorUnit.limitNofile!, openFilesLimits(readFileSync('/proc/self/limits', 'utf8')).hard);
      const withLimit = ['prlimit', `--nofile=1024:${hardLimit}`, '--'];
      collector = start(withLimit[0]!, [...withLimit.slice(1), ...asUser(collectorUnit.user), ...collectorUnit.execStart], unitEnv(collectorUnit.environment), join(dir, 'collector.log'));
      await waitFor('installed collector ready', async () => (await fetch(`http://127.0.0.1:${collectorPort}/readyz`)).ok, 30_000);
      expect(openFilesLimits(readFileSync(`/proc/${collector.child.pid}/limits`, 'utf8'))).toEqual({ soft: hardLimit, hard: hardLimit });

      // The agent: in a private mount namespace where every Node binary is /dev/null, as its unit's user.
      const agentUnit = readUnitService('/lib/systemd/system/tripline-agent.service');
      const hideNode = 'while [ "$1" != -- ]; do mount --bind /dev/null "$1" || exit 97; shift; done; shift; if node --version >/dev/null 2>&1; then exit 98; fi; exec "$@"';
      const hidden = nodeBinaries();
      agent = start('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', hideNode, 'sh', ...hidden, '--', ...asUser(agentUnit.user), ...agentUnit.execStart], unitEnv(agentUnit.environment), join(dir, 'agent.log'));
      expect(agentUnit.environment).toMatchObject({ TRIPLINE_ENROLLMENT_TOKEN: ENROLLMENT_TOKEN });

      const api = async (path: string) => (await fetch(`http://127.0.0.1:${collectorPort}${path}`, asAdmin)).json() as Promise<Record<string, any>>;
      const host = await waitFor('the host report', async () => ((await api('/api/v1/hosts')).hosts as Array<Record<string, any>>).find((h) => h.hostname === 'packaged-host'), 60_000);
      expect(host).toMatchObject({ labels: { group: 'web' }, version: JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version });
      const incident = await waitFor('an incident', async () => ((await api('/api/v1/incidents')).incidents as Array<Record<string, any>>).find((i) => i.ruleName === 'packaged_port_down'), 60_000);
      expect(incident.labels).toMatchObject({ host: 'packaged-host', target: 'closed-port', group: 'web' });
      const delivered = await waitFor('the desk hears of it', () => webhook!.received.find((w) => w.payload.incident.id === incident.id && w.payload.operation === 'open'), 30_000);
      expect(delivered.signatureValid).toBe(true);
      // The agent enrolled: its credential is in the data directory, the tripline user's, mode 0600.
      const credential = statSync('/var/lib/tripline/agent/credential');
      expect(credential.mode & 0o777).toBe(0o600);
      expect(credential.uid).toBe(Number((await run('id', ['-u', 'tripline'])).stdout.trim()));
    } finally {
      await stop(agent);
      await stop(collector);
      rmSync(rules, { recursive: true, force: true });
    }
    expect(readFileSync(join(dir, 'agent.log'), 'utf8')).toContain('Tripline agent running (config: /etc/tripline/agent.yaml)');
  }, 180_000);

  it('dpkg -r leaves only the conffiles, the secrets files and the data; dpkg -P leaves nothing', async () => {
    await run('dpkg', ['--remove', ...PACKAGES]);
    const conffiles = ['/etc/tripline/agent.yaml', '/etc/tripline/collector.yaml'];
    const secrets = ['/etc/tripline/agent.env', '/etc/tripline/collector.env'];
    const data = ['/var/lib/tripline/tripline.db', '/var/lib/tripline/agent/credential'];
    const owned = [...packageFiles.values()].flat();
    const leftOver = owned.filter((path) => existsSync(path) && !statSync(path).isDirectory());
    expect(leftOver.sort()).toEqual(conffiles);
    for (const path of [...secrets, ...data]) expect(existsSync(path), path).toBe(true);
    expect(existsSync('/usr/lib/tripline')).toBe(false);
    expect(spawnSync('sh', ['-c', 'ls /etc/systemd/system/*/tripline-* 2>/dev/null']).stdout.toString()).toBe('');

    await run('dpkg', ['--purge', ...PACKAGES]);
    for (const path of [...ROLL_OUT_PATHS, ...owned.filter((p) => p.includes('tripline'))]) expect(existsSync(path), path).toBe(false);
    for (const name of PACKAGES) expect(known(name)).toBe(false);
    // Debian keeps system users on purge (their uid may still own files elsewhere): so does Tripline.
    expect(spawnSync('getent', ['passwd', 'tripline']).status).toBe(0);
  }, 120_000);
});
