/**
 * A synchronous PostgreSQL connection for the synchronous Store contract. The `pg` driver runs in a
 * worker thread (postgresWorker.ts); each call posts statements to it and blocks the event loop on
 * `Atomics.wait` until the worker answers (syncWorkerCall.ts), so a transaction never interleaves with other
 * work on the event loop, exactly as with the embedded engine.
 *
 * Every call costs one crossing and one or more server round trips while the event loop waits
 * (figures in the README). To keep crossings few, statements whose results nobody reads (`write`)
 * are queued inside a transaction and sent with the next statement that returns rows, or with the
 * COMMIT; a savepoint sends its SAVEPOINT with its first read and its RELEASE with the next one.
 * A queued write that fails still fails the savepoint or transaction it belongs to: a savepoint
 * with writes of its own sends them before it ends.
 */
import type { ErrorCodeOf } from '../../../contract/errorCatalogue.js';
import type { BridgeRequest, BridgeResponse, ConnectionSettings, Statement } from './bridgeProtocol.js';
import { startSyncWorker } from './syncWorkerCall.js';

export type { ConnectionSettings } from './bridgeProtocol.js';

/** A statement failed, or the server could not be reached; `sqlState` is the server's SQLSTATE when it answered. */
export class PostgresStoreError extends Error {
  readonly code: ErrorCodeOf<'PostgresStoreError'>;
  readonly sqlState: string | undefined;
  readonly constraint: string | undefined;

  constructor(code: ErrorCodeOf<'PostgresStoreError'>, message: string, details: { sqlState?: string; constraint?: string } = {}) {
    super(message);
    this.name = 'PostgresStoreError';
    this.code = code;
    this.sqlState = details.sqlState;
    this.constraint = details.constraint;
  }
}

/** How long the event loop may wait for one call before the store gives up on the connection. */
const CALL_TIMEOUT_MS = 120_000;

type Row = Record<string, unknown>;

let bridge: ((request: BridgeRequest) => BridgeResponse) | undefined;
function call(request: BridgeRequest): BridgeResponse {
  bridge ??= startSyncWorker<BridgeRequest, BridgeResponse>(new URL('./postgresWorker.js', import.meta.url), CALL_TIMEOUT_MS);
  return bridge(request);
}

/** Where to reach the server, for messages: the URL without its user's password. */
export function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return `${parsed.protocol}//${parsed.username === '' ? '' : `${parsed.username}@`}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the configured PostgreSQL URL (not a valid URL)';
  }
}

/** Opens one connection; throws PostgresStoreError (TRIPLINE_STORE_UNAVAILABLE) naming the server but never the password. */
export function connectPostgres(settings: ConnectionSettings): PostgresSession {
  const response = call({ kind: 'connect', settings });
  if (!response.ok) {
    throw new PostgresStoreError('TRIPLINE_STORE_UNAVAILABLE', `cannot connect to PostgreSQL at ${describeServer(settings.url)}: ${response.error.message}`, { sqlState: response.error.code });
  }
  return new PostgresSession(Number(response.results[0]!.rows[0]!.session));
}

/** A savepoint (or the transaction itself) as the queue tracks it. */
interface Frame {
  /** The SAVEPOINT statement's name; undefined for the transaction. */
  name: string | undefined;
  /** Whether the server has run its BEGIN or SAVEPOINT. */
  established: boolean;
  /** Its BEGIN/SAVEPOINT statement while still queued. */
  opening: Statement | undefined;
}

export class PostgresSession {
  private queue: Statement[] = [];
  private frames: Frame[] = [];
  /** Set when a queued statement outside the innermost savepoint failed: the transaction can only roll back. */
  private doomed: Error | undefined;
  private closed = false;

  constructor(private readonly session: number) {}

  /** Whether a transaction is open. */
  get inTransaction(): boolean {
    return this.frames.length > 0;
  }

  /** Runs the queued statements and this one; returns this one's rows. */
  query<R = Row>(text: string, values?: unknown[]): R[] {
    return this.send({ text, values: values ?? [] })[0]!.rows as R[];
  }

  /** Runs the queued statements and this one; returns how many rows it changed. */
  count(text: string, values?: unknown[]): number {
    return this.send({ text, values: values ?? [], discard: true })[0]!.rowCount;
  }

  /** A statement whose result nobody reads: queued inside a transaction, run at once outside one. */
  write(text: string, values?: unknown[]): void {
    const statement: Statement = { text, values: values ?? [], discard: true };
    if (this.inTransaction) this.queue.push(statement);
    else this.send(statement);
  }

  /** A statement of several commands or none with parameters (DDL): queued like `write`. */
  exec(text: string): void {
    if (this.inTransaction) this.queue.push({ text, discard: true });
    else this.send({ text, discard: true });
  }

  /** Runs statements outside any transaction, one after the other (DDL, maintenance); returns each one's rows. */
  script(statements: readonly Statement[]): Row[][] {
    return this.flush(statements).map((r) => r.rows);
  }

  /** Runs `fn` in a transaction (a savepoint when one is open); rolls back and rethrows when it throws. */
  transaction<T>(fn: () => T): T {
    if (this.inTransaction) return this.savepoint(fn);
    const begin: Statement = { text: 'BEGIN' };
    this.frames.push({ name: undefined, established: false, opening: begin });
    this.queue.push(begin);
    try {
      const result = fn();
      if (this.doomed !== undefined) throw this.doomed;
      this.send({ text: 'COMMIT' });
      return result;
    } catch (error) {
      this.queue = [];
      try {
        this.flush([{ text: 'ROLLBACK' }]);
      } catch {
        // The connection is gone; the server rolls the transaction back itself.
      }
      throw error;
    } finally {
      this.frames = [];
      this.doomed = undefined;
    }
  }

  /** Runs `fn` under a savepoint: when it throws, its writes (and only its) are undone and the error rethrown. */
  savepoint<T>(fn: () => T): T {
    if (!this.inTransaction) return this.transaction(fn);
    const name = `tripline_sp${this.frames.length}`;
    const opening: Statement = { text: `SAVEPOINT ${name}` };
    const frame: Frame = { name, established: false, opening };
    this.frames.push(frame);
    this.queue.push(opening);
    try {
      const result = fn();
      if (frame.opening !== undefined && this.queue[this.queue.length - 1] === frame.opening) {
        this.queue.pop(); // nothing happened inside: the server never needs to hear of it
      } else if (frame.opening !== undefined || this.queue.length > 0) {
        this.send({ text: `RELEASE SAVEPOINT ${name}` }); // its own writes must fail here, not later
      } else {
        this.queue.push({ text: `RELEASE SAVEPOINT ${name}` });
      }
      return result;
    } catch (error) {
      if (frame.opening !== undefined && this.queue.includes(frame.opening)) {
        this.queue.length = this.queue.indexOf(frame.opening); // never sent: drop it and all it queued
      } else if (frame.established && this.doomed === undefined) {
        this.queue = [{ text: `ROLLBACK TO SAVEPOINT ${name}` }, { text: `RELEASE SAVEPOINT ${name}` }];
      } else {
        this.doomed ??= error instanceof Error ? error : new Error(String(error));
      }
      throw error;
    } finally {
      this.frames.pop();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    call({ kind: 'end', session: this.session });
  }

  private send(statement: Statement) {
    if (this.doomed !== undefined) throw this.doomed;
    const statements = [...this.queue, statement];
    this.queue = [];
    const results = this.flush(statements);
    return results.slice(statements.length - 1);
  }

  private flush(statements: readonly Statement[]) {
    if (this.closed) throw new PostgresStoreError('TRIPLINE_STORE_UNAVAILABLE', 'the PostgreSQL store is closed');
    const response = call({ kind: 'run', session: this.session, statements: statements as Statement[] });
    const executed = response.ok ? statements.length : response.executed;
    for (let i = 0; i < executed; i++) this.markEstablished(statements[i]!);
    if (!response.ok) {
      const { message, code, constraint, closed } = response.error;
      const lost = closed === true || code?.startsWith('08') === true || code === '57P01' || /Connection terminated|ECONNRESET|ECONNREFUSED|not queryable/.test(message);
      throw new PostgresStoreError(lost ? 'TRIPLINE_STORE_UNAVAILABLE' : 'TRIPLINE_STORE_STATEMENT_FAILED', message, {
        sqlState: code,
        constraint,
      });
    }
    for (const result of response.results) for (const row of result.rows) toBuffers(row);
    return response.results;
  }

  private markEstablished(statement: Statement): void {
    for (const frame of this.frames) {
      if (frame.opening === statement) {
        frame.established = true;
        frame.opening = undefined;
      }
    }
  }
}

/** bytea values cross the thread as Uint8Array; the decoders read Buffers. */
function toBuffers(row: Row): void {
  for (const key in row) {
    const value = row[key];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
}
