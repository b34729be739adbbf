/**
 * `npm run bench:ingest`: a real collector process on loopback, fed by many simulated agents with
 * reports of 60 observations (gzip, bearer token): each agent's first report whole, asking for its
 * series set, then values against the set the collector names, as the agent sends them since series
 * sets (collector/ingest/seriesSets.ts; --full-reports: every report whole). Prints reports per
 * second and the p50/p99 acknowledge latency for:
 *   1. saturation: as fast as N concurrent senders can go;
 *   2. the design target: 10,000 agents every 15 s (about 667 reports/s), paced;
 * each in slices alternating with the same load generator against the bare-parse ceiling
 * (ceilingServer.ts: gunzip and JSON.parse only), so both see the same machine; then the collector's
 * RSS per agent (at the end, and the median of one sample a second over the measured phases: it
 * moves by a third with V8's collections), what it is made of, and Tripline's ratio to the ceiling.
 * With --postgres, a second collector on a shared PostgreSQL store (a temporary server this bench
 * starts: Debian's postgresql, durable commits as in production) runs the same phases in the same
 * slices, and the event loop's wait per store call (one crossing of the PostgreSQL bridge) is
 * measured beside SQLite's; its WAL bytes per report (pg_current_wal_lsn over each phase), the
 * database's size per agent, the PostgreSQL collector's RSS per agent and the server's memory
 * (PSS of the postmaster and its backends) are printed too.
 * Beside each phase of the collector, its event loop's delay over that phase's slices (prom-client's
 * monitorEventLoopDelay, 10 ms resolution, read and reset through /metrics at each slice's start and
 * end): the longest stall and the p99 of the worst slice. A delay of seconds at a rate the collector
 * sustains means a long synchronous task on its event loop.
 * Beside each ack p50/p99 of the collector, its own time per report (Server-Timing `app;dur`); the
 * difference is the wait before it read the request. And the rule states it wrote per second of its
 * slices (tripline_rule_states_written_total): with the change that made them, and at checkpoints
 * (with the default pack 5 a host a minute once the fleet has run a minute, --settle; about 5.6 once
 * its 11- and 15-minute long-window states come due too, after the bench's phases end).
 * Figures only; nothing is asserted. Options: --agents N --seconds S --concurrency C --rounds R --rate
 * REPORTS_PER_S (the paced phase; AGENTS / 15 by default) --settle S (see SETTLE_S) --max-batch N (collector.batch.maxReports;
 * the collector's default otherwise) --heap-growth PERCENT (collector.heapGrowthPercent; the
 * collector's default otherwise; 0: V8's own growth) --checkpoint-thread-hosts N
 * (collector.checkpointThreadHosts; 0: the log's checkpoint thread from the start) --postgres --maintenance HOSTS --full-reports
 * --shuffled (see CYCLE_ORDER) --hot-minutes M (see HOT_MINUTES).
 * With --maintenance HOSTS the run measures instead whether history maintenance stalls ingest (issue
 * 15: compaction and retention pruning never stall it): before the collector starts, the first HOSTS
 * agents get the history they would have sent over the last two clock hours and the current one (a
 * report every 15 s, stored through the store as ingest stores it), and the collector runs with
 * nothing due (`compactAfter: 24h`) while every agent sends its first report; then it is restarted
 * with `compactAfter: 1m` and a raw and rollup retention of 90 minutes, so its first history pass,
 * which begins a minute after it starts, compacts two hours of each of those hosts and prunes what
 * is past 90 minutes. Until that pass has begun (its first step is counted in
 * tripline_history_step_seconds) and for at least WARM_UP_S, the fleet sends at the paced rate,
 * unmeasured: the collector's first minute after a start is its slowest with or without a pass. The
 * paced phase then runs while the pass runs (tripline_history_pass_age_seconds is absent until a
 * pass ends, so the bench knows), and again on the same collector once the pass has ended, with
 * nothing left to do (the control), each beside the ceiling.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { REPORTS_PATH } from '../contract/report.js';
import { benchIntervalSeconds, benchReport, shuffledAgents, valuesAgainstSet } from './benchReport.js';
import { packageRoot } from '../config/packageInfo.js';
import { reportToRecord } from '../collector/ingest/reportToRecord.js';
import { seriesSetId } from '../collector/ingest/seriesSets.js';
import { openPostgresStore } from '../collector/store/postgres/postgresStore.js';
import { databasePath } from '../collector/store/sqlite/databasePath.js';
import { openSqliteStore } from '../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../collector/store/store.js';
import { type PostgresCluster, startPostgresCluster } from './postgresCluster.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '4' },
    postgres: { type: 'boolean', default: false },
    rate: { type: 'string' },
    'max-batch': { type: 'string' },
    'heap-growth': { type: 'string' },
    'checkpoint-thread-hosts': { type: 'string' },
    maintenance: { type: 'string' },
    'full-reports': { type: 'boolean', default: false },
    settle: { type: 'string' },
    shuffled: { type: 'boolean', default: false },
    'hot-minutes': { type: 'string' },
  },
});
/** Every report with its observations (as agents before series sets sent them) rather than values against a set once named. */
const FULL_REPORTS = values['full-reports'];
const AGENTS = Number(values.agents);
/**
 * --shuffled: after every agent's first report, the fleet reports in a fixed random order instead of
 * the order in which its hosts were first seen. A real fleet's reports arrive by each agent's phase
 * within its interval, which has nothing to do with when its host was first seen, so each report
 * goes to another part of the store's host-keyed indexes than the one before it; in the default
 * order, report after report lands beside the last.
 */
const CYCLE_ORDER = values.shuffled ? shuffledAgents(AGENTS) : undefined;
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Math.max(1, Number(values.rounds));
/** Agents whose recent history is seeded for the collector's first history pass to compact and prune (--maintenance); none otherwise. */
const MAINTENANCE_HOSTS = values.maintenance === undefined ? 0 : Number(values.maintenance);
if (!Number.isInteger(MAINTENANCE_HOSTS) || MAINTENANCE_HOSTS < 0 || MAINTENANCE_HOSTS > AGENTS) {
  throw new Error(`--maintenance must be a whole number of hosts from 0 to --agents (${AGENTS}), got ${values.maintenance}`);
}
/**
 * --settle S (70 by default): seconds the fleet sends at the paced rate, unmeasured, between every
 * agent's first report and the measured phases, so that these run with the rule-state checkpoints
 * a running fleet writes: a latest-sample change is written a minute after it at the soonest, so none
 * come due before then, and a saturation phase measured earlier (as every run before session 38 was, which
 * `--settle 0` repeats) took 0.41-0.45x of the ceiling at 10,000 agents where the settled ones took 0.39-0.41x.
 */
const SETTLE_S = values.settle === undefined ? 70 : Number(values.settle);
if (!Number.isFinite(SETTLE_S) || SETTLE_S < 0) throw new Error(`--settle must be a number of seconds, 0 or more, got ${values.settle}`);
// --maintenance sends paced until its pass has begun (WARM_UP_S at least) and measures from there: it has no settling of its own to set.
if (values.settle !== undefined && MAINTENANCE_HOSTS > 0) throw new Error('--settle does not apply with --maintenance, whose fleet sends at the paced rate until the history pass begins');
/**
 * --hot-minutes M: before the collector starts, every agent gets the reports it would have sent over
 * the last M minutes (one every 15 s, stored through the store as ingest stores them, in arrival
 * order), and the collector runs with nothing due for compaction, so the measured phases write into a
 * hot window of a running fleet's size. Without it the window holds only the reports of the bench's
 * few minutes (some 130,000 rows at 10,000 agents); a collector of 10,000 agents reporting every 15 s
 * holds 10 to 70 minutes of them (0.4 to 2.8 million rows) between its compaction passes.
 */
const HOT_MINUTES = values['hot-minutes'] === undefined ? 0 : Number(values['hot-minutes']);
if (!Number.isInteger(HOT_MINUTES) || HOT_MINUTES < 0 || HOT_MINUTES > 120) throw new Error(`--hot-minutes must be a whole number of minutes from 0 to 120, got ${values['hot-minutes']}`);
if (HOT_MINUTES > 0 && (values.postgres || values.maintenance !== undefined)) throw new Error('--hot-minutes applies to the SQLite collector alone, without --postgres or --maintenance');
/** --maintenance: the least the restarted collector's fleet sends, unmeasured, before the measured phase (see the module comment). */
const WARM_UP_S = 20;
const TOKEN = 'bench-token-0123456789abcdef';
const TARGET_RATE = AGENTS / 15;
/** The paced phase's rate: the design target by default; --rate sets a lower one the collector sustains on a busy machine, to tell its stalls from its backlog. */
const PACED_RATE = values.rate === undefined ? TARGET_RATE : Number(values.rate);
/** The interval the simulated agents declare (benchIntervalSeconds says why it grows with the fleet). */
const DECLARED_INTERVAL_S = benchIntervalSeconds(AGENTS);
/**
 * collector.limits as a fleet of AGENTS agents reporting every 15 s needs them (README, "What one
 * client can hold"): a connection per agent plus room, and the reports of 200 ms in progress at
 * once; never fewer than this bench's own senders.
 */
const LIMITS = {
  maxConnections: Math.max(10_000, AGENTS + 1_000),
  maxConcurrentReports: Math.max(64, Math.ceil((AGENTS / 15) * 0.2), 2 * CONCURRENCY),
};

/**
 * Which simulated agents a server has named the series set of (per load generator's pool): their
 * reports go as values against it, as the agent sends them once its collector has named its set
 * (contract/report.ts); with --full-reports, every report carries its observations.
 */
const namedSets = new Map<Pool, Uint8Array>();
function namedSetsOf(pool: Pool): Uint8Array {
  let named = namedSets.get(pool);
  if (named === undefined) namedSets.set(pool, (named = new Uint8Array(AGENTS)));
  return named;
}
/** Each agent's set name as a collector computes it, to check the collector's answer by (its series never change). */
const setIds = new Array<string | undefined>(AGENTS);

/** Agent `agent`'s report `sequence`: its values against its series set once `named`, its observations (asking for the set's name) before. */
function reportBody(agent: number, sequence: number, named: boolean): Buffer {
  const report = benchReport(agent, sequence, new Date().toISOString(), DECLARED_INTERVAL_S);
  if (FULL_REPORTS) return gzipSync(JSON.stringify(report));
  if (!named) return gzipSync(JSON.stringify({ ...report, wantsSeriesSet: true }));
  return gzipSync(JSON.stringify(valuesAgainstSet(report, (setIds[agent] ??= seriesSetId(report.observations)))));
}

/**
 * After a 200 to a report that asked for its set's name: the agent is named from now on. A
 * collector's answer must name the set it computes from the series (a wrong or missing name is an
 * error of the run); the ceiling server, which parses and keeps nothing, names none and takes any.
 */
function setNamed(named: Uint8Array, agent: number, answer: string): string | undefined {
  const { seriesSet } = JSON.parse(answer) as { seriesSet?: string };
  if (seriesSet !== undefined && seriesSet !== (setIds[agent] ??= seriesSetId(benchReport(agent, 0, new Date().toISOString(), DECLARED_INTERVAL_S).observations))) return 'set-name';
  named[agent] = 1;
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Phase {
  reports: number;
  /** The server's longest event-loop stall and the worst slice's p99 event-loop delay, in ms (the collector only). */
  loopMaxMs?: number;
  loopP99Ms?: number;
  /** Group commits made during the phase and the reports they held (the collector only). */
  commits?: number;
  committedReports?: number;
  /** Rule states the collector wrote during the phase: with the change that made them, and at checkpoints (latest-sample changes come due a minute later). */
  stateChanges?: number;
  stateCheckpoints?: number;
  errors: number;
  /** Refusals and failures by HTTP status (or "network"), so a 429 is never hidden among the errors. */
  errorsByStatus: Record<string, number>;
  latenciesMs: number[];
  /** The collector's own time per acknowledged report (its Server-Timing `app;dur`: from the request's headers read to the answer, the group commit included); the rest of an ack is waiting before that (the event loop busy) and the wire. */
  serverMs: number[];
  seconds: number;
  /**
   * CPU seconds over the phase (its slices alone, when interleaved): of the server's event loop's
   * thread, of its other threads, and of this process (the load generator), and the seconds of clock
   * they were taken over. Against the clock, they say which side holds the figure: a server whose
   * event loop's thread is near 100 % of it is what its reports/s measure; a load generator near
   * 100 % is (the bare-parse ceiling, session 50).
   */
  cpu?: { loop: number; otherThreads: number; generator: number; clock: number };
}

async function runPhase(pool: Pool, sequences: number[], durationS: number, paceRate: number | undefined, concurrency: number, maxReports = Infinity): Promise<Phase> {
  const phase: Phase = { reports: 0, errors: 0, errorsByStatus: {}, latenciesMs: [], serverMs: [], seconds: 0 };
  const named = namedSetsOf(pool);
  const started = performance.now();
  const deadline = started + durationS * 1000;
  let next = 0;
  let issued = 0;
  const worker = async () => {
    while (performance.now() < deadline && issued < maxReports) {
      const slot = issued++; // reserve the slot before sleeping, so workers never share one
      if (paceRate !== undefined) {
        const wait = started + (slot / paceRate) * 1000 - performance.now();
        if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
        if (performance.now() >= deadline) break;
      }
      // A phase bounded by a count is every agent's first report: in the order the hosts are created.
      const slotAgent = next++ % sequences.length;
      const agent = CYCLE_ORDER !== undefined && maxReports === Infinity ? CYCLE_ORDER[slotAgent]! : slotAgent;
      const wasNamed = named[agent] === 1;
      const body = reportBody(agent, sequences[agent]!++, wasNamed);
      const sent = performance.now();
      try {
        const response = await pool.request({
          path: REPORTS_PATH,
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        });
        const naming = response.statusCode === 200 && !wasNamed && !FULL_REPORTS ? setNamed(named, agent, await response.body.text()) : await response.body.dump();
        // A 409 is the server not knowing the set (a restart): the agent's next report carries its observations again.
        if (response.statusCode === 409) named[agent] = 0;
        if (naming !== undefined) {
          phase.errors++;
          phase.errorsByStatus[naming] = (phase.errorsByStatus[naming] ?? 0) + 1;
        } else if (response.statusCode === 200) {
          phase.reports++;
          phase.latenciesMs.push(performance.now() - sent);
          const serverMs = /app;dur=([\d.]+)/.exec(String(response.headers['server-timing'] ?? ''))?.[1];
          if (serverMs !== undefined) phase.serverMs.push(Number(serverMs));
        } else {
          phase.errors++;
          phase.errorsByStatus[response.statusCode] = (phase.errorsByStatus[response.statusCode] ?? 0) + 1;
          // As the agent does: a 429 or 503 is waited out for its Retry-After before this sender sends again.
          const retryAfterS = Number(response.headers['retry-after']);
          if ((response.statusCode === 429 || response.statusCode === 503) && retryAfterS > 0) await new Promise((ok) => setTimeout(ok, retryAfterS * 1000));
        }
      } catch {
        phase.errors++;
        phase.errorsByStatus.network = (phase.errorsByStatus.network ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  phase.seconds = (performance.now() - started) / 1000;
  phase.latenciesMs.sort((a, b) => a - b);
  phase.serverMs.sort((a, b) => a - b);
  return phase;
}

function describePhase(name: string, phase: Phase): string {
  const rate = phase.reports / phase.seconds;
  const server = phase.serverMs.length === 0 ? '' : `  (server time p50 ${percentile(phase.serverMs, 50).toFixed(1)} ms, p99 ${percentile(phase.serverMs, 99).toFixed(1)} ms)`;
  const loop =
    phase.loopMaxMs === undefined
      ? ''
      : `  event loop: longest stall ${phase.loopMaxMs.toFixed(0)} ms, delay p99 ${phase.loopP99Ms!.toFixed(0)} ms; ${(phase.committedReports! / phase.commits!).toFixed(1)} reports per commit; ` +
        `rule states written ${((phase.stateChanges ?? 0) / phase.seconds).toFixed(0)}/s with their change, ${((phase.stateCheckpoints ?? 0) / phase.seconds).toFixed(0)}/s at checkpoints`;
  return `${name.padEnd(34)} ${rate.toFixed(0).padStart(6)} reports/s  ${(rate * 60).toFixed(0).padStart(7)} observations/s  ack p50 ${percentile(phase.latenciesMs, 50).toFixed(1)} ms  p99 ${percentile(phase.latenciesMs, 99).toFixed(1)} ms${server}  errors ${phase.errors}${phase.errors === 0 ? '' : ` (${Object.entries(phase.errorsByStatus).map(([status, n]) => `${status}: ${n}`).join(', ')})`}${loop}`;
}

/** Waits until `pool`'s server answers /readyz. */
async function waitReady(pool: Pool, what: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      const r = await pool.request({ path: '/readyz', method: 'GET' });
      await r.body.dump();
      if (r.statusCode === 200) return;
    } catch {
      if (tries > 300) throw new Error(`${what} did not start`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** A server's /metrics, in the text exposition format. */
async function scrapeMetrics(pool: Pool): Promise<string> {
  const response = await pool.request({ path: '/metrics', method: 'GET' });
  return response.body.text();
}

/** The value of the label-less sample `name` in scraped metrics; undefined when it has none. */
function sampleOf(text: string, name: string): number | undefined {
  const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

/** The collector's tripline_incidents_active gauge. */
async function activeIncidents(pool: Pool): Promise<number> {
  return sampleOf(await scrapeMetrics(pool), 'tripline_incidents_active') ?? NaN;
}

/** The active incidents in the collector's database (read beside it), by rule with a few of their hosts: what a healthy fleet should not have. */
function describeIncidents(dataDir: string): string {
  const store = openSqliteStore({ file: databasePath(dataDir), readOnly: true });
  try {
    const byRule = new Map<string, string[]>();
    for (const { ruleName, host } of store.listIncidents({ status: 'active', limit: 100_000 })) {
      const hosts = byRule.get(ruleName);
      if (hosts) hosts.push(host);
      else byRule.set(ruleName, [host]);
    }
    return [...byRule].map(([rule, hosts]) => `; ${rule}: ${hosts.length} (${hosts.slice(0, 3).join(', ')}${hosts.length > 3 ? ', ...' : ''})`).join('');
  } finally {
    store.close();
  }
}

/**
 * The collector's event-loop delay since the last call (prom-client resets its monitorEventLoopDelay
 * histogram at every /metrics collection): its maximum and p99, in ms.
 */
async function eventLoopDelay(pool: Pool): Promise<{ maxMs: number; p99Ms: number; commits: number; committedReports: number; stateChanges: number; stateCheckpoints: number }> {
  const text = await scrapeMetrics(pool);
  const read = (name: string) => sampleOf(text, name) ?? NaN;
  // A counter has no sample until it is first counted.
  const statesWritten = (reason: string) => sampleOf(text, `tripline_rule_states_written_total\\{reason="${reason}"\\}`) ?? 0;
  return {
    maxMs: 1000 * read('tripline_collector_nodejs_eventloop_lag_max_seconds'),
    p99Ms: 1000 * read('tripline_collector_nodejs_eventloop_lag_p99_seconds'),
    commits: read('tripline_ingest_batch_reports_count'),
    committedReports: read('tripline_ingest_batch_reports_sum'),
    stateChanges: statesWritten('change'),
    stateCheckpoints: statesWritten('checkpoint'),
  };
}

/** runPhase on the collector, with its event-loop delay over the phase. */
async function runMonitoredPhase(...args: Parameters<typeof runPhase>): Promise<Phase> {
  const before = await eventLoopDelay(args[0]);
  const phase = await runPhase(...args);
  const loop = await eventLoopDelay(args[0]);
  return {
    ...phase,
    loopMaxMs: loop.maxMs,
    loopP99Ms: loop.p99Ms,
    commits: loop.commits - before.commits,
    committedReports: loop.committedReports - before.committedReports,
    stateChanges: loop.stateChanges - before.stateChanges,
    stateCheckpoints: loop.stateCheckpoints - before.stateCheckpoints,
  };
}

/**
 * The collector's V8 heap (used and total, prom-client's nodejs_heap_size_*_bytes), in MB: the part
 * of its RSS that is JavaScript objects; the size of each of its spaces (nodejs_heap_space_size_total_bytes:
 * new, old, code, large objects...), and the memory outside it that V8 knows of (external: Buffers,
 * zlib's and SQLite's are not in it).
 */
async function heapMb(pool: Pool): Promise<{ usedMb: number; totalMb: number; externalMb: number; spacesMb: Map<string, number> }> {
  const text = await scrapeMetrics(pool);
  const read = (name: string) => (sampleOf(text, name) ?? NaN) / 1048576;
  const spacesMb = new Map<string, number>();
  for (const [, space, bytes] of text.matchAll(/^tripline_collector_nodejs_heap_space_size_total_bytes\{space="([^"]+)"\} (\S+)$/gm)) spacesMb.set(space!, Number(bytes) / 1048576);
  return { usedMb: read('tripline_collector_nodejs_heap_size_used_bytes'), totalMb: read('tripline_collector_nodejs_heap_size_total_bytes'), externalMb: read('tripline_collector_nodejs_external_memory_bytes'), spacesMb };
}

/**
 * What a process's resident memory is made of, in MB, from /proc/PID/smaps: its main malloc arena
 * (`[heap]`: SQLite's page cache, buffers of requests not yet collected, zlib), the node binary's
 * pages, and anonymous mappings (V8's heap pages, other malloc arenas, thread stacks).
 */
function rssParts(pid: number): { mallocMb: number; binaryMb: number; anonymousMb: number } {
  const parts = { mallocMb: 0, binaryMb: 0, anonymousMb: 0 };
  let part: keyof typeof parts | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const name = mapping[1]!;
      part = name === '[heap]' ? 'mallocMb' : name === process.execPath || name.endsWith('/node') ? 'binaryMb' : name === '' ? 'anonymousMb' : undefined;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && part !== undefined) parts[part] += Number(rss[1]) / 1024;
  }
  return parts;
}

/** Resident memory of a process, in MB. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** One server under test: its connection pool and process. */
interface Target {
  name: string;
  pool: Pool;
  process: ChildProcess;
}

/** Starts a server process and waits until it answers /readyz. */
async function startTarget(name: string, args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<Target> {
  const stdout = serverStdout(name);
  const child = spawn(process.execPath, args, { stdio: ['ignore', stdout, 'inherit'], env: { ...process.env, ...env } });
  // The child has its own copy of the file's descriptor.
  if (typeof stdout === 'number') closeSync(stdout);
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: Math.max(CONCURRENCY, 16), pipelining: 1 });
  await waitReady(pool, name);
  return { name, pool, process: child };
}

/**
 * Where a server's stdout goes: nowhere, or with TRIPLINE_BENCH_STDOUT=PREFIX a file of its own,
 * PREFIX.<name>.<start time in ms> (a collector's log lines, and V8's output with
 * TRIPLINE_BENCH_NODE_ARGS=--trace-gc, which goes to stdout).
 */
function serverStdout(name: string): 'ignore' | number {
  const prefix = process.env.TRIPLINE_BENCH_STDOUT;
  return prefix === undefined ? 'ignore' : openSync(`${prefix}.${name.replace(/\W+/g, '-')}.${Date.now()}`, 'w');
}

/** A collector process (`tripline collector`, with TRIPLINE_BENCH_NODE_ARGS on node's command line) on `configFile`. */
function startCollector(name: string, configFile: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<Target> {
  const nodeArgs = (process.env.TRIPLINE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return startTarget(name, [...nodeArgs, resolve(packageRoot(), 'dist/cli/main.js'), 'collector', '--config', configFile], port, env);
}

/** The bare-parse ceiling server (ceilingServer.ts) on a free port. */
async function startCeiling(): Promise<Target> {
  const port = await freePort();
  return startTarget('the ceiling server', [resolve(packageRoot(), 'dist/bench/ceilingServer.js'), String(port)], port);
}

async function stopTarget(target: Target | undefined): Promise<void> {
  if (target === undefined) return;
  if (!target.pool.closed) await target.pool.close();
  if (target.process.exitCode !== null || target.process.signalCode !== null) return;
  target.process.kill('SIGTERM');
  await new Promise((ok) => target.process.on('exit', ok));
}

/** Adds `more` into `total` (reports, errors, latencies and seconds). */
function addPhase(total: Phase, more: Phase): Phase {
  total.reports += more.reports;
  total.errors += more.errors;
  for (const [status, n] of Object.entries(more.errorsByStatus)) total.errorsByStatus[status] = (total.errorsByStatus[status] ?? 0) + n;
  total.latenciesMs.push(...more.latenciesMs);
  total.latenciesMs.sort((a, b) => a - b);
  total.serverMs.push(...more.serverMs);
  total.serverMs.sort((a, b) => a - b);
  total.seconds += more.seconds;
  if (more.loopMaxMs !== undefined) {
    total.loopMaxMs = Math.max(total.loopMaxMs ?? 0, more.loopMaxMs);
    total.loopP99Ms = Math.max(total.loopP99Ms ?? 0, more.loopP99Ms ?? 0);
    total.commits = (total.commits ?? 0) + (more.commits ?? 0);
    total.committedReports = (total.committedReports ?? 0) + (more.committedReports ?? 0);
    total.stateChanges = (total.stateChanges ?? 0) + (more.stateChanges ?? 0);
    total.stateCheckpoints = (total.stateCheckpoints ?? 0) + (more.stateCheckpoints ?? 0);
  }
  if (more.cpu !== undefined) {
    const cpu = (total.cpu ??= { loop: 0, otherThreads: 0, generator: 0, clock: 0 });
    cpu.loop += more.cpu.loop;
    cpu.otherThreads += more.cpu.otherThreads;
    cpu.generator += more.cpu.generator;
    cpu.clock += more.cpu.clock;
  }
  return total;
}

const emptyPhase = (): Phase => ({ reports: 0, errors: 0, errorsByStatus: {}, latenciesMs: [], serverMs: [], seconds: 0 });

/**
 * Tripline and the ceiling in alternating slices of SECONDS / ROUNDS each, so that both see the
 * same machine: other work on a shared machine comes and goes within a run.
 */
async function interleaved(tripline: Target, ceiling: Target, sequences: number[], paceRate: number | undefined, shared?: SharedRun): Promise<[Phase, Phase, Phase]> {
  const sampler = setInterval(() => {
    rssSamplesMb.push(rssMb(tripline.process.pid!));
    if (shared) sharedRssSamplesMb.push(rssMb(shared.target.process.pid!));
  }, 1000);
  try {
    return await interleavedSlices(tripline, ceiling, sequences, paceRate, shared);
  } finally {
    clearInterval(sampler);
  }
}

/** The collector's RSS once a second while the measured phases run (its memory moves with V8's collections). */
const rssSamplesMb: number[] = [];
/** The same for the collector on PostgreSQL. */
const sharedRssSamplesMb: number[] = [];

/** The server's WAL position in bytes (pg_current_wal_lsn, `hi/lo` in hex). */
function walBytes(cluster: PostgresCluster): bigint {
  const [hi, lo] = cluster.psql('postgres', 'SELECT pg_current_wal_lsn()').trim().split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** Full-page images written to the WAL so far (pg_stat_wal): a page's first change after each checkpoint. */
function walFullPages(cluster: PostgresCluster): number {
  return Number(cluster.psql('postgres', 'SELECT wal_fpi FROM pg_stat_wal').trim());
}

/** The PostgreSQL server's memory: the PSS (shared pages split among their users) of the postmaster and its children, in MB. */
function serverPssMb(serverPid: number): number {
  let kb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid !== serverPid && processCpuSeconds(pid)?.parent !== serverPid) continue;
    try {
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kb / 1024;
}

async function interleavedSlices(tripline: Target, ceiling: Target, sequences: number[], paceRate: number | undefined, shared?: SharedRun): Promise<[Phase, Phase, Phase]> {
  const ours = emptyPhase();
  const theirs = emptyPhase();
  const onPostgres = emptyPhase();
  for (let round = 0; round < ROUNDS; round++) {
    addPhase(ours, await withCpu(tripline, () => runMonitoredPhase(tripline.pool, sequences, SECONDS / ROUNDS, paceRate, CONCURRENCY)));
    if (shared) addPhase(onPostgres, await withCpu(shared.target, () => runMonitoredPhase(shared.target.pool, shared.sequences, SECONDS / ROUNDS, paceRate, CONCURRENCY)));
    addPhase(theirs, await withCpu(ceiling, () => runPhase(ceiling.pool, sequences, SECONDS / ROUNDS, paceRate, CONCURRENCY)));
  }
  return [ours, theirs, onPostgres];
}

/** `run`'s phase with the CPU its server's threads and this process used meanwhile (Phase.cpu). */
async function withCpu(target: Target, run: () => Promise<Phase>): Promise<Phase> {
  const pid = target.process.pid!;
  const before = { process: cpuSeconds(pid), loop: processCpuSeconds(pid, pid)?.cpu ?? 0, generator: process.cpuUsage(), clock: performance.now() };
  const phase = await run();
  const loop = (processCpuSeconds(pid, pid)?.cpu ?? 0) - before.loop;
  const generator = process.cpuUsage(before.generator);
  const clock = (performance.now() - before.clock) / 1000;
  phase.cpu = { loop, otherThreads: cpuSeconds(pid) - before.process - loop, generator: (generator.user + generator.system) / 1e6, clock };
  return phase;
}

/**
 * Each side's share of its slices' clock at saturation: the server's event loop's thread, its other
 * threads, the load generator. Which of them is near 100 % is what that side's reports/s measure.
 */
function machineShares(name: string, phase: Phase): string {
  const cpu = phase.cpu;
  if (cpu === undefined || !(cpu.clock > 0)) return `${name}: no CPU figures`;
  const share = (seconds: number) => `${Math.round((100 * seconds) / cpu.clock)} %`;
  return `${name}'s event loop ${share(cpu.loop)}, its other threads ${share(cpu.otherThreads)}, the load generator ${share(cpu.generator)}`;
}

/** The collector on PostgreSQL and its agents' sequence numbers (its store is its own). */
interface SharedRun {
  target: Target;
  sequences: number[];
}

/** Clock ticks per second of /proc's CPU times. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * user + system CPU seconds of a process and of its children it has reaped, from /proc/<pid>/stat
 * (with `thread`, of that thread alone: /proc/<pid>/task/<thread>/stat); undefined once it is gone.
 */
function processCpuSeconds(pid: number, thread?: number): { cpu: number; parent: number } | undefined {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // after the command name in parentheses: state, ppid, ... utime (14), stime, cutime, cstime
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { cpu: ticks / CLOCK_TICKS, parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by `pid`, and with `children` by its live child processes too (PostgreSQL's backends and workers). */
function cpuSeconds(pid: number, children = false): number {
  let total = processCpuSeconds(pid)?.cpu ?? 0;
  if (children) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const child = processCpuSeconds(Number(entry));
      if (child?.parent === pid) total += child.cpu;
    }
  }
  return total;
}

/** A process's I/O counters (/proc/<pid>/io): bytes and calls of read and write, sockets and files alike. */
function ioCounters(pid: number): { rchar: number; wchar: number; syscr: number; syscw: number } {
  const fields = Object.fromEntries(readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n').map((line) => line.split(': ')).map(([k, v]) => [k, Number(v)]));
  return { rchar: fields.rchar ?? 0, wchar: fields.wchar ?? 0, syscr: fields.syscr ?? 0, syscw: fields.syscw ?? 0 };
}

/** The median time the event loop waits for one store call that reads one row (1,000 calls after 100 of warm-up). */
function storeCallMicros(store: Store): number {
  const times: number[] = [];
  for (let i = 0; i < 1100; i++) {
    const start = process.hrtime.bigint();
    store.statusNotice();
    if (i >= 100) times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

/** The collector config of this bench; `store` adds the store section, `history` lines of collector settings (--maintenance's). */
function benchConfig(dataDir: string, port: number, store = '', history: readonly string[] = []): string {
  return [
    `dataDir: ${dataDir}`,
    store,
    'log: { level: warn }',
    'collector:',
    `  listen: { host: 127.0.0.1, port: ${port} }`,
    `  agentTokens: ['${TOKEN}']`,
    `  limits: { maxConnections: ${LIMITS.maxConnections}, maxConcurrentReports: ${LIMITS.maxConcurrentReports} }`,
    ...(values['max-batch'] === undefined ? [] : [`  batch: { maxReports: ${Number(values['max-batch'])} }`]),
    ...(values['heap-growth'] === undefined ? [] : [`  heapGrowthPercent: ${Number(values['heap-growth'])}`]),
    ...(values['checkpoint-thread-hosts'] === undefined ? [] : [`  checkpointThreadHosts: ${Number(values['checkpoint-thread-hosts'])}`]),
    ...history.map((line) => `  ${line}`),
    // No pings of silent hosts from a bench (every test and bench config turns them off).
    'incidents:',
    '  reachability: { enabled: false }',
    '',
  ].join('\n');
}

const rateOf = (phase: Phase) => phase.reports / phase.seconds;

/** How often a seeded host reported: the design's 15 s (the paced phase visits each agent about so often). */
const SEEDED_INTERVAL_MS = 15_000;

/**
 * Stores, before the collector starts, what agents 0 to hosts - 1 would have sent from `fromMs`
 * until now (their reports through reportToRecord and the store, as ingest stores them, the fleet's
 * reports of each 15 s in one transaction), and advances their sequence numbers past it, so the
 * paced phases continue each host's history.
 */
function seedHistory(dataDir: string, sequences: number[], hosts: number, fromMs: number): { reports: number; samples: number; seconds: number } {
  const started = performance.now();
  mkdirSync(dataDir, { recursive: true });
  const store = openSqliteStore({ file: databasePath(dataDir) });
  const nowMs = Date.now();
  let reports = 0;
  let samples = 0;
  try {
    for (let atMs = fromMs; atMs < nowMs - SEEDED_INTERVAL_MS; atMs += SEEDED_INTERVAL_MS) {
      store.transaction((tx) => {
        for (let agent = 0; agent < hosts; agent++) {
          const record = reportToRecord(benchReport(agent, ++sequences[agent]!, new Date(atMs).toISOString(), DECLARED_INTERVAL_S), atMs);
          tx.insertReport(record);
          reports++;
          samples += record.samples.length;
        }
      });
    }
  } finally {
    store.close();
  }
  return { reports, samples, seconds: (performance.now() - started) / 1000 };
}

/** Seconds since the collector's last history pass ended (tripline_history_pass_age_seconds); undefined while its first pass has not ended. */
async function historyPassAgeSeconds(pool: Pool): Promise<number | undefined> {
  return sampleOf(await scrapeMetrics(pool), 'tripline_history_pass_age_seconds');
}

/** The collector's history steps so far (tripline_history_step_seconds), by step: how many, their total seconds, and how many took over 25 and over 50 ms. */
interface HistorySteps {
  [step: string]: { count: number; seconds: number; over25: number; over50: number };
}

async function historySteps(pool: Pool): Promise<HistorySteps> {
  const text = await scrapeMetrics(pool);
  const steps: HistorySteps = {};
  const of = (step: string) => (steps[step] ??= { count: 0, seconds: 0, over25: 0, over50: 0 });
  const within = new Map<string, number>();
  for (const [, name, labels, value] of text.matchAll(/^tripline_history_step_seconds_(bucket|sum|count)\{([^}]*)\} (\S+)$/gm)) {
    const step = /step="([^"]+)"/.exec(labels!)?.[1] ?? '?';
    const le = /le="([^"]+)"/.exec(labels!)?.[1];
    if (name === 'count') of(step).count = Number(value);
    else if (name === 'sum') of(step).seconds = Number(value);
    else if (le === '0.025' || le === '0.05') within.set(`${step} ${le}`, Number(value));
  }
  for (const [step, totals] of Object.entries(steps)) {
    totals.over25 = totals.count - (within.get(`${step} 0.025`) ?? 0);
    totals.over50 = totals.count - (within.get(`${step} 0.05`) ?? 0);
  }
  return steps;
}

/** The history steps between two readings of historySteps, one line. */
function describeHistorySteps(before: HistorySteps, after: HistorySteps): string {
  const parts = Object.entries(after).map(([step, total]) => {
    const was = before[step] ?? { count: 0, seconds: 0, over25: 0, over50: 0 };
    const count = total.count - was.count;
    return `${step} ${count} (${((total.seconds - was.seconds) * 1000).toFixed(0)} ms; ${total.over25 - was.over25} over 25 ms, ${total.over50 - was.over50} over 50 ms)`;
  });
  return `history steps in the phase: ${parts.length === 0 ? 'none' : parts.join(', ')}`;
}

/** --maintenance: the paced phase while the collector's first history pass compacts and prunes the seeded history, and again after it (see the module comment). */
async function maintenanceMain(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-bench-'));
  const port = await freePort();
  const configFile = join(dir, 'tripline.yaml');
  const dataDir = join(dir, 'data');
  // Nothing due while the agents' first reports create their hosts and series, as they would have long before.
  writeFileSync(configFile, benchConfig(dataDir, port, '', ['compactAfter: 24h']));
  const sequences = new Array<number>(AGENTS).fill(0);
  let tripline: Target | undefined;
  let ceiling: Target | undefined;
  try {
    console.log(`Tripline ingest during history maintenance: ${AGENTS} simulated agents, 60 observations per report, gzip, one collector process on loopback`);
    console.log(`machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}, load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
    const seeded = seedHistory(dataDir, sequences, MAINTENANCE_HOSTS, Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000);
    console.log(
      `seeded: ${MAINTENANCE_HOSTS} hosts' last two clock hours and this one, a report every 15 s: ${seeded.reports.toLocaleString('en')} reports, ${seeded.samples.toLocaleString('en')} samples in ${seeded.seconds.toFixed(1)} s ` +
        `(the two complete hours are due for compaction; raw history and rollups older than 90 minutes for pruning)`,
    );
    const start = () => startCollector('the collector', configFile, port);
    tripline = await start();
    const warmUp = await runMonitoredPhase(tripline.pool, sequences, 3600, undefined, CONCURRENCY, AGENTS);
    console.log(describePhase('first report of every agent', warmUp) + '  (creates the other hosts; nothing due for the history pass; not measured)');
    await stopTarget(tripline);
    writeFileSync(configFile, benchConfig(dataDir, port, '', ['compactAfter: 1m', 'retention: 90m', 'rollupRetention: 90m']));
    const startedMs = performance.now();
    tripline = await start();
    console.log(`collector restarted with compactAfter 1m and retention 90m in ${((performance.now() - startedMs) / 1000).toFixed(1)} s; its first history pass begins a minute after its start`);
    const seconds = () => ((performance.now() - startedMs) / 1000).toFixed(0);
    const passBegun = async (pool: Pool) => Object.values(await historySteps(pool)).some((step) => step.count > 0);
    let settling = emptyPhase();
    while (performance.now() - startedMs < WARM_UP_S * 1000 || !(await passBegun(tripline.pool))) {
      if (performance.now() - startedMs > 10 * 60_000) throw new Error('the history pass did not begin within 10 minutes of the collector\'s start');
      settling = addPhase(settling, await runMonitoredPhase(tripline.pool, sequences, 1, PACED_RATE, CONCURRENCY));
    }
    console.log(describePhase(`paced at ${PACED_RATE.toFixed(0)}/s until the pass began, ${seconds()} s after the start`, settling) + '  (not measured)');
    ceiling = await startCeiling();
    if ((await historyPassAgeSeconds(tripline.pool)) !== undefined) {
      throw new Error(`the history pass ended before the measured phase began, within ${seconds()} s of the collector's start: give --maintenance more hosts`);
    }
    const stepsBefore = await historySteps(tripline.pool);
    const [during, ceilingDuring] = await interleaved(tripline, ceiling, sequences, PACED_RATE);
    const stepsAfter = await historySteps(tripline.pool);
    const passEndedEarly = (await historyPassAgeSeconds(tripline.pool)) !== undefined;
    console.log(describePhase(`paced at ${PACED_RATE.toFixed(0)}/s, history pass running`, during) + (passEndedEarly ? '  (the pass ended during the last slice: give --maintenance more hosts)' : ''));
    console.log(describeHistorySteps(stepsBefore, stepsAfter));
    console.log(describePhase(`ceiling: paced at ${PACED_RATE.toFixed(0)}/s`, ceilingDuring));
    for (;;) {
      const age = await historyPassAgeSeconds(tripline.pool);
      if (age !== undefined) {
        console.log(`history pass ended ${((performance.now() - startedMs) / 1000 - age).toFixed(0)} s after the collector started`);
        break;
      }
      if (performance.now() - startedMs > 30 * 60_000) throw new Error('the history pass ran for more than 30 minutes');
      await new Promise((ok) => setTimeout(ok, 1000));
    }
    // The control: the same phase on the same collector, with nothing left to compact or prune.
    const [after, ceilingAfter] = await interleaved(tripline, ceiling, sequences, PACED_RATE);
    console.log(describePhase(`paced at ${PACED_RATE.toFixed(0)}/s, pass ended, nothing due`, after));
    console.log(describePhase(`ceiling: paced at ${PACED_RATE.toFixed(0)}/s`, ceilingAfter));
    const p99 = (phase: Phase) => percentile(phase.latenciesMs, 99).toFixed(1);
    console.log(
      `paced ack p99 while the history pass compacts and prunes ${p99(during)} ms (longest stall ${during.loopMaxMs?.toFixed(0)} ms; the ceiling's p99 ${p99(ceilingDuring)} ms), ` +
        `with nothing due ${p99(after)} ms (longest stall ${after.loopMaxMs?.toFixed(0)} ms; the ceiling's ${p99(ceilingAfter)} ms); target: p99 under 50 ms while it runs`,
    );
  } finally {
    await stopTarget(tripline);
    await stopTarget(ceiling);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-bench-'));
  const port = await freePort();
  const configFile = join(dir, 'tripline.yaml');
  // --hot-minutes: nothing due for compaction while the seeded window and the phases' reports stay hot.
  writeFileSync(configFile, benchConfig(join(dir, 'data'), port, '', HOT_MINUTES > 0 ? ['compactAfter: 24h'] : []));
  let tripline: Target | undefined;
  let ceiling: Target | undefined;
  let cluster: PostgresCluster | undefined;
  let shared: SharedRun | undefined;
  const sequences = new Array<number>(AGENTS).fill(0);
  try {
    if (HOT_MINUTES > 0) {
      const seeded = seedHistory(join(dir, 'data'), sequences, AGENTS, Date.now() - HOT_MINUTES * 60_000);
      console.log(`seeded a hot window: every agent's last ${HOT_MINUTES} minutes, a report every 15 s: ${seeded.reports.toLocaleString('en')} reports in ${seeded.seconds.toFixed(1)} s; nothing due for compaction (compactAfter 24h)`);
    }
    tripline = await startCollector('the collector', configFile, port);
    if (values.postgres) {
      cluster = await startPostgresCluster({ durable: true });
      cluster.createDatabase('bench');
      const sharedPort = await freePort();
      const sharedConfig = join(dir, 'postgres.yaml');
      writeFileSync(sharedConfig, benchConfig(join(dir, 'data-postgres'), sharedPort, `store: { postgres: { url: '${cluster.url('bench')}' } }`));
      const target = await startCollector('the collector on PostgreSQL', sharedConfig, sharedPort, { TRIPLINE_POSTGRES_PASSWORD: cluster.password });
      shared = { target, sequences: new Array<number>(AGENTS).fill(0) };
    }
    ceiling = await startCeiling();
    console.log(`Tripline ingest benchmark: ${AGENTS} simulated agents, 60 observations per report, gzip, one collector process on loopback`);
    console.log(`machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}, load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}; agents declare a ${DECLARED_INTERVAL_S} s interval; collector.limits maxConnections ${LIMITS.maxConnections}, maxConcurrentReports ${LIMITS.maxConcurrentReports}; after the first reports the fleet reports ${CYCLE_ORDER === undefined ? 'in the order its hosts were first seen' : 'in a random order (--shuffled)'}`);
    const warmUp = await runMonitoredPhase(tripline.pool, sequences, 3600, undefined, CONCURRENCY, AGENTS);
    console.log(describePhase('first report of every agent', warmUp) + '  (creates hosts and series)');
    const walAtStart = cluster ? walBytes(cluster) : 0n;
    if (shared) console.log(describePhase('PostgreSQL: first report of every agent', await runMonitoredPhase(shared.target.pool, shared.sequences, 3600, undefined, CONCURRENCY, AGENTS)));
    const walAfterFirst = cluster ? walBytes(cluster) : 0n;
    const sharedRssAfterFirst = shared ? rssMb(shared.target.process.pid!) : 0;
    const rssAfterFirst = rssMb(tripline.process.pid!);
    if (SETTLE_S > 0) {
      console.log(describePhase(`settling: paced at ${PACED_RATE.toFixed(0)}/s for ${SETTLE_S} s`, await runMonitoredPhase(tripline.pool, sequences, SETTLE_S, PACED_RATE, CONCURRENCY)) + '  (not measured)');
      if (shared) console.log(describePhase(`PostgreSQL: settling for ${SETTLE_S} s`, await runMonitoredPhase(shared.target.pool, shared.sequences, SETTLE_S, PACED_RATE, CONCURRENCY)) + '  (not measured)');
    }
    const walAfterSettling = cluster ? walBytes(cluster) : 0n;
    console.log(`measuring in ${ROUNDS} alternating slices of ${(SECONDS / ROUNDS).toFixed(1)} s each against the bare-parse ceiling server (gunzip and JSON.parse only)`);
    // CPU per report: what sizes a fleet on other machines better than reports/s on a shared one.
    // The ceiling's too: it does a fixed part of the collector's work (inflate, parse, answer), so a
    // run whose ceiling also costs more per report was a slower machine, not slower code.
    // The event loop's thread apart (a process's main thread has the process's id): what the collector's other
    // threads do (V8's collector, the log's checkpoints, the thread pool's work) does not hold a report.
    const cpu = () => ({ sqlite: cpuSeconds(tripline!.process.pid!), sqliteLoop: processCpuSeconds(tripline!.process.pid!, tripline!.process.pid!)?.cpu ?? 0, postgres: shared ? cpuSeconds(shared.target.process.pid!) : 0, server: cluster ? cpuSeconds(cluster.serverPid(), true) : 0, ceiling: cpuSeconds(ceiling!.process.pid!) });
    const cpuBefore = cpu();
    const ioBefore = ioCounters(tripline.process.pid!);
    const [saturation, ceilingSaturation, sharedSaturation] = await interleaved(tripline, ceiling, sequences, undefined, shared);
    const cpuAfter = cpu();
    const ioAfter = ioCounters(tripline.process.pid!);
    console.log(describePhase(`saturation (${CONCURRENCY} in flight)`, saturation));
    if (shared) console.log(describePhase(`PostgreSQL: saturation (${CONCURRENCY} in flight)`, sharedSaturation));
    const perReport = (seconds: number, phase: Phase) => ((seconds * 1000) / Math.max(1, phase.reports)).toFixed(2);
    console.log(
      `CPU per report at saturation (user + system, over all slices): SQLite collector ${perReport(cpuAfter.sqlite - cpuBefore.sqlite, saturation)} ms (its event loop's thread ${perReport(cpuAfter.sqliteLoop - cpuBefore.sqliteLoop, saturation)} ms)` +
        (shared ? `; PostgreSQL collector ${perReport(cpuAfter.postgres - cpuBefore.postgres, sharedSaturation)} ms, PostgreSQL server ${perReport(cpuAfter.server - cpuBefore.server, sharedSaturation)} ms` : '') +
        `; the ceiling server ${perReport(cpuAfter.ceiling - cpuBefore.ceiling, ceilingSaturation)} ms`,
    );
    // What the store costs in calls: the WAL's frames, the checkpoints that copy them into the database and the page cache's misses, beside the sockets' reads and writes.
    const perSaturationReport = (n: number) => n / Math.max(1, saturation.reports);
    console.log(
      `the SQLite collector's reads and writes per report at saturation (/proc/<pid>/io, sockets and files): written ${(perSaturationReport(ioAfter.wchar - ioBefore.wchar) / 1024).toFixed(1)} kB in ${perSaturationReport(ioAfter.syscw - ioBefore.syscw).toFixed(1)} calls, ` +
        `read ${(perSaturationReport(ioAfter.rchar - ioBefore.rchar) / 1024).toFixed(1)} kB in ${perSaturationReport(ioAfter.syscr - ioBefore.syscr).toFixed(1)} calls`,
    );
    console.log(describePhase(`ceiling: saturation`, ceilingSaturation));
    console.log(
      `the machine at saturation, as shares of each side's slices: ${machineShares('the SQLite collector', saturation)}` +
        (shared ? `; ${machineShares('the PostgreSQL collector', sharedSaturation)} (the PostgreSQL server apart)` : '') +
        `; ${machineShares('the ceiling server', ceilingSaturation)} (a side near 100 % in one of them is bound by it)`,
    );
    const walAfterSaturation = cluster ? walBytes(cluster) : 0n;
    const fullPagesBeforePaced = cluster ? walFullPages(cluster) : 0;
    const [paced, ceilingPaced, sharedPaced] = await interleaved(tripline, ceiling, sequences, PACED_RATE, shared);
    const walAfterPaced = cluster ? walBytes(cluster) : 0n;
    const fullPagesInPaced = cluster ? walFullPages(cluster) - fullPagesBeforePaced : 0;
    console.log(describePhase(`paced at ${PACED_RATE.toFixed(0)}/s${values.rate === undefined ? ` (${AGENTS} agents / 15 s)` : ''}`, paced));
    if (shared) console.log(describePhase(`PostgreSQL: paced at ${PACED_RATE.toFixed(0)}/s`, sharedPaced));
    console.log(describePhase(`ceiling: paced at ${PACED_RATE.toFixed(0)}/s`, ceilingPaced));
    if (shared && cluster) {
      console.log(
        `PostgreSQL / SQLite at saturation: ${(rateOf(sharedSaturation) / rateOf(saturation)).toFixed(2)}x; paced ack p99 ${percentile(sharedPaced.latenciesMs, 99).toFixed(1)} ms against SQLite's ${percentile(paced.latenciesMs, 99).toFixed(1)} ms`,
      );
      const sqlite = openSqliteStore({ file: join(dir, 'calls.db') });
      const postgres = openPostgresStore({ url: cluster.url('bench'), password: cluster.password });
      console.log(`event loop blocked per store call (one row read, median of 1,000, this process): SQLite ${storeCallMicros(sqlite).toFixed(0)} µs, PostgreSQL ${storeCallMicros(postgres).toFixed(0)} µs (one bridge crossing and one server round trip)`);
      sqlite.close();
      postgres.close();
      const walPerReport = (bytes: bigint, phase: Phase) => `${(Number(bytes) / 1024 / Math.max(1, phase.reports)).toFixed(1)} kB`;
      console.log(
        `PostgreSQL WAL per report (pg_current_wal_lsn over the phase, durable commits, full_page_writes on): first reports ${walPerReport(walAfterFirst - walAtStart, { ...emptyPhase(), reports: AGENTS })}, ` +
          `saturation ${walPerReport(walAfterSaturation - walAfterSettling, sharedSaturation)}, paced ${walPerReport(walAfterPaced - walAfterSaturation, sharedPaced)} ` +
          `(full-page images while paced: ${(fullPagesInPaced / Math.max(1, sharedPaced.reports)).toFixed(2)} per report)`,
      );
      const databaseMb = Number(cluster.psql('postgres', "SELECT pg_database_size('bench')").trim()) / 1024 / 1024;
      const stored = shared ? shared.sequences.reduce((sum, n) => sum + n, 0) : 0;
      console.log(`PostgreSQL database: ${databaseMb.toFixed(0)} MB for ${stored} reports of ${AGENTS} agents (${((databaseMb * 1024) / AGENTS).toFixed(1)} kB per agent, hot reports not yet compacted); server memory (PSS of the postmaster and its backends): ${serverPssMb(cluster.serverPid()).toFixed(0)} MB`);
      const sharedRss = rssMb(shared!.target.process.pid!);
      const sharedSampled = [...sharedRssSamplesMb].sort((a, b) => a - b);
      console.log(
        `PostgreSQL collector RSS: ${sharedRssAfterFirst.toFixed(0)} MB after the first reports, ${sharedRss.toFixed(0)} MB at the end = ${((sharedRss * 1024) / AGENTS).toFixed(1)} kB per agent; ` +
          `once a second over the measured phases: median ${percentile(sharedSampled, 50).toFixed(0)} MB (${((percentile(sharedSampled, 50) * 1024) / AGENTS).toFixed(1)} kB per agent), ${sharedSampled[0]?.toFixed(0)}-${sharedSampled.at(-1)?.toFixed(0)} MB`,
      );
    }
    const rss = rssMb(tripline.process.pid!);
    const heap = await heapMb(tripline.pool);
    const parts = rssParts(tripline.process.pid!);
    const sampled = [...rssSamplesMb].sort((a, b) => a - b);
    const perAgentKb = (mb: number) => `${((mb * 1024) / AGENTS).toFixed(1)} kB`;
    console.log(`collector RSS: ${rssAfterFirst.toFixed(0)} MB after the first reports, ${rss.toFixed(0)} MB at the end = ${perAgentKb(rss)} per agent; once a second over the measured phases: median ${percentile(sampled, 50).toFixed(0)} MB (${perAgentKb(percentile(sampled, 50))} per agent), ${sampled[0]?.toFixed(0)}-${sampled.at(-1)?.toFixed(0)} MB`);
    const spaces = [...heap.spacesMb].filter(([, mb]) => mb >= 0.5).map(([space, mb]) => `${space} ${mb.toFixed(0)}`).join(', ');
    console.log(`  at the end: V8 heap ${heap.usedMb.toFixed(0)} MB used of ${heap.totalMb.toFixed(0)} MB (spaces, MB: ${spaces}), external ${heap.externalMb.toFixed(0)} MB; malloc arena [heap] ${parts.mallocMb.toFixed(0)} MB; node binary ${parts.binaryMb.toFixed(0)} MB; anonymous mappings (V8 pages, other arenas) ${parts.anonymousMb.toFixed(0)} MB`);
    console.log(`incidents active at the end: ${await activeIncidents(tripline.pool)} (a healthy fleet: 0 expected)${describeIncidents(join(dir, 'data'))}`);
    console.log(`Tripline / bare-parse ceiling at saturation: ${(rateOf(saturation) / rateOf(ceilingSaturation)).toFixed(2)}x; saturation / design target of ${TARGET_RATE.toFixed(0)} reports/s: ${(rateOf(saturation) / TARGET_RATE).toFixed(2)}x; paced ack p99 ${percentile(paced.latenciesMs, 99).toFixed(1)} ms against the ceiling's ${percentile(ceilingPaced.latenciesMs, 99).toFixed(1)} ms (collector's event loop while paced: longest stall ${paced.loopMaxMs?.toFixed(0)} ms, delay p99 ${paced.loopP99Ms?.toFixed(0)} ms)`);
  } finally {
    await stopTarget(tripline);
    await stopTarget(shared?.target);
    await stopTarget(ceiling);
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await (MAINTENANCE_HOSTS > 0 ? maintenanceMain() : main());
