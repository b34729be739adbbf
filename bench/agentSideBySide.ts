/**
 * Agents of several builds side by side: `node dist/bench/agentSideBySide.js [--warmup 45] [--cycles
 * 60] BUILD...`, each BUILD a package root holding `dist/cli/agentMain.js` (a checkout, or a copy of
 * one with a changed `dist`), optionally followed by `|` and extra Node flags for that agent, spaces
 * between them (`"/tmp/copy|--no-flush-bytecode"`). The same build may be given twice: the two then
 * say how far agents of one build differ in the same minutes.
 *
 * Each agent runs as shipped (its own `agentMain.js` with the Node flags of its first line, the
 * default probe set, every second) against one stub collector that answers as the collector does
 * (agentStubCollector.ts); their starts are spread over the first second so that their cycles do
 * not fall together. After the warm-up (45 s by default: past V8's memory reducer, which comes 8-34 s
 * after a Node process starts) it prints each agent's CPU a cycle (every thread's schedstat), page
 * faults a cycle, resident size, reports the stub took, and its CPU against the first agent's. Where bench:agent
 * compares the agent with node_exporter, this compares builds of the agent, in the same minutes on
 * the same machine: a change of a few per cent shows here only as a difference larger than two
 * agents of one build show.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { agentNodeFlags } from '../config/packageInfo.js';
import { parseBuild } from './agentBuild.js';
import { startStubCollector, writeBenchAgentConfig } from './agentStubCollector.js';
import { cpuBetween, cpuSample, rssMb, type CpuSample } from './processCpu.js';

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
/** The id of the agent of the build at `index`, by which its reports are counted. */
const agentId = (index: number) => `side-by-side-${index}`;
/** Set once the agents are being stopped: an agent's exit before this fails the bench. */
let stopping = false;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { warmup: { type: 'string', default: '45' }, cycles: { type: 'string', default: '60' } }, allowPositionals: true });
  const warmup = Number(values.warmup);
  const cycles = Number(values.cycles);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup ${values.warmup}: a whole number of seconds, 0 or more`);
  if (!Number.isInteger(cycles) || cycles < 1) throw new Error(`--cycles ${values.cycles}: a whole number, 1 or more`);
  if (positionals.length === 0) throw new Error('no build given: node dist/bench/agentSideBySide.js [--warmup 45] [--cycles 60] BUILD... (a package root, optionally "ROOT|--node-flag ...")');
  const builds = positionals.map(parseBuild);

  const dir = mkdtempSync(join(tmpdir(), 'tripline-bench-side-by-side-'));
  const collector = await startStubCollector();
  const agents: ChildProcess[] = [];
  // Whatever ends this process (an agent that died included), no agent outlives it, nor its files.
  process.once('exit', () => {
    for (const agent of agents) agent.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(1));
  try {
    for (const [index, build] of builds.entries()) {
      const configFile = join(dir, `agent-${index}.yaml`);
      writeBenchAgentConfig(configFile, join(dir, `data-${index}`), collector.url, agentId(index));
      const cli = join(build.root, 'dist/cli/agentMain.js');
      const agent = fork(cli, ['--config', configFile], { execArgv: [...agentNodeFlags(cli), ...build.extraFlags], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      agent.once('exit', (code, signal) => {
        if (!stopping) {
          console.error(`bench:agent side by side failed: ${build.label} exited (${signal ?? code}) before the measurement ended`);
          process.exit(1);
        }
      });
      agents.push(agent);
      await sleep(1000 / builds.length);
    }
    console.log(`Tripline agents side by side: ${builds.length} build(s), ${cycles} cycles at 1/s after ${warmup} s of warm-up, one stub collector answering as the collector does`);
    await sleep(warmup * 1000);
    const reportsBefore = collector.reports.length;
    const starts: CpuSample[] = agents.map((agent) => cpuSample(agent.pid!));
    await sleep(cycles * 1000);
    const spent = agents.map((agent, index) => cpuBetween(starts[index]!, cpuSample(agent.pid!)));
    const measured = collector.reports.slice(reportsBefore);
    const reports = builds.map((_, index) => measured.filter((report) => report.agent.id === agentId(index)).length);
    const perCycle = spent.map((cpu) => cpu.self / cycles);
    const width = Math.max(...builds.map((build) => build.label.length), 5);
    console.log(`  ${'build'.padEnd(width)}   CPU ms a cycle   page faults a cycle   RSS MB   reports   against the first`);
    for (const [index, build] of builds.entries()) {
      const cpu = spent[index]!;
      console.log(
        `  ${build.label.padEnd(width)}   ${perCycle[index]!.toFixed(3).padStart(14)}${cpu.precise ? ' ' : '*'}  ${(cpu.minorFaults / cycles).toFixed(1).padStart(19)}   ${rssMb(agents[index]!.pid!).rss.toFixed(1).padStart(6)}   ${String(reports[index]).padStart(7)}   ${(perCycle[index]! / perCycle[0]!).toFixed(3).padStart(17)}`,
      );
    }
    if (spent.some((cpu) => !cpu.precise)) console.log('  (* a thread ended inside the window: CPU from /proc ticks, 10 ms each)');
    // A build that does not report (one changed to leave its upload out, or a broken one) is measured all the same, and said so.
    for (const [index, build] of builds.entries()) {
      if (reports[index]! < cycles - 2) console.log(`  ${build.label}: ${reports[index]} reports taken in ${cycles} cycles, not a reporting agent's CPU`);
    }
  } finally {
    stopping = true;
    for (const agent of agents) agent.kill('SIGTERM');
    await Promise.all(agents.map((agent) => (agent.exitCode === null && agent.signalCode === null ? new Promise((ok) => agent.once('exit', ok)) : undefined)));
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:agent side by side failed: ${(error as Error).message}`);
  process.exit(1);
});
