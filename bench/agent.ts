/**
 * `npm run bench:agent`: the agent's default probe set and Debian's prometheus-node-exporter, side by
 * side on this machine, for the same number of cycles at the same cadence (one report / one scrape
 * per second). Prints, for each: CPU milliseconds per cycle including child processes (utime +
 * stime + cutime + cstime of /proc/<pid>/stat), minor page faults, RSS (VmRSS; the steady size is
 * the largest at the end of a round) and the start-up peak (VmHWM), child processes spawned, and the
 * agent's worst event-loop delay (its own agent_event_loop_delay_max_seconds); then each figure
 * against issue 15's targets. Figures only; nothing is asserted.
 *
 * The agent is the compiled CLI as shipped (`tripline-agent`, dist/cli/agentMain.js, with the Node
 * flags of its first line, which the systemd unit uses too) reporting to a stub collector in this
 * process, with the spawn counter preloaded; the stub names series sets and reads compact reports
 * back as the collector does (stubSeriesSets.ts), its answers framed as the collector's (with a
 * content-length: agentStubCollector.ts), and the bench prints a report's bytes as POSTed
 * and in full. Not in the default cycle, turned off here and said so in the output: the gateway
 * ping (one `ping` per ping interval) and inventory/SMART (a systeminformation child per hour);
 * Nagios plugins and systemctl run only when configured.
 * Beside them runs Node's floor for a cycle (agentFloor.ts): a process with the agent's Node flags
 * that only wakes once a second and POSTs the bytes of the agent's report to the same stub over a
 * kept-open connection, reading the answer; its column and the lines under the ratios say how much
 * of the agent's cycle is that floor, and how much is left for its own work at 0.1x node_exporter's.
 * And a bare agent (agentBare.ts), with the same flags: the files the agent has open read once a
 * second, the same mount points asked, the default probes' numbers taken out with plain loops and
 * POSTed as values, nothing else: what this host's data costs a Node process, so that the agent's
 * cost above it is that of its structure (probes, observations, checks, series sets, bookkeeping).
 * CPU is the sum of every thread's run time in /proc/<pid>/task/<tid>/schedstat (nanoseconds) plus
 * reaped children's utime + stime (clock ticks), taken over the same windows for every process. A
 * thread that ends inside a window takes its time with it from schedstat, so such a window falls
 * back to /proc/<pid>/stat (10 ms ticks, dead threads included) and says so.
 * The measured cycles are split into rounds; the ratio of the whole run is the verdict, the rounds
 * show how much it moves (node_exporter's cost per scrape varies by a third from run to run here).
 * With `--executable FILE` (the self-contained agent of `npm run package`, build/agent/tripline-agent),
 * that executable runs too, side by side with the other two, as its systemd unit runs it, and gets
 * its own column; its child processes are not counted (a single
 * executable takes no --import). For each agent the bench also prints its start time: from spawn to
 * its first report at the stub collector.
 * Options: --cycles N per round (default 24), --rounds N (default 5), --warmup N (default 35
 * cycles, one per second, for each process: past V8's memory reducer; the agent's are 3 more, as the
 * floor and the bare agent start after its third report), --executable FILE.
 * TRIPLINE_BENCH_NODE_ARGS adds node flags to the compiled agent, the floor and the bare agent.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { agentNodeFlags, packageRoot } from '../config/packageInfo.js';
import { bareSpecOf, descriptorTargets, type BareSpec } from './agentBareSpec.js';
import { BARE_PATH, FLOOR_PATH, startStubCollector, writeBenchAgentConfig, type StubCollector } from './agentStubCollector.js';
import { cpuBetween, cpuSample, rssMb } from './processCpu.js';

const { values } = parseArgs({
  options: { cycles: { type: 'string', default: '24' }, rounds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '35' }, executable: { type: 'string' } },
});
const CYCLES_PER_ROUND = Number(values.cycles);
const ROUNDS = Number(values.rounds);
const CYCLES = CYCLES_PER_ROUND * ROUNDS;
/** Warm-up cycles (seconds) for each process: startup work (module loading, compilation, V8's post-start GCs) is not a cycle's cost. */
const WARMUP = Number(values.warmup);
const NODE_ARGS = (process.env.TRIPLINE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
/** The warm-up cycle after which the floor starts, sending the size of the agent's reports by then (compact ones); after the warm-up when it is shorter. */
const FLOOR_STARTS_AFTER = 3;
/**
 * The agent's warm-up cycles: WARMUP more after the floor and the bare agent start, so that they get
 * as many as it does. WARMUP is 35 by default because a Node process's first half-minute holds V8's
 * memory reducer (compacting collections 8-34 s after start, once the process allocates little):
 * the bare agent's reducer came 27 s after its start (22.5 ms of CPU in those 5 s against 4-6 in
 * the others), and with 20 cycles of warm-up its first round cost 1.4-1.5 ms a cycle against 0.8-0.9.
 */
const AGENT_WARMUP = WARMUP > FLOOR_STARTS_AFTER ? WARMUP + FLOOR_STARTS_AFTER : WARMUP;

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function askSpawned(agent: ChildProcess): Promise<string[]> {
  return new Promise((resolve) => {
    agent.once('message', (message) => resolve((message as { spawned: string[] }).spawned));
    agent.send('spawned?');
  });
}

async function main(): Promise<void> {
  const root = packageRoot();
  // The shipped agent entry point, run with the Node flags of its first line (as the systemd unit).
  const cli = join(root, 'dist/cli/agentMain.js');
  const shippedFlags = agentNodeFlags(cli);
  const counter = join(root, 'dist/bench/spawnCounter.js');
  if (!existsSync(NODE_EXPORTER)) throw new Error(`${NODE_EXPORTER} is missing: apt-get install prometheus-node-exporter (scripts/install-system-packages.sh)`);
  const executablePath = values.executable;
  if (executablePath !== undefined && !existsSync(executablePath)) throw new Error(`${executablePath} is missing: npm run package builds build/agent/tripline-agent`);
  const dir = mkdtempSync(join(tmpdir(), 'tripline-bench-agent-'));
  const collector = await startStubCollector();
  const configFile = join(dir, 'tripline.yaml');
  writeBenchAgentConfig(configFile, join(dir, 'data'), collector.url, 'bench-agent');
  const exporterPort = await freePort();
  const exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${exporterPort}`], { stdio: ['ignore', 'ignore', 'ignore'] });
  const agentSpawnedAt = performance.now();
  const agent = fork(cli, ['--config', configFile], { execArgv: ['--import', counter, ...shippedFlags, ...NODE_ARGS], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  // The self-contained executable, with its unit's environment, reporting to its own stub.
  const executableCollector = executablePath === undefined ? undefined : await startStubCollector();
  let executable: ChildProcess | undefined;
  let executableSpawnedAt = 0;
  if (executablePath !== undefined && executableCollector !== undefined) {
    const executableConfig = join(dir, 'executable.yaml');
    writeBenchAgentConfig(executableConfig, join(dir, 'executable-data'), executableCollector.url, 'bench-executable');
    executableSpawnedAt = performance.now();
    executable = spawn(executablePath, ['--config', executableConfig], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  let floor: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  let bareSpec: BareSpec | undefined;
  // Whatever ends this process (an uncaught error included), the children must not outlive it.
  process.once('exit', () => {
    floor?.kill('SIGKILL');
    bare?.kill('SIGKILL');
    agent.kill('SIGKILL');
    executable?.kill('SIGKILL');
    exporter.kill('SIGKILL');
  });
  // A signal ends a Node process without 'exit' unless it is handled: turn it into an exit.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(1));
  let floorBytes = 0;
  const startFloor = () => {
    floorBytes = collector.bodyBytes.at(-1)!;
    const port = new URL(collector.url).port;
    floor = spawn(process.execPath, [...shippedFlags, ...NODE_ARGS, join(root, 'dist/bench/agentFloor.js'), port, FLOOR_PATH, String(floorBytes)], { stdio: ['ignore', 'ignore', 'inherit'] });
    // The bare agent reads what the agent has open by now (its /proc files are kept open from the first cycle).
    bareSpec = bareSpecOf(descriptorTargets(agent.pid!), agent.pid!, collector.reports.at(-1)!);
    collector.bareValues = bareSpec.values;
    bare = spawn(process.execPath, [...shippedFlags, ...NODE_ARGS, join(root, 'dist/bench/agentBare.js'), port, BARE_PATH, JSON.stringify(bareSpec)], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${exporterPort}/metrics`);
    return (await response.text()).length;
  };
  try {
    for (let tries = 0; ; tries++) {
      try {
        await scrape();
        break;
      } catch {
        if (tries > 100) throw new Error('node_exporter did not start');
        await sleep(100);
      }
    }
    for (let i = 1; i <= AGENT_WARMUP; i++) {
      await scrape();
      await waitFor(`agent warm-up report ${i}`, () => collector.reports.length >= i, 30_000);
      if (executableCollector) await waitFor(`executable warm-up report ${i}`, () => executableCollector.reports.length >= i, 30_000);
      if (i === FLOOR_STARTS_AFTER) startFloor();
      await sleep(1000);
    }
    // With fewer warm-up cycles, once the agent's first report says how many bytes to send.
    if (floor === undefined) {
      await waitFor('the agent\'s first report', () => collector.bodyBytes.length > 0, 30_000);
      startFloor();
    }
    await waitFor('the floor\'s first POST', () => collector.floorPosts > 0, 10_000);
    await waitFor('the bare agent\'s first report', () => collector.barePosts > 0 || (bare as ChildProcess | undefined)?.exitCode != null, 10_000);
    const theFloor = floor as ChildProcess | undefined;
    if (theFloor === undefined || theFloor.exitCode !== null) throw new Error(`the floor exited with ${theFloor?.exitCode}`);
    const theBare = bare as ChildProcess | undefined;
    if (theBare === undefined || theBare.exitCode !== null) throw new Error(`the bare agent exited with ${theBare?.exitCode}`);

    const spawnedBefore = (await askSpawned(agent)).length;
    const firstMeasured = collector.reports.length;
    const executableFirstMeasured = executableCollector?.reports.length ?? 0;
    let scrapeBytes = 0;
    const rounds: {
      agent: ReturnType<typeof cpuBetween>;
      exporter: ReturnType<typeof cpuBetween>;
      floor: ReturnType<typeof cpuBetween>;
      floorPosts: number;
      bare: ReturnType<typeof cpuBetween>;
      barePosts: number;
      executable?: ReturnType<typeof cpuBetween>;
    }[] = [];
    const started = performance.now();
    /** The agent's RSS at the end of each round: its steady size. */
    const steadyRssMb: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const agentStart = cpuSample(agent.pid!);
      const exporterStart = cpuSample(exporter.pid!);
      const floorStart = cpuSample(theFloor.pid!);
      const floorPostsStart = collector.floorPosts;
      const bareStart = cpuSample(theBare.pid!);
      const barePostsStart = collector.barePosts;
      const executableStart = executable ? cpuSample(executable.pid!) : undefined;
      for (let i = round * CYCLES_PER_ROUND; i < (round + 1) * CYCLES_PER_ROUND; i++) {
        scrapeBytes = await scrape();
        await waitFor(`agent report ${firstMeasured + i + 1}`, () => collector.reports.length >= firstMeasured + i + 1, 10_000);
        if (executableCollector) await waitFor(`executable report ${executableFirstMeasured + i + 1}`, () => executableCollector.reports.length >= executableFirstMeasured + i + 1, 10_000);
        const nextAt = started + (i + 1) * 1000;
        await sleep(Math.max(0, nextAt - performance.now()));
      }
      steadyRssMb.push(rssMb(agent.pid!).rss);
      rounds.push({
        agent: cpuBetween(agentStart, cpuSample(agent.pid!)),
        exporter: cpuBetween(exporterStart, cpuSample(exporter.pid!)),
        floor: cpuBetween(floorStart, cpuSample(theFloor.pid!)),
        floorPosts: collector.floorPosts - floorPostsStart,
        bare: cpuBetween(bareStart, cpuSample(theBare.pid!)),
        barePosts: collector.barePosts - barePostsStart,
        ...(executable && executableStart ? { executable: cpuBetween(executableStart, cpuSample(executable.pid!)) } : {}),
      });
    }
    const spawned = (await askSpawned(agent)).slice(spawnedBefore);
    const agentRss = rssMb(agent.pid!);
    const exporterRss = rssMb(exporter.pid!);
    const floorRss = rssMb(theFloor.pid!);
    if (theFloor.exitCode !== null) throw new Error(`the floor exited with ${theFloor.exitCode} during the measured cycles`);
    const bareRss = rssMb(theBare.pid!);
    if (theBare.exitCode !== null) throw new Error(`the bare agent exited with ${theBare.exitCode} during the measured cycles`);
    const executableRss = executable ? rssMb(executable.pid!) : undefined;
    const measured = collector.reports.slice(firstMeasured, firstMeasured + CYCLES);
    const loopDelays = measured.flatMap((r) => r.observations.filter((o) => o.metric === 'agent_event_loop_delay_max_seconds').map((o) => o.value));
    const selfCpu = measured.flatMap((r) => r.observations.filter((o) => o.metric === 'agent_cpu_seconds_total').map((o) => o.value));
    const observationsPerReport = measured.reduce((n, r) => n + r.observations.length, 0) / Math.max(1, measured.length);
    const meanOf = (list: number[]) => list.slice(firstMeasured, firstMeasured + CYCLES).reduce((n, b) => n + b, 0) / Math.max(1, measured.length);
    const compactBefore = collector.compactReports;

    const sum = (pick: (r: (typeof rounds)[number]) => number) => rounds.reduce((n, r) => n + pick(r), 0) / CYCLES;
    const a = { self: sum((r) => r.agent.self), children: sum((r) => r.agent.children) };
    const e = { self: sum((r) => r.exporter.self), children: sum((r) => r.exporter.children) };
    const agentTotal = a.self + a.children;
    const exporterTotal = e.self + e.children;
    // The floor per POST it made in the rounds' windows: its timer is its own, so a round holds one more or less than CYCLES_PER_ROUND.
    const floorPosts = rounds.reduce((n, r) => n + r.floorPosts, 0);
    const floorPer = (pick: (c: ReturnType<typeof cpuBetween>) => number) => rounds.reduce((n, r) => n + pick(r.floor), 0) / Math.max(1, floorPosts);
    const floorTotal = floorPer((c) => c.self + c.children);
    // The bare agent per report it made in the rounds' windows, as the floor.
    const barePosts = rounds.reduce((n, r) => n + r.barePosts, 0);
    const barePer = (pick: (c: ReturnType<typeof cpuBetween>) => number) => rounds.reduce((n, r) => n + pick(r.bare), 0) / Math.max(1, barePosts);
    const bareTotal = barePer((c) => c.self + c.children);
    const roundRatios = rounds.map((r) => (r.agent.self + r.agent.children) / (r.exporter.self + r.exporter.children));
    const imprecise = rounds.filter((r) => !r.agent.precise || !r.exporter.precise).length;
    const sortedDelaysMs = loopDelays.map((d) => d * 1000).sort((x, y) => x - y);
    const worstDelayMs = sortedDelaysMs.at(-1) ?? 0;
    const delayQuantile = (q: number) => sortedDelaysMs[Math.min(sortedDelaysMs.length - 1, Math.floor(q * sortedDelaysMs.length))] ?? NaN;
    const selfCpuPerCycle = selfCpu.length >= 2 ? ((selfCpu[selfCpu.length - 1]! - selfCpu[0]!) * 1000) / (selfCpu.length - 1) : NaN;
    const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
    const x = executable
      ? { self: sum((r) => r.executable!.self), children: sum((r) => r.executable!.children), faults: sum((r) => r.executable!.minorFaults) }
      : undefined;
    const startMs = (spawnedAt: number, stub: StubCollector | undefined) => (stub?.firstReportAt === undefined ? NaN : stub.firstReportAt - spawnedAt);

    console.log(`Tripline agent vs prometheus-node-exporter: ${CYCLES} cycles at 1/s (${ROUNDS} rounds of ${CYCLES_PER_ROUND}) after ${AGENT_WARMUP === WARMUP ? `${WARMUP} warm-up cycles` : `${AGENT_WARMUP} warm-up cycles of the agent (${WARMUP} of the floor and the bare agent, started after its first ${FLOOR_STARTS_AFTER})`}, same machine, same time`);
    console.log(`  agent:          default probe set (${f(observationsPerReport, 0)} observations per report), compiled CLI as shipped (tripline-agent: node ${[...shippedFlags, ...NODE_ARGS].join(' ')}), reports over HTTP (kept-open connection; plain JSON up to agent.gzipAboveBytes, 32 KiB) to a stub collector, sent directly and spooled to disk (fsync) only when an upload fails`);
    console.log(`  node_exporter:  ${NODE_EXPORTER} with its default collectors, one full /metrics scrape per cycle (${scrapeBytes} bytes)`);
    console.log(`  report bytes:   ${f(meanOf(collector.bodyBytes), 0)} as POSTed, ${f(meanOf(collector.fullBytes), 0)} as full JSON, on average; ${compactBefore} of ${collector.reports.length} reports as values against a series set`);
    console.log('');
    console.log(`  Node floor:     dist/bench/agentFloor.js with the agent's flags: a 1 s timer and one POST of ${floorBytes} bytes (the agent's report as POSTed) to the same stub, its answer read; nothing else (${floorPosts} POSTs in the measured rounds)`);
    const spec = bareSpec!;
    console.log(`  bare agent:     dist/bench/agentBare.js with the agent's flags: the ${spec.files.length} /proc and /sys files the agent has open read each second (${spec.files.join(', ')}; the mount table once a minute, as the agent), statfs, access and stat of its ${spec.mounts.length} mount point(s), the default probes' numbers taken out with plain loops and POSTed as a report of ${spec.values} values; nothing else (${barePosts} reports in the measured rounds)`);
    console.log('');
    console.log('                                   agent      node_exporter   Node floor   bare agent');
    console.log(`  CPU ms per cycle (self)       ${f(a.self).padStart(9)}  ${f(e.self).padStart(17)}  ${f(floorPer((c) => c.self)).padStart(11)}  ${f(barePer((c) => c.self)).padStart(11)}`);
    console.log(`  CPU ms per cycle (children)   ${f(a.children).padStart(9)}  ${f(e.children).padStart(17)}  ${f(floorPer((c) => c.children)).padStart(11)}  ${f(barePer((c) => c.children)).padStart(11)}`);
    console.log(`  CPU ms per cycle (total)      ${f(agentTotal).padStart(9)}  ${f(exporterTotal).padStart(17)}  ${f(floorTotal).padStart(11)}  ${f(bareTotal).padStart(11)}`);
    console.log(`  page faults per cycle         ${f(sum((r) => r.agent.minorFaults), 1).padStart(9)}  ${f(sum((r) => r.exporter.minorFaults), 1).padStart(17)}  ${f(floorPer((c) => c.minorFaults), 1).padStart(11)}  ${f(barePer((c) => c.minorFaults), 1).padStart(11)}`);
    console.log(`  RSS MB (now / peak)           ${`${f(agentRss.rss, 1)} / ${f(agentRss.peak, 1)}`.padStart(13)}  ${`${f(exporterRss.rss, 1)} / ${f(exporterRss.peak, 1)}`.padStart(13)}  ${`${f(floorRss.rss, 1)} / ${f(floorRss.peak, 1)}`.padStart(11)}  ${`${f(bareRss.rss, 1)} / ${f(bareRss.peak, 1)}`.padStart(11)}`);
    console.log(`  child processes per cycle     ${f(spawned.length / CYCLES).padStart(9)}  ${'(not counted)'.padStart(17)}`);
    console.log(`  worst event-loop delay ms     ${f(worstDelayMs, 1).padStart(9)}  ${'n/a (Go)'.padStart(17)}`);
    console.log(`    (per report: median ${f(delayQuantile(0.5), 1)}, 90th percentile ${f(delayQuantile(0.9), 1)}, the ${Math.min(3, sortedDelaysMs.length)} worst ${sortedDelaysMs.slice(-3).map((d) => f(d, 1)).join(', ')})`);
    console.log(`  (CPU: every thread's schedstat run time${imprecise > 0 ? `, or 10 ms /proc ticks in ${imprecise} round(s) where a thread ended` : ''}; the agent's own process.cpuUsage says ${f(selfCpuPerCycle)} ms)`);
    console.log('');
    console.log('  round   agent ms   node_exporter ms   ratio   agent RSS MB at its end   floor ms   bare ms');
    rounds.forEach((r, i) => {
      const perCycle = (c: { self: number; children: number }) => (c.self + c.children) / CYCLES_PER_ROUND;
      console.log(`  ${String(i + 1).padStart(5)}  ${f(perCycle(r.agent)).padStart(9)}  ${f(perCycle(r.exporter)).padStart(17)}  ${f(roundRatios[i]!, 3).padStart(6)}  ${f(steadyRssMb[i]!, 1).padStart(8)}  ${f((r.floor.self + r.floor.children) / Math.max(1, r.floorPosts)).padStart(24)}  ${f((r.bare.self + r.bare.children) / Math.max(1, r.barePosts)).padStart(8)}`);
    });
    console.log('');
    console.log(`  start to first report ms      ${f(startMs(agentSpawnedAt, collector), 0).padStart(9)}  ${'n/a'.padStart(17)}`);
    if (x && executableRss && executablePath) {
      const perCycle = (c: { self: number; children: number }) => (c.self + c.children) / CYCLES_PER_ROUND;
      console.log('');
      console.log(`Self-contained executable: ${executablePath} (${f(statSync(executablePath).size / 1e6, 1)} MB), as its unit runs it, same cycles`);
      console.log('                                   agent     executable   node_exporter');
      console.log(`  CPU ms per cycle (total)      ${f(agentTotal).padStart(9)}  ${f(x.self + x.children).padStart(13)}  ${f(exporterTotal).padStart(14)}`);
      console.log(`  page faults per cycle         ${f(sum((r) => r.agent.minorFaults), 1).padStart(9)}  ${f(x.faults, 1).padStart(13)}  ${f(sum((r) => r.exporter.minorFaults), 1).padStart(14)}`);
      console.log(`  RSS MB (now / peak)         ${`${f(agentRss.rss, 1)} / ${f(agentRss.peak, 1)}`.padStart(11)}  ${`${f(executableRss.rss, 1)} / ${f(executableRss.peak, 1)}`.padStart(13)}  ${`${f(exporterRss.rss, 1)} / ${f(exporterRss.peak, 1)}`.padStart(14)}`);
      console.log(`  start to first report ms      ${f(startMs(agentSpawnedAt, collector), 0).padStart(9)}  ${f(startMs(executableSpawnedAt, executableCollector), 0).padStart(13)}  ${'n/a'.padStart(14)}`);
      console.log(`  CPU per cycle / node_exporter ${f(agentTotal / exporterTotal, 3).padStart(9)}  ${f((x.self + x.children) / exporterTotal, 3).padStart(13)}`);
      console.log(`  rounds, executable ms: ${rounds.map((r) => f(perCycle(r.executable!))).join(', ')}`);
    }
    console.log('');
    const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');
    const cpuRatio = agentTotal / exporterTotal;
    const steadyRss = Math.max(...steadyRssMb);
    const faultsPerCycle = sum((r) => r.agent.minorFaults);
    console.log('Ratios and targets (issue 15)');
    console.log(`  CPU per cycle, agent / node_exporter:   ${f(cpuRatio, 3)}  (target <= 0.1: ${verdict(cpuRatio <= 0.1)}; rounds ${f(Math.min(...roundRatios), 3)} to ${f(Math.max(...roundRatios), 3)})`);
    console.log(`  steady RSS:                             ${f(steadyRss, 1)} MB  (target <= 50 MB: ${verdict(steadyRss <= 50)}; the largest at the end of a round, ${f(steadyRss / exporterRss.rss, 2)}x node_exporter's)`);
    console.log(`  start-up peak RSS:                      ${f(agentRss.peak, 1)} MB  (target <= 60 MB: ${verdict(agentRss.peak <= 60)}; VmHWM, the most the agent ever held)`);
    const budget = 0.1 * exporterTotal - floorTotal;
    console.log(`  Node's floor / node_exporter:           ${f(floorTotal / exporterTotal, 3)}  (a timer and one POST; the agent's own work above it: ${f(agentTotal - floorTotal)} ms a cycle, ${f((100 * (agentTotal - floorTotal)) / agentTotal, 0)} % of its cycle; 0.1x would leave it ${f(budget)} ms)`);
    console.log(`  bare agent / node_exporter:             ${f(bareTotal / exporterTotal, 3)}  (the same data read, its numbers taken and POSTed, nothing else; the agent above it: ${f(agentTotal - bareTotal)} ms a cycle, ${f((100 * (agentTotal - bareTotal)) / agentTotal, 0)} % of its cycle; 0.1x would leave the agent's structure ${f(0.1 * exporterTotal - bareTotal)} ms above it)`);
    console.log(`  page faults per cycle:                  ${f(faultsPerCycle, 1)}  (node_exporter ${f(sum((r) => r.exporter.minorFaults), 1)}; no target: each is a fresh page zeroed by the kernel, CPU counted above)`);
    console.log(`  processes spawned in ${CYCLES} default cycles: ${spawned.length}${spawned.length > 0 ? ` (${[...new Set(spawned)].join(', ')})` : ''}  (target 0: ${verdict(spawned.length === 0)})`);
    console.log(`  worst event-loop delay:                 ${f(worstDelayMs, 1)} ms  (target < 10 ms: ${verdict(worstDelayMs < 10)}; the longest the agent held the loop)`);
    console.log('');
    console.log('Not in the default cycle, so turned off or absent in this run and not measured above:');
    console.log('  - gateway ping (ping.gateway: true): one `ping` process per ping interval (30 s by default);');
    console.log('  - inventory and SMART (inventory.enabled: true): one node child running systeminformation per');
    console.log('    inventory interval (1 h by default), which itself runs lsblk/smartctl etc.;');
    console.log('  - configured ping targets, Nagios plugins (own intervals) and systemd units (one systemctl per cycle).');
  } finally {
    floor?.kill('SIGTERM');
    bare?.kill('SIGTERM');
    agent.kill('SIGTERM');
    executable?.kill('SIGTERM');
    exporter.kill('SIGTERM');
    await Promise.all([
      new Promise((ok) => agent.once('exit', ok)),
      new Promise((ok) => exporter.once('exit', ok)),
      floor && floor.exitCode === null && floor.signalCode === null ? new Promise((ok) => floor!.once('exit', ok)) : undefined,
      bare && bare.exitCode === null && bare.signalCode === null ? new Promise((ok) => bare!.once('exit', ok)) : undefined,
      executable ? new Promise((ok) => executable.once('exit', ok)) : undefined,
    ]);
    await collector.close();
    await executableCollector?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:agent failed: ${(error as Error).message}`);
  process.exit(1);
});
