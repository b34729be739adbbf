/**
 * A real, temporary PostgreSQL server for benchmarks and tests (never a mock): Debian's `postgresql`
 * binaries (under /usr/lib/postgresql/<version>/bin), a cluster made by initdb in a temporary
 * directory, run by pg_ctl as the `postgres` user when this process is root (PostgreSQL refuses to run
 * as root), listening on a free loopback port only, with password (SCRAM) authentication over TCP,
 * and removed with its directory at the end: by `stop()`, at the process's exit, on SIGTERM or SIGINT,
 * and, when the process dies in a way no handler sees (SIGKILL), by a watchdog process.
 */
import { type SpawnSyncOptions, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  /** postgres://tripline@127.0.0.1:<port>/<database>: the URL of a database, without the password. */
  url(database: string): string;
  readonly user: string;
  readonly password: string;
  readonly port: number;
  /** Creates an empty database (for one test's store). */
  createDatabase(name: string): void;
  /** Runs SQL as the superuser with psql; returns its output (unaligned, tuples only). */
  psql(database: string, sql: string): string;
  /** The server's main process (postmaster.pid): the parent of every backend, for the CPU it uses. */
  serverPid(): number;
  stop(): void;
}

export interface PostgresClusterOptions {
  /** Durable commits (fsync, synchronous_commit) as in production; tests turn them off for speed. */
  durable?: boolean;
}

/** The newest installed PostgreSQL's binaries directory, or undefined when none is installed. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** A free loopback TCP port (taken from the kernel, then released for the server). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinaries();
  if (bin === undefined) throw new Error("PostgreSQL is not installed (Debian's `postgresql`; scripts/install-system-packages.sh installs it)");
  const root = mkdtempSync(join(tmpdir(), 'tripline-pg-'));
  const data = join(root, 'data');
  const user = 'tripline';
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const runAs = runAsPostgres(root);
  const run = (command: string, args: string[], extra: SpawnSyncOptions = {}) => {
    const result = spawnSync(join(bin, command), args, { ...runAs, encoding: 'utf8', timeout: 120_000, ...extra });
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${String(result.stderr)}${String(result.stdout)}`);
    return String(result.stdout);
  };
  writeFileSync(join(root, 'pwfile'), password, { mode: 0o600 });
  if (runAs.uid !== undefined) chownSync(join(root, 'pwfile'), runAs.uid, runAs.gid!);
  run('initdb', ['-D', data, '-U', user, `--pwfile=${join(root, 'pwfile')}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-instructions']);
  rmSync(join(root, 'pwfile'));
  const port = await freeLoopbackPort();
  const durable = options.durable ?? false;
  const settings = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${root}'`,
    '-c max_connections=200',
    `-c fsync=${durable ? 'on' : 'off'}`,
    `-c synchronous_commit=${durable ? 'on' : 'off'}`,
    `-c full_page_writes=${durable ? 'on' : 'off'}`,
  ].join(' ');
  run('pg_ctl', ['-D', data, '-l', join(root, 'server.log'), '-w', '-t', '60', '-o', settings, 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stop);
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
    spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...runAs, stdio: 'ignore', timeout: 60_000 });
    rmSync(root, { recursive: true, force: true });
  };
  /** SIGTERM or SIGINT (a killed test run, Ctrl-C): stop the server, then die of the signal unless someone else handles it. */
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once('exit', stop);
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  // A death no handler sees (SIGKILL, a runner that kills its workers hard): a watchdog stops the server.
  startWatchdog({ pgCtl: join(bin, 'pg_ctl'), data, root, runAs });
  const psql = (database: string, sql: string) => run('psql', ['-h', root, '-p', String(port), '-U', user, '-d', database, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  return {
    url: (database) => `postgres://${user}@127.0.0.1:${port}/${database}`,
    user,
    password,
    port,
    createDatabase: (name) => void psql('postgres', `CREATE DATABASE "${name}"`),
    psql,
    serverPid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    stop,
  };
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * A detached process that waits for this one to end and then stops the server and removes its
 * directory, unless `stop` did that already (the directory is gone). It polls twice a second.
 */
function startWatchdog(target: { pgCtl: string; data: string; root: string; runAs: { uid?: number; gid?: number } }): void {
  const script = `
    const { existsSync, rmSync } = require('node:fs');
    const { spawnSync } = require('node:child_process');
    const [owner, pgCtl, data, root, uid, gid] = process.argv.slice(1);
    const alive = () => { try { process.kill(Number(owner), 0); return true; } catch (error) { return error.code !== 'ESRCH'; } };
    const timer = setInterval(() => {
      if (!existsSync(data)) return clearInterval(timer);
      if (alive()) return;
      clearInterval(timer);
      const as = uid === '' ? {} : { uid: Number(uid), gid: Number(gid) };
      spawnSync(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...as, stdio: 'ignore', timeout: 60000 });
      rmSync(root, { recursive: true, force: true });
    }, 500);`;
  const args = [String(process.pid), target.pgCtl, target.data, target.root, String(target.runAs.uid ?? ''), String(target.runAs.gid ?? '')];
  spawn(process.execPath, ['-e', script, ...args], { detached: true, stdio: 'ignore' }).unref();
}

/** Spawn options that run PostgreSQL's programs as `postgres` when this process is root, owning `root`. */
function runAsPostgres(root: string): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid === 0) throw new Error('running as root needs a `postgres` user to run PostgreSQL as (Debian\'s postgresql package makes it)');
  chownSync(root, uid, gid);
  chmodSync(root, 0o700);
  return { uid, gid };
}
