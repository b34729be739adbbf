/**
 * The reports of the ingest benchmarks' simulated agents: 60 observations of a healthy host (every
 * value well inside every default rule), four filesystems, three interfaces and a few TCP targets,
 * with agent labels that hosts of one role share (`group`, 20 of them) and TCP targets that vary by
 * host (7 sets), as a fleet's roles do. Gauges that move (CPU, load, memory, traffic) take a new
 * random value in every report; a filesystem's size and usage are the host's own and move by a
 * hair, as a disk's do: a usage drawn afresh for every report (0-50 %) made a line through two
 * reports a quarter of an hour apart reach 99 % within the hour, so filesystem_filling_fast opened
 * hundreds of incidents in a healthy 50,000-agent run (test/collector/benchFleet.test.ts).
 */
import { REPORT_SCHEMA_VERSION, type Observation, type Report } from '../contract/report.js';

/** Agent `agent`'s report number `sequence`, every sample stamped `at`. */
export function benchReport(agent: number, sequence: number, at: string, intervalSeconds: number): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: `bench-agent-${agent}`, hostname: `bench-${agent}`, version: 'bench', intervalSeconds, labels: { group: `g${agent % 20}` } },
    sequence,
    sentAt: at,
    observations: observations(agent, at),
    checks: [],
  };
}

/**
 * `report` as its agent sends it once the collector has named its series set `seriesSet`: its
 * observations' values against the set, all taken at its `sentAt` (collector/ingest/seriesSets.ts).
 */
export function valuesAgainstSet(report: Report, seriesSet: string): Omit<Report, 'observations'> & { seriesSet: string; values: number[]; valueTimes: Array<{ at: string; count: number }> } {
  const { observations, ...rest } = report;
  return { ...rest, seriesSet, values: observations.map((o) => o.value), valueTimes: [{ at: report.sentAt, count: observations.length }] };
}

function observations(agent: number, at: string): Observation[] {
  const list: Observation[] = [];
  const simple = ['cpu_usage_ratio', 'cpu_iowait_ratio', 'load1', 'load5', 'load15', 'load1_per_core', 'memory_used_ratio', 'memory_available_bytes', 'swap_used_ratio'];
  for (const metric of simple) list.push({ metric, labels: {}, value: Math.random() * 0.5, at });
  list.push({ metric: 'cpu_steal_ratio', labels: {}, value: Math.random() * 0.02, at });
  for (const mount of ['/', '/var', '/home', '/srv']) {
    for (const metric of ['filesystem_size_bytes', 'filesystem_used_bytes', 'filesystem_used_ratio', 'filesystem_inodes_used_ratio', 'filesystem_avail_bytes']) {
      list.push({ metric, labels: { mount, device: `/dev/sd${mount.length}`, fstype: 'ext4' }, value: filesystemValue(agent, mount, metric), at });
    }
  }
  for (const iface of ['eth0', 'eth1', 'bond0']) {
    for (const metric of ['network_receive_bytes_per_second', 'network_transmit_bytes_per_second', 'network_receive_errors_per_second', 'network_transmit_errors_per_second', 'network_receive_drops_per_second', 'network_transmit_drops_per_second', 'network_receive_bytes_total', 'network_transmit_bytes_total']) {
      list.push({ metric, labels: { interface: iface }, value: /_(errors|drops)_/.test(metric) ? 0 : Math.random() * 1e6, at });
    }
  }
  for (let t = 0; list.length < 60; t++) list.push({ metric: 'tcp_up', labels: { target: `svc-${agent % 7}-${t}` }, value: 1, at });
  return list;
}

/**
 * The interval the simulated agents of a bench of `agents` declare: at least the design's 15 s, and
 * at least a 20th of the fleet in seconds, since bench:ingest's load generator visits each agent
 * once every agents / rate seconds (more than 15 s while the first reports of a large fleet go in,
 * or when the collector cannot keep up), which `agent_silent` (3 intervals) would take for silence
 * and answer with a storm of incidents and probes that no healthy fleet makes. Since its slices
 * alternate with the ceiling's, an agent's turn comes round at half the collector's rate; and once a
 * report is one interval late, the missed-report watcher evaluates that host every tick, work a
 * healthy fleet never asks for. A 20th covers the generator's cycle down to 40 reports/s (20 with
 * the alternation).
 */
export function benchIntervalSeconds(agents: number): number {
  return Math.max(15, Math.ceil(agents / 20));
}

/**
 * A filesystem metric of one host and mount: the size and the used share are the host's own (from
 * a hash of agent and mount, 10-50 % used), with a jitter of at most 0.05 % of the size per report.
 */
function filesystemValue(agent: number, mount: string, metric: string): number {
  const sizeBytes = 1e9 * (8 + (hash(agent, mount, 'size') % 56));
  const jitter = (Math.random() - 0.5) * 0.001;
  const usedRatio = 0.1 + (hash(agent, mount, 'used') % 400) / 1000 + jitter;
  const inodesUsedRatio = 0.05 + (hash(agent, mount, 'inodes') % 300) / 1000 + jitter;
  switch (metric) {
    case 'filesystem_size_bytes':
      return sizeBytes;
    case 'filesystem_used_bytes':
      return Math.round(sizeBytes * usedRatio);
    case 'filesystem_avail_bytes':
      return Math.round(sizeBytes * (1 - usedRatio));
    case 'filesystem_used_ratio':
      return usedRatio;
    case 'filesystem_inodes_used_ratio':
      return inodesUsedRatio;
    default:
      throw new Error(`no bench value for ${metric}`);
  }
}

/** A small non-negative integer from the parts' text (FNV-1a), the same in every run. */
function hash(agent: number, ...parts: string[]): number {
  let h = 0x811c9dc5;
  for (const c of `${agent}|${parts.join('|')}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** The agents 0..count-1 in a random order (Fisher-Yates). */
export function shuffledAgents(count: number): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
