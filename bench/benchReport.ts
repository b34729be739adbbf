/**
 * The reports of the ingest benchmarks' simulated agents: 60 observations of a healthy host (every
 * value well inside every default rule), four filesystems, three interfaces and a few TCP targets,
 * with agent labels that hosts of one role share (`group`, 20 of them) and TCP targets that vary by
 * host (7 sets), as a fleet's roles do.
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

function observations(agent: number, at: string): Observation[] {
  const list: Observation[] = [];
  const simple = ['cpu_usage_ratio', 'cpu_iowait_ratio', 'load1', 'load5', 'load15', 'load1_per_core', 'memory_used_ratio', 'memory_available_bytes', 'swap_used_ratio'];
  for (const metric of simple) list.push({ metric, labels: {}, value: Math.random() * 0.5, at });
  list.push({ metric: 'cpu_steal_ratio', labels: {}, value: Math.random() * 0.02, at });
  for (const mount of ['/', '/var', '/home', '/srv']) {
    for (const metric of ['filesystem_size_bytes', 'filesystem_used_bytes', 'filesystem_used_ratio', 'filesystem_inodes_used_ratio', 'filesystem_avail_bytes']) {
      list.push({ metric, labels: { mount, device: `/dev/sd${mount.length}`, fstype: 'ext4' }, value: metric.endsWith('_ratio') ? Math.random() * 0.5 : Math.random() * 1e9, at });
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
