/**
 * A synchronous call into a worker thread: the caller posts a request and blocks on `Atomics.wait`
 * over a SharedArrayBuffer until the worker has posted its answer and notified, then takes the answer
 * with `receiveMessageOnPort` (the pattern of the synckit package, kept here in a few lines because
 * its worker loader cannot start a TypeScript worker under Node 20's loader hooks).
 *
 * The worker module (see postgresWorker.ts) exports `serveSyncCalls`-style handling through
 * `answerSyncCalls` below. Under the compiled build the worker is its `.js`; when the sources run
 * unbuilt (tests), the `.ts` is loaded with tsx's CommonJS loader, which works inside a worker.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

interface Envelope<T> {
  id: number;
  body: T;
}

/** Data the worker receives at start (workerData). */
export interface SyncWorkerData {
  port: MessagePort;
  signal: Int32Array;
}

/** Starts the worker whose module is `moduleUrl` (its `.js`, or its `.ts` beside it); returns the blocking call. */
export function startSyncWorker<Request, Response>(moduleUrl: URL, timeoutMs: number): (request: Request) => Response {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1: port, port2: workerPort } = new MessageChannel();
  const jsPath = fileURLToPath(moduleUrl);
  const tsPath = jsPath.replace(/\.js$/, '.ts');
  const useTs = !existsSync(jsPath) && existsSync(tsPath);
  const bootstrap = useTs
    ? `require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs/api'))}).require(${JSON.stringify(tsPath)}, ${JSON.stringify(tsPath)});`
    : `import(${JSON.stringify(moduleUrl.href)});`;
  const worker = new Worker(bootstrap, { eval: true, execArgv: [], workerData: { port: workerPort, signal } satisfies SyncWorkerData, transferList: [workerPort] });
  worker.unref();
  let nextId = 0;
  return (request) => {
    const id = nextId++;
    Atomics.store(signal, 0, 0);
    port.postMessage({ id, body: request } satisfies Envelope<Request>);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(signal, 0, 0, left) === 'timed-out') throw new Error(`the database worker did not answer within ${timeoutMs / 1000} s`);
      Atomics.store(signal, 0, 0);
      // Answers to calls that timed out earlier come first; they are dropped.
      for (let message = receiveMessageOnPort(port); message !== undefined; message = receiveMessageOnPort(port)) {
        const envelope = message.message as Envelope<Response>;
        if (envelope.id === id) return envelope.body;
      }
    }
  };
}

/** In the worker: answers each request with `handle`, one at a time, waking the blocked caller. */
export function answerSyncCalls<Request, Response>(data: SyncWorkerData, handle: (request: Request) => Promise<Response>): void {
  const { port, signal } = data;
  let chain = Promise.resolve();
  port.on('message', ({ id, body }: Envelope<Request>) => {
    chain = chain.then(async () => {
      let answer: Response;
      try {
        answer = await handle(body);
      } catch (error) {
        answer = { ok: false, executed: 0, error: { message: error instanceof Error ? error.message : String(error) } } as Response;
      }
      port.postMessage({ id, body: answer } satisfies Envelope<Response>);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    });
  });
}
