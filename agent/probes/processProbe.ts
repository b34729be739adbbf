/**
 * Presence and count of processes by name, from `/proc/<pid>/comm` (the 15-character name `ps -e`
 * and `pgrep` show). Runs only when `agent.processes.names` is configured: reading every pid costs a
 * file read per process. A name with no process is check `process:<name>` critical.
 */
import type { CheckResult, Observation } from '../../contract/report.js';
import type { ProcReader } from '../procfs/procReader.js';
import { isoTimestamp, observation, type Probe } from './probe.js';

/** Counts the processes whose comm equals each wanted name. */
export function countProcesses(proc: ProcReader, names: readonly string[]): Map<string, number> {
  const counts = new Map(names.map((name) => [name, 0]));
  for (const pid of proc.list('')) {
    if (!/^\d+$/.test(pid)) continue;
    let comm: string;
    try {
      // Pids come and go: each comm is opened and closed, never kept open.
      comm = proc.readOnce(`${pid}/comm`).replace(/\n$/, '');
    } catch {
      continue; // the process exited between the listing and the read
    }
    const count = counts.get(comm);
    if (count !== undefined) counts.set(comm, count + 1);
  }
  return counts;
}

export function createProcessProbe({ proc, names }: { proc: ProcReader; names: readonly string[] }): Probe {
  return {
    name: 'processes',
    collect(now) {
      const counts = countProcesses(proc, names);
      const observations: Observation[] = [];
      const checks: CheckResult[] = [];
      for (const [name, count] of counts) {
        observations.push(observation('process_count', count, { name }, now));
        checks.push({
          name: `process:${name}`,
          status: count > 0 ? 'ok' : 'critical',
          output: count > 0 ? `${count} process(es) named ${name}` : `no process named ${name}`,
          at: isoTimestamp(now),
          durationSeconds: 0,
        });
      }
      return { observations, checks };
    },
  };
}
