/**
 * Presence and count of processes by name, from `/proc/<pid>/comm` (the 15-character name `ps -e`
 * and `pgrep` show). Runs only when `agent.processes.names` is configured: reading every pid costs a
 * file read per process. A name with no process is check `process:<name>` critical.
 */
import type { CheckResult, Observation } from '../../contract/report.js';
import type { ProcReader } from '../procfs/procReader.js';
import { observation, type Probe } from '../probe.js';

/** Counts the processes whose comm equals each wanted name. */
export async function countProcesses(proc: ProcReader, names: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map(names.map((name) => [name, 0]));
  const pids = (await proc.list('')).filter((entry) => /^\d+$/.test(entry));
  await Promise.all(
    pids.map(async (pid) => {
      const comm = await proc.read(`${pid}/comm`).then((t) => t.replace(/\n$/, ''), () => undefined);
      if (comm !== undefined && counts.has(comm)) counts.set(comm, counts.get(comm)! + 1);
    }),
  );
  return counts;
}

export function createProcessProbe({ proc, names }: { proc: ProcReader; names: readonly string[] }): Probe {
  return {
    name: 'processes',
    async collect(now) {
      const counts = await countProcesses(proc, names);
      const observations: Observation[] = [];
      const checks: CheckResult[] = [];
      for (const [name, count] of counts) {
        observations.push(observation('process_count', count, { name }, now));
        checks.push({
          name: `process:${name}`,
          status: count > 0 ? 'ok' : 'critical',
          output: count > 0 ? `${count} process(es) named ${name}` : `no process named ${name}`,
          at: now.toISOString(),
          durationSeconds: 0,
        });
      }
      return { observations, checks };
    },
  };
}
