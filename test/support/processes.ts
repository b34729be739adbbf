/**
 * Helpers for end-to-end tests on real processes: free ports, spawning the compiled `tripline`
 * CLI, waiting for conditions, and a webhook receiver that records what it is sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { signWebhook, type WebhookPayload } from '../../collector/desk/webhookDesk.js';
import { agentNodeFlags } from '../../config/packageInfo.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO_ROOT, 'dist/cli/main.js');
/** `tripline-agent`: `tripline agent` with the Node flags the agent is shipped with. */
export const AGENT_CLI = join(REPO_ROOT, 'dist/cli/agentMain.js');

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

export interface TriplineProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `node dist/cli/main.js ...args`, logging to `logFile`. `agent ...` runs as shipped:
 * `tripline-agent ...` (dist/cli/agentMain.js with the Node flags of its first line, as the systemd
 * unit does), so that the end-to-end tests cover the agent under those flags.
 */
/**
 * The admin API token every spawned collector accepts (TRIPLINE_ADMIN_TOKENS), so a test reads the
 * API as a person with a token would; `asAdmin` is the header that presents it.
 */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const asAdmin = { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } };

export function spawnTripline(args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): TriplineProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const command = args[0] === 'agent' ? [...agentNodeFlags(AGENT_CLI), AGENT_CLI, ...args.slice(1)] : [CLI, ...args];
  const child = spawn(process.execPath, command, { env: { ...process.env, TRIPLINE_ADMIN_TOKENS: TEST_ADMIN_TOKEN, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Both into one file, which neither may end: the first to close would cut off the other's last lines.
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  // Settled once the log holds everything the process wrote: its pipes closed after its exit (or 5 s
  // after it, should a child of its own hold them) and the file written. On 'exit' alone, a test that
  // read the log at once could miss the last lines (a stop's "collector stopped", once).
  const exited = new Promise<number | null>((ok) =>
    child.on('exit', (code) => {
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        log.end(() => ok(code));
      };
      const timer = setTimeout(end, 5000);
      child.on('close', end);
    }),
  );
  return {
    child,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. The
 * default is generous (a minute): it only bounds a wait that returns as soon as its condition holds,
 * and a process starting on a busy 2-core machine (the suite beside `stress-ng --cpu 2`) takes long.
 */
/**
 * The config files of one collector (its SQLite store in `collectorDir`, `token` as its shared agent
 * token, reachability probing off) and one agent reporting to it every second as `agentId`, written
 * to `dir` as collector.yaml and agent.yaml; their paths.
 */
export function writeAgentCollectorConfigs(options: { dir: string; collectorDir: string; agentDir: string; port: number; token: string; agentId: string }): { collectorConfig: string; agentConfig: string } {
  const { dir, collectorDir, agentDir, port, token, agentId } = options;
  const collectorConfig = join(dir, 'collector.yaml');
  const agentConfig = join(dir, 'agent.yaml');
  writeFileSync(collectorConfig, `dataDir: ${collectorDir}\nlog: { level: warn }\ncollector:\n  listen: { host: 127.0.0.1, port: ${port} }\n  agentTokens: ['${token}']\nincidents: { reachability: { enabled: false } }\n`);
  writeFileSync(
    agentConfig,
    `dataDir: ${agentDir}\nlog: { level: warn }\nagent:\n  collectorUrl: http://127.0.0.1:${port}\n  token: ${token}\n  id: ${agentId}\n  interval: 1s\n  sendTimeout: 2s\n  ping: { gateway: false }\n`,
  );
  return { collectorConfig, agentConfig };
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((ok) => setTimeout(ok, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

export interface ReceivedWebhook {
  payload: WebhookPayload;
  idempotencyKey: string;
  signatureValid: boolean;
  /** When it arrived (Date.now()). */
  receivedAtMs: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every accepted request, in arrival order (including re-sent ones). */
  received: ReceivedWebhook[];
  /** Status to answer with next; 200 accepts and records. */
  respondWith: number;
  /** How long each answer is held back after the request was recorded (a slow desk); 0 by default. */
  delayMs: number;
  close(): Promise<void>;
}

/** A webhook desk on loopback that checks signatures and answers `{ticketId}` like a real desk would. */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: '', received: [], respondWith: 200, delayMs: 0, close: async () => undefined };
  const server: Server = createHttpServer(async (request: IncomingMessage, response) => {
    const body = await readBody(request);
    if (receiver.respondWith !== 200) {
      response.writeHead(receiver.respondWith, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
      return;
    }
    const timestamp = String(request.headers['x-tripline-timestamp'] ?? '');
    const payload = JSON.parse(body) as WebhookPayload;
    receiver.received.push({
      payload,
      idempotencyKey: String(request.headers['idempotency-key'] ?? ''),
      signatureValid: request.headers['x-tripline-signature'] === signWebhook(secret, timestamp, body),
      receivedAtMs: Date.now(),
    });
    if (receiver.delayMs > 0) await new Promise((ok) => setTimeout(ok, receiver.delayMs));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ticketId: `WH-${payload.incident.id}` }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/tripline`;
  receiver.close = () => new Promise<void>((ok) => server.close(() => ok()));
  return receiver;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A TCP listener the test can take down and bring back on the same port: the controllable fault. */
export async function startTcpTarget(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = createNetServer((socket) => socket.end());
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
