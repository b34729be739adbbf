/**
 * `npm run bench:backtest`: writes synthetic history (default 7 days x 100 hosts x one report per
 * 15 s, 12 observations each) into a temporary SQLite database through the store, then times
 * `rules backtest` over it: the built-in rule pack replayed through the rules engine and the
 * incident lifecycle, once alone and once as the side-by-side comparison the command prints.
 * The history has faults in it (disks filling, a flapping TCP check, an agent silent for 30 minutes
 * a day) so the lifecycle has work to do. Before the replay the history is compacted into
 * compressed series chunks and rollups, as the collector does an hour after the fact, so the replay
 * reads chunks; the bench prints the compaction (and what it and the history's writing wrote to the
 * database and its WAL, /proc/self/io), bytes per sample and read latencies (historyFigures.ts: raw,
 * rollups, and a host's every series as the API's host read answers it),
 * the retention pruning of the first day after the replay, and the latest values of --latest-hosts hosts. Figures only; nothing is asserted.
 * Options: --hosts N --days D --interval SECONDS --observations N --latest-hosts N (0: skip)
 * --comparison no (skips the side-by-side replay) --jitter MS (how late the agent's timer fires, at most)
 * --keep-history FILE (a copy of the compacted history is kept there and, when FILE exists, read from
 * it instead of writing and compacting again: for profiling the replay; the same --hosts --days
 * --interval --observations --jitter are the caller's to give) --tile-steps N (the steps the one
 * replay evaluates together, runBacktest's TILE_STEPS by default; 1: step by step).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { cpuRatios } from '../agent/probes/cpuProbe.js';
import { createDeltaTracker, type DeltaTracker } from '../agent/probes/deltaTracker.js';
import { atReportedPrecision } from '../agent/probes/reportedPrecision.js';
import type { CpuTimes } from '../agent/procfs/procStat.js';
import { runBacktest } from '../collector/backtest/runBacktest.js';
import type { MetricName } from '../contract/metricCatalogue.js';
import { bytesWritten } from './processIo.js';
import { bytesPerMetric, compactEverything, latestOfManyHosts, pruneFigures, readLatencies, type StepFigures, storageFigures } from './historyFigures.js';
import { createIncidentCore } from '../collector/incidents/incidentCore.js';
import { createOperations } from '../collector/operations/createOperations.js';
import { BlockCursor, type SampleVisitor } from '../collector/store/sampleBlocks.js';
import { openSqliteStore } from '../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord, Store } from '../collector/store/store.js';
import { loadConfig } from '../config/loadConfig.js';
import { DEFAULT_RULES_DIR, loadRuleFiles } from '../rules/index.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100' },
    days: { type: 'string', default: '7' },
    interval: { type: 'string', default: '15' },
    observations: { type: 'string', default: '12' },
    'latest-hosts': { type: 'string', default: '10000' },
    comparison: { type: 'string', default: 'yes' },
    jitter: { type: 'string', default: '5' },
    'keep-history': { type: 'string' },
    'tile-steps': { type: 'string' },
  },
});
const HOSTS = Number(values.hosts);
const DAYS = Number(values.days);
const INTERVAL_S = Number(values.interval);
const OBSERVATIONS = Math.max(4, Number(values.observations));
const JITTER_MS = Math.max(0, Math.round(Number(values.jitter)));
const START_MS = Date.UTC(2025, 0, 6, 0, 0, 0);
const END_MS = START_MS + DAYS * 86_400_000;

/** Bytes as GB with two decimals. */
const gigabytes = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** CPU seconds (user and system) of this process since `since`: on a loaded machine the clock also counts the waits for a core. */
function cpuSeconds(since: NodeJS.CpuUsage): string {
  const used = process.cpuUsage(since);
  return ((used.user + used.system) / 1e6).toFixed(1);
}

/** A cheap deterministic pseudo-random in [0, 1) from two integers. */
const noise = (a: number, b: number) => {
  const x = Math.sin(a * 12.9898 + b * 78.233) * 43758.5453;
  return x - Math.floor(x);
};

/**
 * What one host's agent has counted so far: /proc/stat jiffies and interface byte counters, and its
 * monotonic clock (fractional milliseconds, as performance.now() gives).
 */
interface HostCounters {
  cpu: CpuTimes;
  receivedBytes: number[];
  rates: DeltaTracker;
}
const counters = new Map<number, HostCounters>();
const CORES = 2;

/**
 * One report's samples. The noisy series are computed the way the agent computes them, by its own
 * functions, from counters that move as a 2-core host's do: CPU usage from /proc/stat jiffies
 * (cpuRatios: busy jiffies over all jiffies, a ratio of integers), load1_per_core from /proc/loadavg's
 * two decimals over the core count, receive rates from byte counters over the monotonic clock's
 * fractional seconds (createDeltaTracker), each then at the precision the agent reports it
 * (reportedPrecision.ts). The report time is the agent's wall clock when its timer fired, up to
 * --jitter milliseconds late.
 */
function samplesFor(host: number, tMs: number): ReportRecord['samples'] {
  const hostname = `host-${String(host).padStart(3, '0')}`;
  const step = (tMs - START_MS) / (INTERVAL_S * 1000);
  const atMs = tMs + Math.floor(noise(host + 7, step) * (JITTER_MS + 1));
  const monotonicMs = atMs - START_MS + noise(step, host + 11);
  const labels = (extra: Record<string, string> = {}) => ({ host: hostname, ...extra });
  let state = counters.get(host);
  if (state === undefined) {
    state = { cpu: { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 }, receivedBytes: [], rates: createDeltaTracker() };
    counters.set(host, state);
  }
  const before = state.cpu;
  // 100 jiffies a second per core over the interval (the timer's lateness moves a few), the busy share of them.
  const jiffies = Math.round((CORES * 100 * INTERVAL_S * (1000 + noise(host, step + 0.5) * 2)) / 1000);
  const busy = Math.round(jiffies * (0.2 + noise(host, step) * 0.3));
  state.cpu = { ...before, user: before.user + busy, idle: before.idle + jiffies - busy };
  const cpuUsage = step === 0 ? 0.2 : cpuRatios(before, state.cpu)!.usage;
  const load1 = Math.round(100 * CORES * (0.3 + noise(step, host) * 0.5)) / 100;
  // Every 10th host fills its /var disk over each day, and is cleaned up at midnight.
  const varUsed = host % 10 === 0 ? 0.6 + 0.38 * (((tMs - START_MS) % 86_400_000) / 86_400_000) : 0.4 + noise(host, 1) * 0.2;
  // Host 7's TCP check flaps every minute from 10:00 to 11:00 each day.
  const hourOfDay = ((tMs - START_MS) % 86_400_000) / 3_600_000;
  const tcpUp = host === 7 && hourOfDay >= 10 && hourOfDay < 11 ? Math.floor(step / 4) % 2 : 1;
  const list = [
    { metric: 'cpu_usage_ratio', labels: labels(), value: cpuUsage, atMs },
    { metric: 'load1_per_core', labels: labels(), value: load1 / CORES, atMs },
    { metric: 'memory_used_ratio', labels: labels(), value: 0.5 + noise(host, 3) * 0.2, atMs },
    { metric: 'filesystem_used_ratio', labels: labels({ mount: '/var' }), value: varUsed, atMs },
    { metric: 'filesystem_used_ratio', labels: labels({ mount: '/' }), value: 0.3 + noise(host, 4) * 0.2, atMs },
    { metric: 'tcp_up', labels: labels({ target: 'ssh' }), value: tcpUp, atMs },
    { metric: 'swap_used_ratio', labels: labels(), value: 0.01, atMs },
    { metric: 'filesystem_inodes_used_ratio', labels: labels({ mount: '/var' }), value: 0.1, atMs },
  ];
  for (let i = list.length; i < OBSERVATIONS; i++) {
    const received = (state.receivedBytes[i] ?? 0) + Math.round(noise(i, step) * 1e6 * INTERVAL_S);
    state.receivedBytes[i] = received;
    const rate = state.rates.rate(`eth${i}`, received, monotonicMs) ?? 0;
    list.push({ metric: 'network_receive_bytes_per_second', labels: labels({ interface: `eth${i}` }), value: rate, atMs });
  }
  // At the precision the agent reports (its observation() rounds every probe's value so).
  return list.slice(0, OBSERVATIONS).map((s) => ({ ...s, value: atReportedPrecision(s.metric as MetricName, s.value) }));
}

/** Writes the history into `store`; with none, only counts its reports. */
function writeHistory(store: Store | undefined): number {
  const sequences = new Array<number>(HOSTS).fill(0);
  let reports = 0;
  const batchMs = 3_600_000;
  for (let from = START_MS; from < END_MS; from += batchMs) {
    const hour = (write: (insert: (report: ReportRecord) => void) => void) => (store ? store.transaction((tx) => write((report) => tx.insertReport(report))) : write(() => undefined));
    hour((insert) => {
      for (let tMs = from; tMs < Math.min(from + batchMs, END_MS); tMs += INTERVAL_S * 1000) {
        const minuteOfDay = ((tMs - START_MS) % 86_400_000) / 60_000;
        for (let host = 0; host < HOSTS; host++) {
          // Host 3's agent is silent from 03:00 to 03:30 every day.
          if (host === 3 && minuteOfDay >= 180 && minuteOfDay < 210) continue;
          const hostname = `host-${String(host).padStart(3, '0')}`;
          insert({ agentId: hostname, hostname, labels: {}, version: 'bench', intervalSeconds: INTERVAL_S, sequence: ++sequences[host]!, receivedAtMs: tMs, samples: samplesFor(host, tMs), checks: [] });
          reports++;
        }
      }
    });
  }
  return reports;
}

const dir = mkdtempSync(join(tmpdir(), 'tripline-bench-backtest-'));
try {
  const file = join(dir, 'tripline.db');
  const kept = values['keep-history'];
  const reuse = kept !== undefined && existsSync(kept);
  if (reuse) copyFileSync(kept, file);
  let store = openSqliteStore({ file });
  let reports: number;
  if (reuse) {
    reports = writeHistory(undefined);
    console.log(`history: read from ${kept} (${reports.toLocaleString('en')} reports, ${(reports * OBSERVATIONS).toLocaleString('en')} samples)`);
  } else {
    const writeStarted = performance.now();
    const writtenBefore = bytesWritten();
    reports = writeHistory(store);
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    const historyBytes = bytesWritten() - writtenBefore;
    console.log(
      `history: ${HOSTS} hosts x ${DAYS} days x ${INTERVAL_S}s = ${reports.toLocaleString('en')} reports, ${(reports * OBSERVATIONS).toLocaleString('en')} samples; written in ${writeSeconds.toFixed(1)}s ` +
        `(${gigabytes(historyBytes)} written to the database and its WAL, ${(historyBytes / Math.max(1, reports) / 1000).toFixed(2)} kB a report)`,
    );
    const compaction = await compactEverything(store, END_MS);
    const ms = (figure: StepFigures) =>
      `${figure.wall.longestMs.toFixed(1)} ms (${figure.wall.p99Ms.toFixed(1)}), CPU ${figure.cpu.longestMs.toFixed(1)} ms (${figure.cpu.p99Ms.toFixed(1)})`;
    console.log(
      `compaction: ${compaction.blocks.toLocaleString('en')} host-hours in ${compaction.seconds.toFixed(1)}s ` +
        `(${Math.round((reports * OBSERVATIONS) / compaction.seconds).toLocaleString('en')} samples/s); steps on the event loop, longest (p99) on the clock and in CPU time: ` +
        `write transaction ${ms(compaction.transaction)}, read ${ms(compaction.read)}, encoding slice ${ms(compaction.encode)}, ` +
        `sweep of the compacted rows ${ms(compaction.sweep)} and the WAL checkpoint after each ${ms(compaction.checkpoint)}; ` +
        `${gigabytes(compaction.bytesWritten)} written to the database and its WAL (${(compaction.bytesWritten / Math.max(1, compaction.blocks) / 1e6).toFixed(2)} MB a host-hour, ` +
        `${(compaction.bytesWritten / Math.max(1, historyBytes)).toFixed(1)}x what writing the history took)`,
    );
    if (kept !== undefined) {
      // Closed first, so that the write-ahead log is in the file copied.
      store.close();
      copyFileSync(file, kept);
      store = openSqliteStore({ file });
    }
  }
  console.log(storageFigures(file, reports * OBSERVATIONS));
  console.log(`compressed bytes per sample by metric: ${bytesPerMetric(file)}`);
  for (const line of readLatencies(store, 'host-001', END_MS, DAYS)) console.log(line);
  const readStarted = performance.now();
  const readCpu = process.cpuUsage();
  let decoded = 0;
  const count: SampleVisitor = () => decoded++;
  for (const block of store.iterateSampleBlocks(START_MS, END_MS).blocks) {
    const cursor = new BlockCursor(block);
    // In steps of 15 s, as a replay reads.
    for (let next = cursor.nextAtMs(); next !== Infinity; next = cursor.nextAtMs()) cursor.visitUntil(next + INTERVAL_S * 1000, count);
  }
  const readSeconds = (performance.now() - readStarted) / 1000;
  console.log(`replay read alone (every sample in time order from the chunks as columns, step by step, no rules): ${readSeconds.toFixed(1)}s = ${Math.round(decoded / readSeconds).toLocaleString('en')} samples/s; CPU ${cpuSeconds(readCpu)}s`);

  const { config } = loadConfig(undefined, {});
  const rules = loadRuleFiles([DEFAULT_RULES_DIR]);
  const clock = { nowMs: () => END_MS };
  const core = createIncidentCore({ store, config, clock, log: pino({ level: 'silent' }), probeReachability: false });
  const { environment, policy } = core;
  const intervals = new Map(store.listHosts().map((h) => [h.hostname, h.intervalSeconds] as const));
  const replayStarted = performance.now();
  const replayCpu = process.cpuUsage();
  const summary = runBacktest({ rules, policy, environment, samples: store.iterateSampleBlocks(START_MS, END_MS), intervalSecondsByHost: intervals, toMs: END_MS, ...(values['tile-steps'] === undefined ? {} : { tileSteps: Number(values['tile-steps']) }) });
  const replaySeconds = (performance.now() - replayStarted) / 1000;
  console.log(
    `backtest (built-in pack, ${rules.length} rules, one replay): ${replaySeconds.toFixed(1)}s = ${Math.round(summary.samples / replaySeconds).toLocaleString('en')} samples/s, CPU ${cpuSeconds(replayCpu)}s; ` +
      `${summary.incidents} incidents, ${summary.tickets} tickets, desk operations ${JSON.stringify(summary.deskOperations)}`,
  );
  if (values.comparison !== 'no') {
    const comparisonCpu = process.cpuUsage();
    const comparison = createOperations({ store, config, clock, core }).backtest({ candidate: rules, inForce: rules, fromMs: START_MS, toMs: END_MS });
    const sides = comparison.sides
      ? `; each side on its own thread: candidate ${(comparison.sides.candidateMs / 1000).toFixed(1)}s, rules in force ${(comparison.sides.inForceMs / 1000).toFixed(1)}s, reading for both ${(comparison.sides.readingMs / 1000).toFixed(1)}s`
      : '';
    console.log(`rules backtest --since ${DAYS}d (candidate + rules in force, side by side, one read): ${(comparison.elapsedMs / 1000).toFixed(1)}s, CPU ${cpuSeconds(comparisonCpu)}s${sides}`);
  }
  console.log(await pruneFigures(store, START_MS + 86_400_000));
  store.close();
  const latestHosts = Number(values['latest-hosts']);
  if (latestHosts > 0) console.log(latestOfManyHosts(latestHosts, 60));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
