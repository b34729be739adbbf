/**
 * Runs one Nagios plugin unchanged: a file and arguments, never a shell, in its own process group (`detached`), with
 * `LC_ALL=C` so output parses the same everywhere, a cap on the output it may print, and a timeout
 * that kills the whole group, so a plugin's own children (check_by_ssh, a wrapper script) die too.
 */
import type { CheckResult, Observation } from '../../contract/report.js';
import { observation } from '../probes/probe.js';
import { parseNagiosOutput, statusFromExitCode } from './nagiosOutput.js';
import type { PluginDefinition } from './pluginDefinition.js';

/** What one run produced: check `plugin:<name>` and its perfdata. */
export interface PluginRun {
  check: CheckResult;
  observations: Observation[];
}

const MAX_OUTPUT_BYTES = 64 * 1024;
const PIPE_GRACE_MS = 1000;
const CHILD_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', LANG: 'C' };

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: string;
}

/**
 * Like execFile (a file and an argument vector, never a shell), but through spawn because execFile
 * does not pass `detached` on: the plugin must lead its own process group so a timeout can kill the
 * group. Output beyond the cap is discarded (and the plugin killed), never buffered without bound.
 * node:child_process is imported on the first run: an agent without plugins never loads it.
 */
async function execute(plugin: PluginDefinition): Promise<Exit> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    let timedOut = false;
    let overflow = false;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    const child = spawn(plugin.command, [...plugin.args], { env: CHILD_ENV, detached: true, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_OUTPUT_BYTES) into.push(chunk);
      else if (!overflow) {
        overflow = true;
        killGroup(child.pid);
      }
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, plugin.timeoutSeconds * 1000);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout: '', stderr: '', timedOut, spawnError: `${error.code ?? 'error'}: ${error.message}` });
    });
    // At exit, leftovers of the plugin's group are killed so that the pipes close; a descendant that
    // left the group and holds them open is cut off after a grace period.
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let grace: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(grace);
      resolve({ ...exited!, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    };
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      exited = { code, signal };
      killGroup(child.pid);
      grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, PIPE_GRACE_MS);
    });
    child.once('close', () => {
      if (exited !== undefined) finish();
    });
  });
}

/** Kills the plugin's whole process group; it may already be gone. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group already exited.
  }
}

/** Runs the plugin once; never throws: every failure is an unknown check. */
export async function runPlugin(plugin: PluginDefinition, now: Date): Promise<PluginRun> {
  const started = performance.now();
  const exit = await execute(plugin);
  const durationSeconds = (performance.now() - started) / 1000;
  const check = (status: CheckResult['status'], output: string): CheckResult => ({ name: `plugin:${plugin.name}`, status, output, at: now.toISOString(), durationSeconds });
  if (exit.spawnError !== undefined) return { check: check('unknown', `could not run ${plugin.command}: ${exit.spawnError}`), observations: [] };
  if (exit.timedOut) return { check: check('unknown', `timed out after ${plugin.timeoutSeconds}s; process group killed`), observations: [] };
  const parsed = parseNagiosOutput(exit.stdout);
  const text = [parsed.summary, parsed.longOutput].filter((t) => t !== '').join('\n') || exit.stderr.trim() || '(no output)';
  if (exit.code === null) return { check: check('unknown', `killed by ${exit.signal ?? 'a signal'}: ${text}`), observations: [] };
  const observations = parsed.perfdata.map((p) => observation('plugin_perfdata_value', p.value, { check: plugin.name, label: p.label, unit: p.unit }, now));
  return { check: check(statusFromExitCode(exit.code), text), observations };
}
