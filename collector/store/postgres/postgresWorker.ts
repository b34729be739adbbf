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
import type { BridgeRequest, BridgeResponse, ConnectionSettings, Statement, StatementResult } from './bridgeProtocol.js';
import { answerSyncCalls, type SyncWorkerData } from './syncWorkerCall.js';

// Times and ids are bigint columns holding milliseconds and counters far below 2^53; sums of them are numeric.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (text) => Number(text));

interface Session {
  client: pg.Client;
  /** Prepared statement names by text: each text is parsed and planned once per connection. */
  names: Map<string, string>;
  password: string | undefined;
  settings: ConnectionSettings;
  /** The connection failed (the server restarted, a failover, a network cut): the next batch reconnects. */
  broken: boolean;
  /** A transaction is open on the connection (BEGIN ran, no COMMIT or ROLLBACK yet). */
  inTransaction: boolean;
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
  const made = await newClient(settings);
  if ('error' in made) return { ok: false, executed: 0, error: made.error };
  const session = nextSession++;
  const state: Session = { client: made.client, names: new Map(), password: settings.password, settings, broken: false, inTransaction: false };
  watch(state);
  sessions.set(session, state);
  return { ok: true, results: [{ rows: [{ session }], rowCount: 1 }] };
}

/** Marks the session broken when its connection fails between or during statements. */
function watch(session: Session): void {
  const client = session.client;
  const broken = () => {
    if (session.client === client) session.broken = true;
  };
  client.on('error', broken);
  client.on('end', broken);
}

/**
 * A broken connection is replaced before the next batch; a transaction that was open on it is lost,
 * so a batch that continues it fails (the caller rolls back and retries) rather than running its
 * statements outside the transaction they belong to.
 */
async function healed(session: Session, statements: readonly Statement[]): Promise<BridgeResponse | undefined> {
  if (!session.broken) return undefined;
  const wasInTransaction = session.inTransaction;
  session.inTransaction = false;
  const made = await newClient(session.settings);
  if ('error' in made) return { ok: false, executed: 0, error: { ...made.error, closed: true } };
  session.client.removeAllListeners();
  session.client = made.client;
  session.names = new Map();
  session.broken = false;
  watch(session);
  const continuesTransaction = wasInTransaction && statements[0]?.text !== 'BEGIN' && statements[0]?.text !== 'ROLLBACK';
  return continuesTransaction ? { ok: false, executed: 0, error: { message: 'the connection to PostgreSQL was lost during the transaction; it was rolled back', closed: true } } : undefined;
}

async function newClient(settings: ConnectionSettings): Promise<{ client: pg.Client } | { error: ReturnType<typeof describe> }> {
  let connectionString: string;
  try {
    // The driver lets a URL's (missing) password win over a separate one, so the password joins the URL here, in the worker only.
    const url = new URL(settings.url);
    if (settings.password !== undefined) url.password = encodeURIComponent(settings.password);
    connectionString = url.href;
  } catch {
    return { error: { message: 'the URL is not a postgres://user@host:port/database URL' } };
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
    return { error: describe(error, settings.password) };
  }
  return { client };
}

async function run(session: Session, statements: BridgeRequest & { kind: 'run' } extends { statements: infer S } ? S : never): Promise<BridgeResponse> {
  const refused = await healed(session, statements);
  if (refused !== undefined) return refused;
  const results: StatementResult[] = [];
  for (const [index, statement] of statements.entries()) {
    if (statement.text === 'BEGIN') session.inTransaction = true;
    else if (statement.text === 'COMMIT' || statement.text === 'ROLLBACK') session.inTransaction = false;
    try {
      const result =
        statement.values === undefined
          ? await session.client.query(statement.text)
          : await session.client.query({ name: nameOf(session, statement.text), text: statement.text, values: statement.values.map(toDriver) });
      results.push({ rows: statement.discard ? [] : result.rows, rowCount: result.rowCount ?? 0 });
    } catch (error) {
      // No SQLSTATE, a connection class (08…) or the server shutting the session (57P…): the connection is gone.
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || code.startsWith('08') || code.startsWith('57P')) session.broken = true;
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

function describe(error: unknown, password: string | undefined): { message: string; code?: string; constraint?: string; detail?: string; closed?: boolean } {
  const e = error as { message?: unknown; code?: unknown; constraint?: unknown; detail?: unknown };
  const scrub = (text: string) => (password === undefined || password === '' ? text : text.split(password).join('***'));
  return {
    message: scrub(String(e.message ?? error)),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
    ...(typeof e.detail === 'string' ? { detail: scrub(e.detail) } : {}),
  };
}
