/**
 * `node dist/bench/ingestHeap.js`: what the collector's ingest path keeps per agent in its V8 heap,
 * without HTTP: the alert pipeline with the default pack, the incident service and a SQLite store
 * (a temporary file), fed through the report ingestor with the reports of bench:ingest's simulated
 * agents (benchReport.ts), one report per agent per 15 s of a simulated clock. Prints the heap used
 * per agent after a full collection (the figure bench:ingest's RSS is made of, without the
 * process's fixed part and the V8 heap's slack), and with --snapshot FILE writes a heap snapshot
 * to compare per object type (two runs at different --agents show what grows with the fleet).
 * --interval S spaces each agent's reports S seconds apart on the simulated clock (15 by default):
 * the rules' buffers reach the size they keep in a running fleet only after their longest window
 * (a day, for filesystem_filling_slowly's prediction), which at 15 s would take 5,760 reports an
 * agent; at 300 s, 288 reports fill every prediction buffer as at 15 s (64 points, at most one per
 * 1/64 of the window), while the one other window the bench's reports feed (cpu_steal_high's 10
 * minutes) holds 2-3 points instead of 40 (about 0.6 kB an agent less than the steady state). The
 * bench's reports have no SMART, link speed or check series, whose day-long windows a real host
 * fills too (up to 256 points each).
 * It also prints the CPU time per report of the same path (process.cpuUsage around each batch's
 * submission and commit, after every agent's first report; and the main thread's alone, from its
 * schedstat, which is what holds bench:ingest's rate): the collector's own work beyond the HTTP
 * server, parsing and validation, without the load generator of bench:ingest beside it. In the
 * bench's own order at a few thousand agents it moves by a few per cent from run to run where
 * bench:ingest's CPU per report moves by a quarter; at 10,000 agents with --shuffled, by up to a
 * fifth (session 53), so a small change needs many alternated runs. And the bytes the same reports
 * wrote to the database and its WAL (/proc/self/io): with
 * --interval 60 or more every window and prediction state is written with each report (a running
 * fleet at 15 s writes each once a minute, every fourth report), so `--reports 300 --interval 300`
 * shows what a fleet's full buffers cost to save.
 * With --series-sets the reports after each agent's first are values against its series set, as an
 * agent sends them once the collector has named the set (collector/ingest/seriesSets.ts): parsed
 * beforehand, and expanded by the registry in the timed submission, as the HTTP route does before
 * it submits.
 * Figures only. Options: --agents N --reports R (per agent) --interval S --snapshot FILE --own-times
 * (each agent of a batch reports at its own time, as bench:ingest's do: see OWN_TIMES)
 * --series-sets --shuffled (the agents in a random order after their first reports: see CYCLE_ORDER).
 * Needs --expose-gc.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { getHeapSnapshot } from 'node:v8';
import { pino } from 'pino';
import { createAlertPipeline } from '../collector/alerting/alertPipeline.js';
import { createCollectorMetrics } from '../collector/collectorMetrics.js';
import { incidentPolicy } from '../collector/incidents/incidentPolicy.js';
import { createIncidentService } from '../collector/incidents/incidentService.js';
import { createStoreEnvironment } from '../collector/incidents/storeEnvironment.js';
import { createReportIngestor } from '../collector/ingest/reportIngestor.js';
import { openSqliteStore } from '../collector/store/sqlite/sqliteStore.js';
import { loadConfig } from '../config/loadConfig.js';
import { applyHeapGrowth, applyNoPretenuring } from '../collector/heapGrowth.js';
import type { Report, WireReport } from '../contract/report.js';
import { DEFAULT_RULES_DIR, loadRuleSet } from '../rules/index.js';
import { benchReport, shuffledAgents, valuesAgainstSet } from './benchReport.js';
import { SeriesSetRegistry, type IngestReport } from '../collector/ingest/seriesSets.js';
import { bytesWritten, mainThreadMicros } from './processIo.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '3000' },
    reports: { type: 'string', default: '4' },
    interval: { type: 'string', default: '15' },
    snapshot: { type: 'string' },
    'own-times': { type: 'boolean', default: false },
    'series-sets': { type: 'boolean', default: false },
    shuffled: { type: 'boolean', default: false },
  },
});
const AGENTS = Number(values.agents);
const REPORTS = Number(values.reports);
/** Reports committed together, as bench:ingest's 64 senders in flight make them. */
const BATCH = 64;
const INTERVAL_MS = Number(values.interval) * 1000;
/**
 * Without it, the agents of a batch report at the same time, so that the predictions' buffers of a
 * batch's hosts share one times column (recentPoints.ts' SharedTimes); bench:ingest's agents and a
 * real fleet's each report at their own times, and keep a times column per host and prediction.
 */
const OWN_TIMES = values['own-times'];
const SERIES_SETS = values['series-sets'];
/**
 * --shuffled: each agent's reports after its first come in one fixed random order of the agents, as
 * bench:ingest's --shuffled sends them and a real fleet's arrive (each agent at its own phase of the
 * interval, nothing to do with when its host was first seen). In the default order a batch's hosts
 * were first seen together, so their rows, index entries and in-memory states lie side by side and
 * stay in the caches; in a fleet's order each host of a batch is somewhere else.
 */
const CYCLE_ORDER = values.shuffled ? shuffledAgents(AGENTS) : undefined;
if (!(INTERVAL_MS >= 1000)) throw new Error(`--interval must be a number of seconds, 1 or more (got ${values.interval})`);

/**
 * The V8 settings a collector process runs with (cli/commands/serveCommand.ts): the heap's growth
 * past its live objects (collector.heapGrowthPercent's default) and allocation-site pretenuring off.
 * Without them this process collected as a plain Node does (at 10,000 agents about 100 MB of live
 * objects, and mark-compacts at 430 MB), so its CPU a report was not quite the collector's.
 */
const defaults = loadConfig(undefined, {}).config;
applyHeapGrowth(defaults.collector.heapGrowthPercent);
applyNoPretenuring();

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const heapUsed = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** A report as the collector has it after JSON.parse: no string shared with another report. */
const parsed = (agent: number, sequence: number, atMs: number): Report => JSON.parse(JSON.stringify(benchReport(agent, sequence, new Date(atMs).toISOString(), INTERVAL_MS / 1000))) as Report;

/** The series sets named to the agents, by agent, with --series-sets. */
const seriesSets = new SeriesSetRegistry();
const setOf = new Map<number, string>();
/**
 * What makes the report the ingestor is handed, called in the timed submission: with --series-sets
 * and a set named to the agent, the expansion of its values against the set (parsed beforehand,
 * as HTTP parses the body before the route expands it); otherwise the parsed report, whose set is
 * named (the first report of each agent asks for one).
 */
const submitted = (agent: number, sequence: number, atMs: number): (() => IngestReport) => {
  const report = parsed(agent, sequence, atMs);
  if (!SERIES_SETS) return () => report;
  const set = setOf.get(agent);
  if (set === undefined) {
    const named = seriesSets.name(report, atMs);
    if (named !== undefined) setOf.set(agent, named);
    return () => report;
  }
  const wire = JSON.parse(JSON.stringify(valuesAgainstSet(report, set))) as WireReport;
  return () => {
    const expanded = seriesSets.expand(wire, atMs);
    if ('problem' in expanded) throw new Error(`agent ${agent}: ${expanded.problem.message}`);
    return expanded.report;
  };
};

const dir = mkdtempSync(join(tmpdir(), 'tripline-ingest-heap-'));
const store = openSqliteStore({ file: join(dir, 'tripline.db') });
try {
  let nowMs = Date.now();
  const clock = { nowMs: () => nowMs };
  const log = pino({ level: 'silent' });
  const incidentsConfig = defaults.incidents;
  const incidents = createIncidentService({ route: () => ({ desks: [], reason: 'bench' }), policy: incidentPolicy(incidentsConfig), environment: createStoreEnvironment(store, incidentsConfig, clock, 0), log });
  const pipeline = createAlertPipeline({ rules: loadRuleSet([DEFAULT_RULES_DIR]).rules, initialStates: store.loadRuleStates(), incidents, log });
  const metrics = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });
  const ingestor = createReportIngestor({ store, pipeline, clock, log, metrics, maxDelayMs: 0, maxReports: BATCH });
  await ingestor.submit(submitted(AGENTS, 0, nowMs)()); // one agent more, so that code and caches exist before the baseline
  const before = heapUsed();
  let cpuMicros = 0;
  let mainMicros = 0;
  let writtenBytes = 0;
  let measured = 0;
  for (let sequence = 0; sequence < REPORTS; sequence++) {
    for (let first = 0; first < AGENTS; first += BATCH) {
      const reports: Array<() => IngestReport> = [];
      // With --own-times each agent of a batch reports a millisecond apart from the one before it.
      for (let at = first; at < Math.min(AGENTS, first + BATCH); at++) {
        const agent = sequence > 0 && CYCLE_ORDER !== undefined ? CYCLE_ORDER[at]! : at;
        reports.push(submitted(agent, sequence, nowMs - 100 - (OWN_TIMES ? at - first : 0)));
      }
      const writtenBefore = bytesWritten();
      const started = process.cpuUsage();
      const mainStarted = mainThreadMicros();
      await Promise.all(reports.map((report) => ingestor.submit(report())));
      const mainUsed = mainThreadMicros() - mainStarted;
      const used = process.cpuUsage(started);
      const written = bytesWritten() - writtenBefore;
      // A host's first report creates its row and series: not what a running fleet costs.
      if (sequence > 0) {
        cpuMicros += used.user + used.system;
        mainMicros += mainUsed;
        writtenBytes += written;
        measured += reports.length;
      }
      nowMs += Math.round((INTERVAL_MS * BATCH) / AGENTS);
    }
  }
  const perAgentKb = (heapUsed() - before) / AGENTS / 1024;
  // Before the store's states are read back for the count, which would be in the snapshot too.
  if (values.snapshot !== undefined) await streamPipeline(getHeapSnapshot(), createWriteStream(values.snapshot));
  console.log(`ingest heap: ${AGENTS} agents, ${REPORTS} reports each ${INTERVAL_MS / 1000} s apart${SERIES_SETS ? ', values against series sets after the first' : ''}${CYCLE_ORDER === undefined ? '' : ', in a random order of the agents after the first'}, default pack: ${perAgentKb.toFixed(2)} kB of V8 heap per agent (${store.loadRuleStates().size} rule states kept)`);
  if (measured > 0) {
    console.log(`ingest CPU: ${(cpuMicros / measured).toFixed(1)} µs per report after each agent's first (${measured} reports: ingestor, store and rules; no HTTP, parsing or validation), of it the main thread ${(mainMicros / measured).toFixed(1)} µs`);
    console.log(`ingest writes: ${(writtenBytes / measured / 1024).toFixed(1)} kB per report to the database and its WAL (the same reports; write(2) bytes, WAL checkpoints included)`);
  }
  if (values.snapshot !== undefined) console.log(`heap snapshot: ${values.snapshot}`);
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
