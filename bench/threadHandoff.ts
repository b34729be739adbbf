/**
 * `npm run bench:handoff` (or `node dist/bench/threadHandoff.js`): what handing the collector's
 * work to a worker thread would cost, measured on this machine before such a thread is built.
 * Performance history, session 50: the collector's event loop is the bound at saturation while
 * about half a core is idle, and the rules engine is a third of the event loop's time a report, so
 * the lever left for issue 15's ingest target is evaluating on a worker thread. Whether it pays
 * depends on three figures this prints:
 *
 * 1. **A worker's memory**: the process's RSS before and after starting a worker thread that loads
 *    the rules engine (rules/index.js, as a rules worker would) with a small young generation, then
 *    after it has taken 300 batches (read, not evaluated: no rule state is held, so this is the
 *    isolate's own price, not the states', which would move there from the main thread); in MB and
 *    in kB an agent at 10,000 agents, beside the 30 kB an agent of the memory target.
 * 2. **Handing over a batch**: one message a batch of `--batch` reports of 60 samples (values and
 *    times in a Float64Array, series numbers in an Int32Array, transferred and copied), the worker
 *    answering with the state texts to write (a few a report) as a commit would take them. CPU of
 *    the main thread (its /proc/self/task/PID/schedstat run time) a batch and a report, of all the
 *    process's threads, and the round trip's wall time; beside them, the main thread's CPU to make
 *    the batch's arrays alone, which the handoff adds to.
 * 3. **One message a report**: each report's gzip body (a series-set report of 60 values, as the
 *    bench's agents POST them) inflated and parsed on a worker, the parsed values posted back,
 *    against the same inflating and parsing on the main thread: what moving the HTTP side's body
 *    work off the event loop one report at a time would cost it.
 *
 * Figures only: nothing is asserted and the collector is not run. Options: --batch N (reports a
 * batch, default 29: bench:ingest's reports a commit at saturation), --rounds N (batches or reports
 * a measurement, default 3000), --writes N (state texts answered a report, default 0.25, a
 * checkpoint's share at saturation).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gunzipSync, gzipSync } from 'node:zlib';
import { seriesSetId } from '../collector/ingest/seriesSets.js';
import { benchReport, valuesAgainstSet } from './benchReport.js';

const { values: args } = parseArgs({
  options: { batch: { type: 'string', default: '29' }, rounds: { type: 'string', default: '3000' }, writes: { type: 'string', default: '0.25' } },
});
const BATCH = positive(args.batch!, '--batch');
const ROUNDS = positive(args.rounds!, '--rounds');
const WRITES_PER_REPORT = Number(args.writes);
if (!(WRITES_PER_REPORT >= 0)) throw new Error(`--writes must be a number of 0 or more, not "${args.writes}"`);
const SAMPLES_PER_REPORT = 60;
/** The fleet the memory is priced against (issue 15's 30 kB an agent at 10,000 agents). */
const AGENTS = 10_000;
/** A young generation a rules worker would run with: its batches die young, its states live long. */
const WORKER_YOUNG_MB = 4;

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number of 1 or more, not "${text}"`);
  return n;
}

/** The worker's side: loads the rules engine, sums a batch's values (so that it reads them) and answers with state texts; or inflates and parses a report. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { gunzipSync } = require('node:zlib');
import(workerData.rules).then(() => parentPort.postMessage({ ready: true }));
parentPort.on('message', (m) => {
  if (m.body !== undefined) {
    const report = JSON.parse(gunzipSync(m.body).toString());
    const values = new Float64Array(report.values);
    parentPort.postMessage({ sequence: report.sequence, values }, [values.buffer]);
    return;
  }
  let sum = 0;
  for (let i = 0; i < m.values.length; i++) sum += m.values[i];
  for (let i = 0; i < m.series.length; i++) sum += m.series[i];
  const texts = [];
  for (let i = 0; i < m.writes; i++) texts.push('{"fingerprint":"' + (i + 1e15).toString(16).slice(-16) + '","lastValue":' + sum + ',"points":[' + i + ']}');
  parentPort.postMessage({ batch: m.batch, texts, signals: [] });
});
`;

const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run time of one thread of this process in nanoseconds (schedstat's first field). */
function threadNs(tid: number | string): number {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}
const mainNs = (): number => threadNs(process.pid);
const allNs = (): number => readdirSync('/proc/self/task').reduce((sum, tid) => sum + threadNs(tid), 0);

interface Cost {
  mainUs: number;
  allUs: number;
  wallUs: number;
}

/** CPU of the main thread and of all threads, and wall time, each per round, over `rounds` calls of `round`. */
async function measure(rounds: number, round: (i: number) => Promise<void> | void): Promise<Cost> {
  const main0 = mainNs();
  const all0 = allNs();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await round(i);
  return { mainUs: (mainNs() - main0) / rounds / 1000, allUs: (allNs() - all0) / rounds / 1000, wallUs: Number(process.hrtime.bigint() - wall0) / rounds / 1000 };
}

/**
 * The worker's answers in the order asked: one listener for each event, a queue of waiting rounds
 * (a listener a round would pile up on the Worker). A worker that fails fails every waiting round.
 */
function answers(worker: Worker): () => Promise<unknown> {
  const waiting: Array<{ resolve(value: unknown): void; reject(error: unknown): void }> = [];
  worker.on('message', (message) => waiting.shift()?.resolve(message));
  const fail = (error: unknown) => {
    for (const round of waiting.splice(0)) round.reject(error);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the worker exited with code ${code}`)));
  return () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
}

/** A batch as a rules worker would take it: values and times, and each sample's series number in its agent's series set. */
function batchArrays(reports: number): { values: Float64Array; series: Int32Array } {
  const samples = reports * SAMPLES_PER_REPORT;
  const values = new Float64Array(2 * samples);
  const series = new Int32Array(samples);
  const atMs = Date.now();
  for (let i = 0; i < samples; i++) {
    values[2 * i] = Math.random();
    values[2 * i + 1] = atMs;
    series[i] = i % SAMPLES_PER_REPORT;
  }
  return { values, series };
}

/** A bench agent's report of values against its series set, gzipped as bench:ingest POSTs it. */
function compactBody(agent: number, sequence: number): Buffer {
  const report = benchReport(agent, sequence, new Date().toISOString(), 15);
  return gzipSync(JSON.stringify(valuesAgainstSet(report, seriesSetId(report.observations))));
}

const fixed = (n: number, digits = 1) => n.toFixed(digits);

async function main(): Promise<void> {
  console.log(`worker-thread handoff: node ${process.version}, ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cores, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  // The main thread's own zlib and JSON warmed first, so that the worker's memory is what it adds.
  for (let i = 0; i < 200; i++) JSON.parse(gunzipSync(compactBody(i, i)).toString());
  // So are the batches it makes (their typed arrays, and what V8 keeps of them), measured alone here.
  const filled = await measure(ROUNDS, () => void batchArrays(BATCH));
  await sleep(200);
  const before = rssMb();
  const rules = new URL('../rules/index.js', import.meta.url).href;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { rules }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
  const answerOf = answers(worker);
  await answerOf();
  await sleep(500);
  const started = rssMb();

  const writes = Math.round(WRITES_PER_REPORT * BATCH);
  const handBatch = (transfer: boolean) => async (i: number) => {
    const { values, series } = batchArrays(BATCH);
    const answer = answerOf();
    worker.postMessage({ batch: i, values, series, writes }, transfer ? [values.buffer as ArrayBuffer, series.buffer as ArrayBuffer] : []);
    await answer;
  };
  await measure(300, handBatch(true));
  const worked = rssMb();
  const perAgentKb = (mb: number) => (mb * 1024) / AGENTS;
  console.log(
    `a worker thread with the rules engine loaded (young generation ${WORKER_YOUNG_MB} MB): RSS ${fixed(before)} MB before, ${fixed(started)} MB once started (+${fixed(started - before)} MB), ` +
      `${fixed(worked)} MB after 300 batches (+${fixed(worked - before)} MB) = ${fixed(perAgentKb(worked - before), 2)} kB an agent at ${AGENTS.toLocaleString('en-US')} agents (the memory target: 30 kB an agent in all)`,
  );

  console.log(`a batch of ${BATCH} report${BATCH === 1 ? '' : 's'} (${BATCH * SAMPLES_PER_REPORT} samples) made into typed arrays on the main thread alone: ${fixed(filled.mainUs)} µs a batch`);
  for (const transfer of [true, false, true, false]) {
    const cost = await measure(ROUNDS, handBatch(transfer));
    const handoff = cost.mainUs - filled.mainUs;
    console.log(
      `handed to the worker and answered (${transfer ? 'transferred' : 'copied'}, ${writes} state texts back): main thread ${fixed(cost.mainUs)} µs a batch, ` +
        `${fixed(handoff)} µs of it the handoff = ${fixed(handoff / BATCH, 2)} µs a report; all threads ${fixed(cost.allUs)} µs; round trip ${fixed(cost.wallUs)} µs`,
    );
  }

  const bodies = Array.from({ length: 64 }, (_, i) => compactBody(i, i + 1));
  const inline = await measure(ROUNDS, (i) => {
    const report = JSON.parse(gunzipSync(bodies[i % bodies.length]!).toString()) as { values: number[] };
    void new Float64Array(report.values);
  });
  const onWorker = await measure(ROUNDS, async (i) => {
    const answer = answerOf();
    worker.postMessage({ body: bodies[i % bodies.length]! });
    await answer;
  });
  console.log(
    `one report's gzip body (${bodies[0]!.length} bytes) inflated and parsed: on the main thread ${fixed(inline.mainUs)} µs; ` +
      `on the worker, one message each way, ${fixed(onWorker.mainUs)} µs of the main thread (${fixed(onWorker.mainUs / inline.mainUs, 2)}x), ${fixed(onWorker.allUs)} µs of all threads, round trip ${fixed(onWorker.wallUs)} µs`,
  );
  worker.removeAllListeners('exit');
  await worker.terminate();
}

await main();
