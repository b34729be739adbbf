/**
 * The tests' temporary PostgreSQL server (bench/postgresCluster.ts) does not outlive the process that
 * started it: a SIGTERM or SIGINT (a killed test run, Ctrl-C) stops it and removes its directory, and
 * the process still dies of the signal; a SIGKILL, which no handler sees, leaves it to the watchdog.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, waitFor } from '../support/processes.js';

const SCRIPT = `import { startPostgresCluster } from './bench/postgresCluster.ts';
  const cluster = await startPostgresCluster();
  process.stdout.write(JSON.stringify({ port: cluster.port }) + '\\n');
  setInterval(() => undefined, 1000);`;

/** Starts a process holding a cluster; resolves with it, the cluster's port and its directory once the server is up. */
async function clusterOwner() {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((ok) => child.on('exit', (_code, signal) => ok(signal)));
  let output = '';
  const { port } = await waitFor(
    'the cluster up',
    () => {
      output += String(child.stdout.read() ?? '');
      return output.includes('\n') ? (JSON.parse(output.split('\n')[0]!) as { port: number }) : undefined;
    },
    120_000,
  );
  const dir = postmasterDir(port);
  return { child, exited, port, dir };
}

/** The cluster's directory: the one holding the server's socket for `port`. */
function postmasterDir(port: number): string {
  const dir = readdirSync(tmpdir())
    .filter((name) => name.startsWith('tripline-pg-'))
    .map((name) => join(tmpdir(), name))
    .find((path) => existsSync(join(path, `.s.PGSQL.${port}`)));
  if (dir === undefined) throw new Error(`no cluster directory for port ${port}`);
  return dir;
}

const listening = (port: number) =>
  new Promise<boolean>((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => ok(socket.destroy() !== undefined));
    socket.once('error', () => ok(false));
  });

describe('the temporary PostgreSQL server of the tests', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('stops with its process on %s, and the process still dies of it', async (signal) => {
    const owner = await clusterOwner();
    expect(await listening(owner.port)).toBe(true);
    owner.child.kill(signal);
    expect(await owner.exited).toBe(signal);
    expect(await listening(owner.port)).toBe(false);
    expect(existsSync(owner.dir)).toBe(false);
  }, 180_000);

  it('is stopped by its watchdog when its process is SIGKILLed', async () => {
    const owner = await clusterOwner();
    owner.child.kill('SIGKILL');
    await owner.exited;
    await waitFor('the server stopped', async () => !(await listening(owner.port)) && !existsSync(owner.dir), 60_000);
  }, 180_000);
});
