/**
 * The worker thread of replayThread.ts: builds its replay from workerData, takes blocks off its port
 * as the reader posts them (waiting on the shared counter, without the event loop), replays them as
 * replayStoredBlocks does for one replay alone, and posts its summary. DONE is set however it ends,
 * so that the reader never waits for a worker that is gone.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { incidentPolicy } from '../incidents/incidentPolicy.js';
import type { SampleBlock, StoredSeries } from '../store/sampleBlocks.js';
import { unpackBlock } from './blockTransport.js';
import { DONE, POSTED, RELEASED, snapshotEnvironment, TAKEN, type FromReplayThread, type ReplayThreadData, type ToReplayThread } from './replayThread.js';
import { createReplay, replayStoredBlocks } from './runBacktest.js';

const data = workerData as ReplayThreadData;
const counters = new Int32Array(data.control);
const done = () => {
  if (Atomics.load(counters, DONE) !== 0) return;
  Atomics.store(counters, DONE, 1);
  Atomics.notify(counters, DONE);
};
process.on('exit', done);

const answer = ((): FromReplayThread => {
  try {
    const replay = createReplay({
      rules: data.rules,
      policy: incidentPolicy(data.incidents, { timeZone: data.timeZone, probeReachability: false }),
      environment: snapshotEnvironment(data.snapshot, data.incidents.topology),
      intervalSecondsByHost: new Map(data.intervalSecondsByHost),
      ...(data.keepIncidents === undefined ? {} : { keepIncidents: data.keepIncidents }),
    });
    const series = new Map<number, StoredSeries>();
    let taken = 0;
    let endMs: number | undefined;
    let waitedMs = 0;
    const started = performance.now();
    const blocks = function* (): Generator<SampleBlock> {
      for (;;) {
        // Asked for the next block, the replay is done with the ones taken: their slots may be refilled.
        Atomics.store(counters, RELEASED, taken);
        Atomics.notify(counters, RELEASED);
        const waitFrom = performance.now();
        while (Atomics.load(counters, POSTED) === taken) Atomics.wait(counters, POSTED, taken);
        waitedMs += performance.now() - waitFrom;
        const message = receiveMessageOnPort(data.port)!.message as ToReplayThread;
        taken++;
        Atomics.store(counters, TAKEN, taken);
        Atomics.notify(counters, TAKEN);
        if ('endMs' in message) {
          endMs = message.endMs;
          return;
        }
        for (const [id, known] of message.series) series.set(id, known);
        yield unpackBlock(message.block);
      }
    };
    replayStoredBlocks({ series, blocks: blocks() }, [replay]);
    const summary = replay.finish(endMs!);
    return { summary, busyMs: performance.now() - started - waitedMs };
  } catch (error) {
    return { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
})();
data.port.postMessage(answer);
done();
data.port.close();
