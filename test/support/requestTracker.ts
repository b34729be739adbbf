/**
 * Test harness for the real Request Tracker 5 (Debian packages) on loopback.
 *
 * Prerequisite: `scripts/rt/install.sh` (installs the packages and the site-config
 * snippet /etc/request-tracker5/RT_SiteConfig.d/90-tripline.pm, which reads the
 * TRIPLINE_RT_* environment variables set below). Must run as root: rt-server
 * writes RT's Mason cache under /var/cache/request-tracker5 (owned by www-data).
 *
 * Each start gets its own SQLite database (fresh by default, built with
 * rt-setup-database in about 1 s), so servers on different ports can run at once
 * and tests never see tickets from an earlier run unless they ask for `dbFile`.
 *
 * Node built-ins only.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
export const RT_SETUP_DATABASE = '/usr/sbin/rt-setup-database-5';
export const RT_SITE_SNIPPET = '/etc/request-tracker5/RT_SiteConfig.d/90-tripline.pm';
export const RT_HOST = '127.0.0.1';

const BOOTSTRAP = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../scripts/rt/bootstrap.pl',
);

export interface StartRequestTrackerOptions {
  /** Port rt-server listens on (bound to 127.0.0.1 only). */
  port: number;
  /** rt-server's stdout/stderr and the setup scripts' stderr are appended here. Default: a temp file removed by stop(). */
  logFile?: string;
  /**
   * SQLite database to use. If the file does not exist it is initialised, and it is
   * kept after stop(). Default: a fresh database in a temp directory, removed by stop().
   */
  dbFile?: string;
  /** Starlet worker processes (each is a ~200 MB Perl process). Default 4. */
  workers?: number;
  /** Upper bound for rt-server to answer REST2. Default 60000 ms. */
  readyTimeoutMs?: number;
  /**
   * RT initialdata files (custom fields, queues, ...) loaded before the server starts, as an RT
   * admin adds them: `rt-setup-database --action insert --datafile <file>`.
   */
  initialData?: readonly string[];
}

export interface RunningRequestTracker {
  /** e.g. http://127.0.0.1:18080 — the REST2 API is at `${baseUrl}/REST/2.0`. */
  baseUrl: string;
  /** REST2 auth token for user root: send `Authorization: token <token>`. */
  token: string;
  /** Name of the ticket custom field holding Tripline's incident key ("TriplineKey"). */
  customField: string;
  customFieldId: number;
  /** Password set for user root (Basic auth works too). */
  rootPassword: string;
  dbFile: string;
  logFile: string;
  pid: number;
  stop(): Promise<void>;
}

interface BootstrapResult {
  token: string;
  customField: string;
  customFieldId: number;
}

/** True when the RT packages and Tripline's site-config snippet are installed. */
export function rtInstalled(): boolean {
  return existsSync(RT_SERVER) && existsSync(RT_SETUP_DATABASE) && existsSync(RT_SITE_SNIPPET);
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stderr}`),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

function parseBootstrap(stdout: string): BootstrapResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed: unknown = JSON.parse(line);
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    typeof (parsed as Record<string, unknown>).token === 'string' &&
    typeof (parsed as Record<string, unknown>).customField === 'string' &&
    typeof (parsed as Record<string, unknown>).customFieldId === 'number'
  ) {
    return parsed as BootstrapResult;
  }
  throw new Error(`unexpected bootstrap.pl output: ${stdout}`);
}

async function tail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Rejects if something already listens on host:port (e.g. an rt-server left over from a crashed run). */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: Error) =>
      reject(new Error(`port ${RT_HOST}:${port} is not free for rt-server: ${error.message}`)),
    );
    server.listen({ port, host: RT_HOST, exclusive: true }, () => server.close(() => resolve()));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

export async function startRequestTracker(
  opts: StartRequestTrackerOptions,
): Promise<RunningRequestTracker> {
  const { port } = opts;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`invalid port ${String(port)}`);
  }
  if (!rtInstalled()) {
    throw new Error('Request Tracker is not installed: run scripts/rt/install.sh');
  }
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const workers = opts.workers ?? 4;
  const rootPassword = 'password';

  await assertPortFree(port);

  const workDir = await mkdtemp(path.join(tmpdir(), `tripline-rt-${port}-`));
  const cleanupWorkDir = (): Promise<void> => rm(workDir, { recursive: true, force: true });
  const dbFile = path.resolve(opts.dbFile ?? path.join(workDir, 'rtdb'));
  const logFile = path.resolve(opts.logFile ?? path.join(workDir, 'rt-server.log'));
  const baseUrl = `http://${RT_HOST}:${port}`;

  // Read by /etc/request-tracker5/RT_SiteConfig.d/90-tripline.pm whenever RT loads its config.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TRIPLINE_RT_PORT: String(port),
    TRIPLINE_RT_HOST: RT_HOST,
    TRIPLINE_RT_DB: dbFile,
    TRIPLINE_RT_ROOT_PASSWORD: rootPassword,
  };
  delete env.RT_SITE_CONFIG;
  delete env.RT_SITE_CONFIG_DIR;

  let bootstrap: BootstrapResult;
  try {
    if (!existsSync(dbFile)) {
      const setup = await run(RT_SETUP_DATABASE, ['--action', 'init', '--skip-create'], env, 120_000);
      await appendFile(logFile, setup.stdout + setup.stderr);
    }
    for (const datafile of opts.initialData ?? []) {
      const insert = await run(RT_SETUP_DATABASE, ['--action', 'insert', '--skip-create', '--datafile', path.resolve(datafile)], env, 120_000);
      await appendFile(logFile, insert.stdout + insert.stderr);
    }
    const result = await run('perl', [BOOTSTRAP], env, 120_000);
    await appendFile(logFile, result.stderr);
    bootstrap = parseBootstrap(result.stdout);
  } catch (error) {
    await cleanupWorkDir();
    throw error;
  }

  const log = await open(logFile, 'a');
  const child = spawn(
    RT_SERVER,
    ['--port', String(port), '--host', RT_HOST, '--max-workers', String(workers)],
    { env, stdio: ['ignore', log.fd, log.fd], detached: true },
  );
  let exited = false;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (error) => {
      spawnError = error;
      exited = true;
      resolve();
    });
  });
  await log.close(); // the child holds its own copy of the descriptor
  const pid = child.pid;
  if (pid === undefined) {
    await exitPromise;
    await cleanupWorkDir();
    throw new Error(`could not spawn ${RT_SERVER}: ${spawnError?.message ?? 'no pid'}`);
  }

  // Safety net: never leave rt-server (and its workers) behind if the test process exits.
  const onProcessExit = (): void => killGroup(pid, 'SIGKILL');
  process.once('exit', onProcessExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exited) {
        killGroup(pid, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          exitPromise,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, 10_000);
          }),
        ]);
        clearTimeout(timer);
        if (!exited) {
          killGroup(pid, 'SIGKILL');
          await exitPromise;
        }
      }
      killGroup(pid, 'SIGKILL'); // any worker left over after the master exited
      process.removeListener('exit', onProcessExit);
      await cleanupWorkDir(); // holds only the default database and log, never caller-given files
    })();
    return stopped;
  };

  const deadline = Date.now() + readyTimeoutMs;
  let lastProblem = 'no answer yet';
  for (;;) {
    if (exited) {
      const output = await tail(logFile);
      await stop();
      throw new Error(`rt-server exited before becoming ready (log ${logFile}):\n${output}`);
    }
    try {
      const response = await fetch(`${baseUrl}/REST/2.0/queues/all`, {
        headers: { Authorization: `token ${bootstrap.token}` },
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) break;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
    }
    if (Date.now() >= deadline) {
      const output = await tail(logFile);
      await stop();
      throw new Error(
        `rt-server on ${baseUrl} not ready after ${readyTimeoutMs} ms (${lastProblem}); log ${logFile}:\n${output}`,
      );
    }
    await delay(200);
  }

  return {
    baseUrl,
    token: bootstrap.token,
    customField: bootstrap.customField,
    customFieldId: bootstrap.customFieldId,
    rootPassword,
    dbFile,
    logFile,
    pid,
    stop,
  };
}
