/**
 * The worker thread of the PostgreSQL bridge (postgresBridge.ts): it owns the `pg` connections and
 * runs the statements the main thread posts, in order, on the connection named, stopping at the
 * first that fails. The main thread waits on it synchronously (syncWorkerCall.ts: Atomics.wait over a
 * SharedArrayBuffer), so the Store contract stays synchronous.
 *
 * Results and failures cross the thread as plain data; a failure carries the server's message,
 * SQLSTATE and constraint, never the connection's password.
 */
import pg from 'pg';
import { workerData } from 'node:worker_threads';
import type { BridgeRequest, BridgeResponse, ConnectionSettings, StatementResult } from './bridgeProtocol.js';
import { answerSyncCalls, type SyncWorkerData } from './syncWorkerCall.js';

// Times and ids are bigint columns holding milliseconds and counters far below 2^53; sums of them are numeric.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (text) => Number(text));

interface Session {
  client: pg.Client;
  /** Prepared statement names by text: each text is parsed and planned once per connection. */
  names: Map<string, string>;
  password: string | undefined;
}

const sessions = new Map<number, Session>();
let nextSession = 1;

answerSyncCalls(workerData as SyncWorkerData, async (request: BridgeRequest): Promise<BridgeResponse> => {
  switch (request.kind) {
    case 'connect':
      return connect(request.settings);
    case 'run': {
      const session = sessions.get(request.session);
      if (session === undefined) return { ok: false, executed: 0, error: { message: 'the PostgreSQL connection is closed', closed: true } };
      return run(session, request.statements);
    }
    case 'end': {
      const session = sessions.get(request.session);
      sessions.delete(request.session);
      await session?.client.end().catch(() => undefined);
      return { ok: true, results: [] };
    }
  }
});

async function connect(settings: ConnectionSettings): Promise<BridgeResponse> {
  let connectionString: string;
  try {
    // The driver lets a URL's (missing) password win over a separate one, so the password joins the URL here, in the worker only.
    const url = new URL(settings.url);
    if (settings.password !== undefined) url.password = encodeURIComponent(settings.password);
    connectionString = url.href;
  } catch {
    return { ok: false, executed: 0, error: { message: 'the URL is not a postgres://user@host:port/database URL' } };
  }
  const client = new pg.Client({
    connectionString,
    application_name: settings.applicationName,
    statement_timeout: settings.statementTimeoutMs,
    connectionTimeoutMillis: settings.connectTimeoutMs,
  });
  // A connection that breaks between statements reports on its next query; this keeps the worker alive meanwhile.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    return { ok: false, executed: 0, error: describe(error, settings.password) };
  }
  const session = nextSession++;
  sessions.set(session, { client, names: new Map(), password: settings.password });
  return { ok: true, results: [{ rows: [{ session }], rowCount: 1 }] };
}

async function run(session: Session, statements: BridgeRequest & { kind: 'run' } extends { statements: infer S } ? S : never): Promise<BridgeResponse> {
  const results: StatementResult[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      const result =
        statement.values === undefined
          ? await session.client.query(statement.text)
          : await session.client.query({ name: nameOf(session, statement.text), text: statement.text, values: statement.values.map(toDriver) });
      results.push({ rows: statement.discard ? [] : result.rows, rowCount: result.rowCount ?? 0 });
    } catch (error) {
      return { ok: false, executed: index, error: describe(error, session.password) };
    }
  }
  return { ok: true, results };
}

function nameOf(session: Session, text: string): string {
  let name = session.names.get(text);
  if (name === undefined) session.names.set(text, (name = `tripline_${session.names.size + 1}`));
  return name;
}

/** Byte arrays arrive as Uint8Array (structured clone drops Buffer); the driver sends Buffers as bytea. */
function toDriver(value: unknown): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

function describe(error: unknown, password: string | undefined): { message: string; code?: string; constraint?: string; detail?: string } {
  const e = error as { message?: unknown; code?: unknown; constraint?: unknown; detail?: unknown };
  const scrub = (text: string) => (password === undefined || password === '' ? text : text.split(password).join('***'));
  return {
    message: scrub(String(e.message ?? error)),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
    ...(typeof e.detail === 'string' ? { detail: scrub(e.detail) } : {}),
  };
}
