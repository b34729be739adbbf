/**
 * Every stable error code Tripline raises, in one list: who raises it, its HTTP status where the API
 * answers with it, whether trying again can help where a caller decides that, and what it means.
 *
 * Error classes keep their classes (as Fastify's and undici's do) and carry a `code` typed from this
 * list (`ErrorCodeOf<'DeskError'>`), so a code that is not listed here does not compile. The HTTP
 * API's catalogue is the view of the codes with a status. The README's "Error codes" table is
 * checked against this list by a test, and so is every code literal in the source.
 *
 * It lives in contract/ because the agent, the collector, the config loader and the rules all raise
 * codes from it, and the agent may import nothing of the collector's or the rules'.
 */

/** The part of Tripline that raises a code. */
export type ErrorComponent = 'collector-api' | 'collector-desk' | 'collector-store' | 'agent' | 'config' | 'rules' | 'cli';

/** The class (or, for the agent section's checks, the issue type) a code is raised as. */
export type ErrorRaiser =
  | 'ApiError'
  | 'OperationError'
  | 'DeskError'
  | 'AgentEnrollmentError'
  | 'AgentStateError'
  | 'CollectorConnectionError'
  | 'ProcParseError'
  | 'AgentConfigIssue'
  | 'YamlValidationError'
  | 'LabelMatcherError'
  | 'SeriesValuesError'
  | 'TemplateError'
  | 'CliError'
  | 'SchemaTooNewError'
  | 'PostgresStoreError'
  | 'MigrateError';

/**
 * Whether trying the same thing again can help: `yes` and `no` hold for every error with the code;
 * `depends` means the error's own `retryable` says, case by case.
 */
export type ErrorRetry = 'yes' | 'no' | 'depends';

/** One code and what is known about it. */
export interface ErrorCatalogueEntry {
  /** `TRIPLINE_` and upper-case words; stable: scripts, alerts and stored rows match on it. */
  readonly code: string;
  readonly component: ErrorComponent;
  readonly raisedBy: readonly ErrorRaiser[];
  /** The HTTP status the API answers with; only codes the API answers with have one. */
  readonly status?: number;
  /** Only where a caller decides on a retry from the error (desk deliveries, enrollment). */
  readonly retry?: ErrorRetry;
  /** One sentence, shown in the README. */
  readonly meaning: string;
}

/** The catalogue, grouped by component; the README lists it in this order. */
export const ERROR_CATALOGUE = [
  // The HTTP API: every error answers {"error": {"code", "message", "path"?}} with the status.
  { code: 'TRIPLINE_UNAUTHORIZED', component: 'collector-api', raisedBy: ['ApiError'], status: 401, meaning: 'missing or unknown bearer token (an agent, enrollment or API token)' },
  { code: 'TRIPLINE_FORBIDDEN', component: 'collector-api', raisedBy: ['ApiError'], status: 403, meaning: "a report for another agent than its credential's (an enrolled agent's credential with another agent id or host name, a shared agent token claiming an enrolled id or an enrolled agent's host), or a revoked credential; an API token revoked or whose role does not include the route's" },
  {
    code: 'TRIPLINE_VALIDATION_FAILED',
    component: 'collector-api',
    raisedBy: ['ApiError', 'OperationError'],
    status: 400,
    meaning: 'the body, query or path does not match its schema, or an operator action cannot use a value in it (a matcher, a cron expression); `path` names the field',
  },
  { code: 'TRIPLINE_MALFORMED_JSON', component: 'collector-api', raisedBy: ['ApiError'], status: 400, meaning: 'the body is not JSON' },
  { code: 'TRIPLINE_MALFORMED_GZIP', component: 'collector-api', raisedBy: ['ApiError'], status: 400, meaning: 'Content-Encoding is gzip but the body does not decompress' },
  { code: 'TRIPLINE_INVALID_UTF8', component: 'collector-api', raisedBy: ['ApiError'], status: 400, meaning: 'the body is not valid UTF-8 (nothing is replaced with U+FFFD)' },
  { code: 'TRIPLINE_BODY_TOO_LARGE', component: 'collector-api', raisedBy: ['ApiError'], status: 413, meaning: 'the body (after decompression) exceeds `collector.maxBodyBytes`' },
  { code: 'TRIPLINE_UNSUPPORTED_ENCODING', component: 'collector-api', raisedBy: ['ApiError'], status: 415, meaning: 'Content-Encoding other than gzip or identity' },
  { code: 'TRIPLINE_UNSUPPORTED_MEDIA_TYPE', component: 'collector-api', raisedBy: ['ApiError'], status: 415, meaning: 'Content-Type other than application/json, or a charset other than utf-8' },
  { code: 'TRIPLINE_NOT_FOUND', component: 'collector-api', raisedBy: ['ApiError', 'OperationError'], status: 404, meaning: 'no such route or object' },
  {
    code: 'TRIPLINE_CONFLICT',
    component: 'collector-api',
    raisedBy: ['ApiError', 'OperationError'],
    status: 409,
    meaning: "the object's state forbids the action (e.g. acknowledging a resolved incident, retrying a delivery that is not dead, enrolling an agent id that is already enrolled); the message says why",
  },
  {
    code: 'TRIPLINE_UNKNOWN_SERIES_SET',
    component: 'collector-api',
    raisedBy: ['ApiError'],
    status: 409,
    meaning: "a report of `values` against a `seriesSet` this collector does not keep (it restarted, it is another collector than the one that named the set, or it let go of a set unused for an hour): the agent sends the same report again with its observations",
  },
  { code: 'TRIPLINE_REPORT_UNSTORABLE', component: 'collector-api', raisedBy: ['ApiError'], status: 422, meaning: 'the report passed validation but storing it failed; it failed alone (the other reports of its batch were stored) and is refused for good: the message says why' },
  {
    code: 'TRIPLINE_ALERT_PAYLOAD_INVALID',
    component: 'collector-api',
    raisedBy: ['ApiError'],
    status: 422,
    meaning: "an Alertmanager webhook notification (`POST /api/v1/intake/alertmanager`) is JSON but not Alertmanager's version 4 payload; `path` names the field (`body/alerts/0/startsAt`). Nothing of it was applied",
  },
  { code: 'TRIPLINE_RATE_LIMITED', component: 'collector-api', raisedBy: ['ApiError'], status: 429, meaning: 'too many reports from one agent id a minute or in progress at once (`collector.limits`), too many live event streams (`collector.console.live`) or failed console sign-ins from one address (`collector.console.signInFailuresPerMinute`); retry after Retry-After' },
  { code: 'TRIPLINE_REQUEST_TIMEOUT', component: 'collector-api', raisedBy: ['ApiError'], status: 408, meaning: "the request's headers did not arrive within `collector.limits.headersTimeout` or the whole request within `requestTimeout`; the connection is closed (a connection that sent nothing is closed without this answer)" },
  { code: 'TRIPLINE_HEADERS_TOO_LARGE', component: 'collector-api', raisedBy: ['ApiError'], status: 431, meaning: "the request's headers exceed Node's limit (16 KiB); the connection is closed" },
  { code: 'TRIPLINE_BAD_REQUEST', component: 'collector-api', raisedBy: ['ApiError'], status: 400, meaning: 'any other malformed request, including one that is not HTTP at all (then the connection is closed)' },
  { code: 'TRIPLINE_SHUTTING_DOWN', component: 'collector-api', raisedBy: ['ApiError'], status: 503, meaning: 'the collector is stopping; retry later' },
  { code: 'TRIPLINE_INTERNAL', component: 'collector-api', raisedBy: ['ApiError'], status: 500, meaning: 'an unexpected failure; details are in the collector log only' },

  // Desk adapters: an outbox row's `lastError` is `<code>: <message>`; `retry` decides backoff or dead letter.
  { code: 'TRIPLINE_DESK_UNREACHABLE', component: 'collector-desk', raisedBy: ['DeskError'], retry: 'yes', meaning: 'the desk could not be reached (connection refused, DNS or TLS failure); delivered later with backoff' },
  { code: 'TRIPLINE_DESK_TIMEOUT', component: 'collector-desk', raisedBy: ['DeskError'], retry: 'yes', meaning: "the desk did not answer within the desk's `timeout`" },
  { code: 'TRIPLINE_DESK_RATE_LIMITED', component: 'collector-desk', raisedBy: ['DeskError'], retry: 'yes', meaning: "the desk answered 429 (or an SMTP 4.7.x); tried again after the desk's Retry-After" },
  { code: 'TRIPLINE_DESK_SERVER_ERROR', component: 'collector-desk', raisedBy: ['DeskError'], retry: 'yes', meaning: 'the desk answered 5xx (or another SMTP 4xx)' },
  {
    code: 'TRIPLINE_DESK_REJECTED',
    component: 'collector-desk',
    raisedBy: ['DeskError'],
    retry: 'no',
    meaning: 'the desk refused the request (a 4xx other than 401, 403 and 429, an SMTP 5xx, a ticket or transition it does not have); the delivery becomes a dead letter',
  },
  { code: 'TRIPLINE_DESK_AUTH_FAILED', component: 'collector-desk', raisedBy: ['DeskError'], retry: 'no', meaning: "the desk refused the credential (401, 403, SMTP 535, an unknown routing key); fix the desk's `secret`" },
  {
    code: 'TRIPLINE_DESK_BAD_RESPONSE',
    component: 'collector-desk',
    raisedBy: ['DeskError'],
    retry: 'depends',
    meaning: 'an answer the adapter cannot use (no ticket id in it: not retried), an operation before its ticket is recorded, or an unexpected adapter failure (both retried)',
  },

  // The collector's store.
  { code: 'TRIPLINE_SCHEMA_TOO_NEW', component: 'collector-store', raisedBy: ['SchemaTooNewError', 'PostgresStoreError'], meaning: 'the database was written by a newer Tripline (more schema migrations than this release knows); nothing opens it until Tripline is upgraded or a backup restored' },
  { code: 'TRIPLINE_MIGRATE_FAILED', component: 'cli', raisedBy: ['MigrateError'], meaning: '`tripline migrate` cannot start (the SQLite file or the PostgreSQL store cannot be opened, or the target holds data no migration wrote) or stopped part-way; what it copied stays, and running it again continues where it stopped' },
  { code: 'TRIPLINE_STORE_UNAVAILABLE', component: 'collector-store', raisedBy: ['PostgresStoreError'], meaning: 'the PostgreSQL store cannot be reached (refused, timed out, wrong user or password) or its connection was closed; the message names the server without its password' },
  { code: 'TRIPLINE_STORE_STATEMENT_FAILED', component: 'collector-store', raisedBy: ['PostgresStoreError'], meaning: "a PostgreSQL statement failed; the error's `sqlState` is the server's SQLSTATE (23505: a unique constraint, such as a second active incident of one fingerprint), and its transaction was rolled back" },

  // The agent.
  { code: 'TRIPLINE_ENROLL_REFUSED', component: 'agent', raisedBy: ['AgentEnrollmentError'], retry: 'no', meaning: 'the collector refused enrollment (a wrong enrollment token, an agent id already enrolled or revoked) or answered without a credential' },
  { code: 'TRIPLINE_ENROLL_UNAVAILABLE', component: 'agent', raisedBy: ['AgentEnrollmentError'], retry: 'yes', meaning: 'enrollment could not reach the collector, or it answered 429 or 5xx; the agent tries again' },
  { code: 'TRIPLINE_AGENT_STATE_UNUSABLE', component: 'agent', raisedBy: ['AgentStateError'], meaning: '`<dataDir>/agent/state.json` exists but cannot be used; the agent refuses to start rather than reuse sequence numbers' },
  { code: 'TRIPLINE_BAD_RESPONSE', component: 'agent', raisedBy: ['CollectorConnectionError'], meaning: "the collector's answer to an upload is not an HTTP/1.x response the agent reads; the message names the part" },
  { code: 'TRIPLINE_PROXY_INVALID', component: 'agent', raisedBy: ['CollectorConnectionError'], meaning: 'a proxy variable of the environment (https_proxy, http_proxy, all_proxy) is not an http:// URL; the agent does not start rather than send reports past the proxy' },
  { code: 'TRIPLINE_PROXY_REFUSED', component: 'agent', raisedBy: ['CollectorConnectionError'], meaning: 'the HTTP proxy answered CONNECT with a status other than 2xx (407: its user and password are wrong or missing); the report stays in the spool and is sent again' },
  { code: 'TRIPLINE_CONNECTION_BUSY', component: 'agent', raisedBy: ['CollectorConnectionError'], meaning: 'a second upload on the collector connection while one is in flight (a bug: uploads are serialised)' },
  { code: 'TRIPLINE_PROC_PARSE', component: 'agent', raisedBy: ['ProcParseError'], meaning: 'a `/proc` file does not have the shape the kernel documents; the message names the file' },

  // Config, rule and rule-test files, and the agent section's checks beyond the schema.
  { code: 'TRIPLINE_INVALID_YAML', component: 'config', raisedBy: ['YamlValidationError'], meaning: 'a config, rule or rule-test file cannot be read, parsed or validated; every problem is listed as `file:line:column: path: message`' },
  { code: 'TRIPLINE_AGENT_INVALID_TARGET', component: 'config', raisedBy: ['AgentConfigIssue'], meaning: 'a ping, TCP, HTTP, DNS or systemd target of the agent section is not usable (a host that is not one, a URL with credentials)' },
  { code: 'TRIPLINE_AGENT_DUPLICATE_TARGET', component: 'config', raisedBy: ['AgentConfigIssue'], meaning: 'two targets of one probe have the same name' },
  { code: 'TRIPLINE_AGENT_INVALID_DURATION', component: 'config', raisedBy: ['AgentConfigIssue'], meaning: 'an interval or timeout of the agent section does not parse or is outside its range' },
  { code: 'TRIPLINE_AGENT_INVALID_URL', component: 'config', raisedBy: ['AgentConfigIssue'], meaning: '`agent.collectorUrl` or an entry of `agent.collectorUrls` is not an http:// or https:// URL, or both are set' },
  { code: 'TRIPLINE_AGENT_INVALID_PATTERN', component: 'config', raisedBy: ['AgentConfigIssue'], meaning: '`agent.disks.excludeDevices` is not a valid regular expression' },
  { code: 'TRIPLINE_AGENT_INVALID_PLUGIN', component: 'config', raisedBy: ['AgentConfigIssue'], meaning: 'a plugin is not usable: a name used twice, a command that is not a normalised absolute path, an unsafe argument, a timeout longer than its interval' },
  { code: 'TRIPLINE_AGENT_INVALID_CA', component: 'config', raisedBy: ['AgentConfigIssue'], meaning: 'a `caFile` of the agent section cannot be read' },
  { code: 'TRIPLINE_AGENT_INVALID_SCHEDULE', component: 'config', raisedBy: ['AgentConfigIssue'], meaning: '`agent.inventory.schedule` is not a valid cron expression' },

  // The rules.
  { code: 'TRIPLINE_LABEL_MATCHER', component: 'rules', raisedBy: ['LabelMatcherError'], meaning: 'a label matcher does not parse, or its regex is not valid; the message shows the expected form' },
  { code: 'TRIPLINE_TEMPLATE', component: 'rules', raisedBy: ['TemplateError'], meaning: "a rule's summary or description template does not parse or names an unknown variable" },
  { code: 'TRIPLINE_SERIES_VALUES', component: 'rules', raisedBy: ['SeriesValuesError'], meaning: "a rule test's input series notation (`1+2x3`, `_x2`) cannot be read; the message names the term" },

  // The command line.
  { code: 'TRIPLINE_CLI_REFUSED', component: 'cli', raisedBy: ['CliError'], meaning: 'a command cannot do what was asked (no database yet, no such object, a malformed id); printed as `tripline: <message>` with exit code 1' },
] as const satisfies readonly ErrorCatalogueEntry[];

type Entry = (typeof ERROR_CATALOGUE)[number];

/** Every code in the catalogue. */
export type ErrorCode = Entry['code'];

/** The codes of the entries among `E` that `R` raises (distributes over `E`). */
type CodesRaisedBy<E, R> = E extends { code: infer C; raisedBy: ReadonlyArray<infer By> } ? (R extends By ? C : never) : never;

/** The codes `raiser` may carry: a class's `code` is typed with this. */
export type ErrorCodeOf<R extends ErrorRaiser> = CodesRaisedBy<Entry, R>;

/** The codes the HTTP API answers with: those with a status. */
export type HttpErrorCode = Extract<Entry, { status: number }>['code'];

/**
 * The `retryable` flag an error with code `C` may carry: fixed where the catalogue says `yes` or
 * `no`, either where it says `depends`. For a union of codes, the union of their flags.
 */
export type RetryableFlag<C extends ErrorCode> = C extends unknown
  ? Extract<Entry, { code: C }> extends { retry: 'yes' }
    ? true
    : Extract<Entry, { code: C }> extends { retry: 'no' }
      ? false
      : boolean
  : never;

/** The catalogue entry of `code`. */
export function errorCatalogueEntry(code: ErrorCode): Entry {
  const entry = ERROR_CATALOGUE.find((candidate) => candidate.code === code);
  if (entry === undefined) throw new Error(`${code} is not in the error catalogue`);
  return entry;
}
