/**
 * Replays on worker threads, one a rule set, fed the blocks of stored history the calling thread
 * reads (issue 15: the two sides of `rules backtest` at once). Each replay decides as if alone
 * (replayStoredBlocks), so the comparison's outcome is the one of running them in turn
 * (test/collector/backtestThreads.test.ts). The reader replays nothing itself: on two cores its
 * reading and the two replays share both cores as the system schedules them, where a reader that
 * also replayed one side kept the longer share on its own core.
 *
 * Every thread stays synchronous, as the replay is: each block's columns are copied once into a
 * shared slot (blockTransport.ts: without the values of series no worker's rules read) that every
 * worker reads, the slot goes through each worker's MessagePort, and shared counters per worker say
 * how many blocks were posted, taken and let go of. The reader waits (Atomics.wait) while a worker
 * is more than MAX_BLOCKS_AHEAD blocks behind, and before it refills a slot some worker may still
 * read, so at most SLOTS blocks are held besides the one being read. The workers' summaries are
 * taken off their ports at the end (receiveMessageOnPort) without the event loop.
 *
 * What the lifecycle reads of the store (silences, maintenance windows, hosts for the topology) is
 * read once by the caller (EnvironmentSnapshot) and given to every replay, so all see the same.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Config } from '../../config/configSchema.js';
import { compileRules, readsSeries, type Rule } from '../../rules/index.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../domain/silence.js';
import type { IncidentEnvironment } from '../incidents/incidentService.js';
import { buildTopology, type Topology, type TopologyHostFacts } from '../incidents/topology.js';
import type { SampleBlocks, StoredSeries } from '../store/sampleBlocks.js';
import { packBlock, type PackedBlock } from './blockTransport.js';
import type { BacktestSummary } from './runBacktest.js';

/** What the incident lifecycle reads of the store during a replay, read once. */
export interface EnvironmentSnapshot {
  /** Every silence, expired ones included (the replay picks those in force at each step). */
  silences: SilenceRecord[];
  maintenance: MaintenanceRecord[];
  hosts: TopologyHostFacts[];
}

/** The lifecycle's environment over a snapshot (the topology built once, from the snapshot's hosts). */
export function snapshotEnvironment(snapshot: EnvironmentSnapshot, topologyConfig: Config['incidents']['topology']): IncidentEnvironment {
  let topology: Topology | undefined;
  return {
    silences: () => snapshot.silences,
    maintenance: () => snapshot.maintenance,
    topology: () => (topology ??= buildTopology(topologyConfig, snapshot.hosts)),
  };
}

/** What the worker needs to build its replay (structured-cloneable). */
export interface ReplayThreadData {
  rules: readonly Rule[];
  incidents: Config['incidents'];
  timeZone: Config['timeZone'];
  snapshot: EnvironmentSnapshot;
  intervalSecondsByHost: Array<[string, number]>;
  keepIncidents: number | undefined;
  control: SharedArrayBuffer;
  port: MessagePort;
}

/** A message to the worker: a block with the series it names that were not sent before, or the end. */
export type ToReplayThread = { block: PackedBlock; series: Array<[number, StoredSeries]> } | { endMs: number };

/** The worker's answer: its summary and the time it spent replaying (waits for blocks not counted), or what went wrong. */
export type FromReplayThread = { summary: BacktestSummary; busyMs: number } | { error: string };

/** Slots of the shared control array. */
export const POSTED = 0;
export const TAKEN = 1;
export const DONE = 2;
/** How many blocks the worker is done with (it reads none of them again). */
export const RELEASED = 3;

/** How many blocks the reader may be ahead of a worker (an hour of the fleet's history each). */
const MAX_BLOCKS_AHEAD = 2;
/**
 * Shared slots the blocks are packed into, in turn: the ones posted and not yet taken, the one a
 * worker replays, and the one being packed.
 */
const SLOTS = MAX_BLOCKS_AHEAD + 2;
/** How long a wait lasts before it looks again whether the worker ended (it sets DONE as it exits). */
const WAIT_MS = 1000;

/** Replays running on worker threads, one each; feed them with `feed`, then `finish`. */
export interface ReplayThreads {
  /** Reads the blocks of `stored` and posts each (with the series it names) to every worker. */
  feed(stored: SampleBlocks): void;
  /** Ends the workers' replays at `toMs` and waits for their summaries, in the order of the rule sets. */
  finish(toMs: number): Array<{ summary: BacktestSummary; busyMs: number }>;
  /** How long `feed` waited for the workers to catch up. */
  waitedMs(): number;
}

/**
 * The worker's first code: imports replayWorker (compiled in dist/ a .js beside this file; from the
 * sources, as the tests run them, a .ts through tsx), and when that fails, posts why and sets DONE,
 * so that the reader never waits for a worker that could not start.
 */
function bootstrap(): string {
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(fromSources ? './replayWorker.ts' : './replayWorker.js', import.meta.url).href;
  return `
    const { workerData } = require('node:worker_threads');
    const failed = (error) => {
      workerData.port.postMessage({ error: String((error && error.stack) || error) });
      const counters = new Int32Array(workerData.control);
      Atomics.store(counters, ${DONE}, 1);
      Atomics.notify(counters, ${DONE});
    };
    ${fromSources ? "import('tsx/esm/api').then(({ register }) => register())" : 'Promise.resolve()'}.then(() => import(${JSON.stringify(url)})).catch(failed);`;
}

/** One worker and what the reader knows of it. */
interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
  counters: Int32Array;
  /** The error the worker ended with (or that it ended early), once it has ended; undefined while it runs. */
  failed(): Error | undefined;
}

/** Starts a worker replaying `rules`. */
function startWorker(rules: readonly Rule[], options: ReplayThreadsOptions): WorkerHandle {
  const control = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
  const counters = new Int32Array(control);
  const { port1, port2 } = new MessageChannel();
  const data: ReplayThreadData = {
    rules,
    incidents: options.config.incidents,
    timeZone: options.config.timeZone,
    snapshot: options.snapshot,
    intervalSecondsByHost: [...options.intervalSecondsByHost],
    keepIncidents: options.keepIncidents,
    control,
    port: port2,
  };
  const worker = new Worker(bootstrap(), { eval: true, workerData: data, transferList: [port2] });
  worker.unref();
  return {
    worker,
    port: port1,
    counters,
    failed() {
      if (Atomics.load(counters, DONE) === 0) return undefined;
      const answer = receiveMessageOnPort(port1)?.message as FromReplayThread | undefined;
      return new Error(answer && 'error' in answer ? `the backtest's replay thread failed: ${answer.error}` : "the backtest's replay thread ended before its replay did");
    },
  };
}

/** What the workers need besides their rules. */
export interface ReplayThreadsOptions {
  config: Pick<Config, 'incidents' | 'timeZone'>;
  snapshot: EnvironmentSnapshot;
  intervalSecondsByHost: ReadonlyMap<string, number>;
  keepIncidents: number | undefined;
}

/** Starts one worker thread for each rule set of `ruleSets`, each replaying it (see the module comment). */
export function startReplayThreads(ruleSets: ReadonlyArray<readonly Rule[]>, options: ReplayThreadsOptions): ReplayThreads {
  const workers = ruleSets.map((rules) => startWorker(rules, options));
  const slots = Array.from({ length: SLOTS }, (): { data: SharedArrayBuffer | undefined } => ({ data: undefined }));
  let posted = 0;
  let waitedMs = 0;
  /** Waits until counter `slot` of every worker reaches `count` (or a worker ended, which throws). */
  const waitUntil = (slot: number, count: number) => {
    for (const { counters, failed } of workers) {
      for (let now = Atomics.load(counters, slot); now < count; now = Atomics.load(counters, slot)) {
        const error = failed();
        if (error) throw error;
        const waitFrom = performance.now();
        Atomics.wait(counters, slot, now, WAIT_MS);
        waitedMs += performance.now() - waitFrom;
      }
    }
  };
  const post = (message: ToReplayThread) => {
    for (const { port } of workers) port.postMessage(message);
    posted++;
    for (const { counters } of workers) {
      Atomics.store(counters, POSTED, posted);
      Atomics.notify(counters, POSTED);
    }
  };
  const end = () => {
    for (const { port, worker } of workers) {
      port.close();
      void worker.terminate();
    }
  };
  return {
    feed(stored) {
      const sent = new Set<number>();
      // Whether some worker's rules read a series (asked once per id): the values of the others are not sent.
      const compiled = ruleSets.map((rules) => compileRules(rules));
      const readIds = new Map<number, boolean>();
      const someWorkerReads = (id: number): boolean => {
        let read = readIds.get(id);
        if (read === undefined) {
          const known = stored.series.get(id);
          read = known !== undefined && compiled.some((ruleSet) => readsSeries(ruleSet, known.metric, known.labels));
          readIds.set(id, read);
        }
        return read;
      };
      const newSeries = (id: number, into: Array<[number, StoredSeries]>) => {
        if (sent.has(id)) return;
        const known = stored.series.get(id);
        if (known === undefined) return;
        sent.add(id);
        into.push([id, known]);
      };
      try {
        for (const block of stored.blocks) {
          const series: Array<[number, StoredSeries]> = [];
          for (const source of block.sources) {
            if (source.seriesIds === undefined) newSeries(source.seriesId, series);
            else for (let i = source.start; i < source.end; i++) newSeries(source.seriesIds[i]!, series);
          }
          waitUntil(TAKEN, posted - MAX_BLOCKS_AHEAD + 1);
          // The slot held block posted - SLOTS: every worker must be done with it.
          waitUntil(RELEASED, posted - SLOTS + 1);
          post({ block: packBlock(block, someWorkerReads, slots[posted % SLOTS]!), series });
        }
      } catch (error) {
        end();
        throw error;
      }
    },
    waitedMs: () => waitedMs,
    finish(toMs) {
      try {
        post({ endMs: toMs });
        return workers.map(({ counters, port, failed }) => {
          while (Atomics.load(counters, DONE) === 0) Atomics.wait(counters, DONE, 0, WAIT_MS);
          const answer = receiveMessageOnPort(port)?.message as FromReplayThread | undefined;
          if (answer === undefined) throw failed() ?? new Error("the backtest's replay thread gave no summary");
          if ('error' in answer) throw new Error(`the backtest's replay thread failed: ${answer.error}`);
          return answer;
        });
      } finally {
        end();
      }
    },
  };
}
