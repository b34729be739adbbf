/**
 * The CPU, page faults and resident size of another process, from /proc, for the agent benches
 * (bench/agent.ts, bench/agentSideBySide.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time of a process (its own threads, and its reaped children), in milliseconds. */
export interface CpuSample {
  /** Sum of the live threads' schedstat run time. */
  threads: number;
  /** utime + stime of /proc/<pid>/stat: every thread, ended ones included, in 10 ms ticks. */
  ticks: number;
  children: number;
  tids: Set<string>;
  /** Minor page faults so far (field 10): on a VM each costs more than a syscall. */
  minorFaults: number;
}

export function cpuSample(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = (i: number) => (Number(fields[i]) * 1000) / CLOCK_TICKS_PER_SECOND;
  let threads = 0;
  const tids = new Set(readdirSync(`/proc/${pid}/task`));
  for (const tid of tids) {
    try {
      // "run time (ns) wait time (ns) timeslices"
      threads += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]) / 1e6;
    } catch {
      tids.delete(tid); // ended between the listing and the read
    }
  }
  // After "pid (comm) ", field 3 (state) is index 0: utime is field 14 -> index 11.
  return { threads, ticks: tick(11) + tick(12), children: tick(13) + tick(14), tids, minorFaults: Number(fields[7]) };
}

/** CPU spent between two samples: schedstat when every thread lived through the window, else ticks. */
export function cpuBetween(start: CpuSample, end: CpuSample): { self: number; children: number; precise: boolean; minorFaults: number } {
  const precise = [...start.tids].every((tid) => end.tids.has(tid));
  return { self: precise ? end.threads - start.threads : end.ticks - start.ticks, children: end.children - start.children, precise, minorFaults: end.minorFaults - start.minorFaults };
}

export function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
