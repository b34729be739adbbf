/**
 * Opens the collector's database for an operator command and builds the operations over it, wired
 * as the collector wires them. The CLI works on the store directly (the SQLite file, whose WAL lets it
 * write next to a running collector, or the shared PostgreSQL); desk operations it enqueues are delivered by the collector's outbox worker.
 */
import { userInfo } from 'node:os';
import { pino } from 'pino';
import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';
import { systemClock } from '../../collector/clock.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { createOperations, type Operations } from '../../collector/operations/createOperations.js';
import { actingAs } from '../../collector/operations/operationAccess.js';
import { OperationError, type OperationProblem } from '../../collector/operations/operationError.js';
import { describeStore, openConfiguredStore, storeExists } from '../../collector/store/openStore.js';
import type { Config } from '../../config/configSchema.js';
import { loadConfig } from '../../config/loadConfig.js';

/** A command's refusal: printed as `tripline: <message>`, exit code 1. */
export class CliError extends Error {
  readonly code: ErrorCodeOf<'CliError'> = 'TRIPLINE_CLI_REFUSED';
  override readonly name = 'CliError';
}

/** Runs `fn` with the operations over the database the config names; CliError when there is none yet. */
export function withOperations<T>(configFile: string | undefined, readOnly: boolean, fn: (operations: Operations, config: Config) => T): T {
  const { config } = loadConfig(configFile);
  if (!storeExists(config)) throw new CliError(`no database at ${describeStore(config)}: has the collector run with this data directory?`);
  const store = openConfiguredStore(config, { readOnly });
  try {
    const core = createIncidentCore({ store, config, clock: systemClock, log: pino({ level: 'silent' }) });
    // Audited actions are recorded under the user running the command: the database file's permissions are the CLI's authorization.
    return fn(actingAs(createOperations({ store, config, clock: systemClock, core }), { store, clock: systemClock }, cliActor()), config);
  } finally {
    store.close();
  }
}

/** Runs `action`; a refusal of one of `problems` is written to stderr as it is, and answers exit code 1. */
export function refusalsToStderr(problems: readonly OperationProblem[], action: () => number): number {
  try {
    return action();
  } catch (error) {
    if (!(error instanceof OperationError) || !problems.includes(error.problem)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

/** Runs `action`; an OperationError is thrown again as a CliError with the command's own wording. */
export function reworded<T>(action: () => T, wording: (error: OperationError) => string): T {
  try {
    return action();
  } catch (error) {
    throw error instanceof OperationError ? new CliError(wording(error)) : error;
  }
}

/** Who the CLI acts as in the audit log: `cli:<the operating system user>`. */
export function cliActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return `cli:${name}`;
}
