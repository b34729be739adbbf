/** What the main thread and the PostgreSQL bridge's worker (postgresWorker.ts) say to each other. */

/** How to reach the server; the password travels beside the URL, never inside it. */
export interface ConnectionSettings {
  url: string;
  password?: string;
  applicationName: string;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

/** One statement; without `values` it is sent as a simple query (BEGIN, SAVEPOINT, DDL). */
export interface Statement {
  text: string;
  values?: unknown[];
  /** The caller wants no rows back (only the count), so none cross the thread. */
  discard?: boolean;
}

export type BridgeRequest =
  | { kind: 'connect'; settings: ConnectionSettings }
  | { kind: 'run'; session: number; statements: Statement[] }
  | { kind: 'end'; session: number };

export interface StatementResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number;
}

export type BridgeResponse =
  | { ok: true; results: StatementResult[] }
  /** `executed`: how many statements ran before the one that failed. */
  | { ok: false; executed: number; error: { message: string; code?: string; constraint?: string; detail?: string; closed?: boolean } };
