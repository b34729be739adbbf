/**
 * Who may run each operation, and which are recorded in the audit log: one table over every
 * operation, so an operation added to `Operations` does not compile until it says its role here.
 * The HTTP API checks the role of the presented token; `actingAs` records the audited ones under
 * the actor's name (a token's name, or `cli:<user>` for the CLI, whose authorization is the
 * database file's permissions), in the same transaction as the action itself.
 */
import type { Clock } from '../clock.js';
import type { Role } from '../domain/apiToken.js';
import type { Store } from '../store/store.js';
import type { Operations } from './createOperations.js';

/** The least role an operation needs, and whether a successful call is audited. */
export interface OperationAccess {
  role: Role;
  audited: boolean;
}

const read = (role: Role = 'viewer'): OperationAccess => ({ role, audited: false });
const write = (role: Role = 'operator'): OperationAccess => ({ role, audited: true });

export const OPERATION_ACCESS: { readonly [K in keyof Operations]-?: OperationAccess } = {
  listIncidents: read(),
  incidentDetail: read(),
  explainIncident: read(),
  acknowledge: write(),
  resolve: write(),
  listSilences: read(),
  addSilence: write(),
  expireSilence: write(),
  listMaintenance: read(),
  addMaintenance: write(),
  removeMaintenance: write(),
  listDeliveries: read(),
  retryDelivery: write(),
  listHosts: read(),
  listAgents: read('admin'),
  revokeAgent: write('admin'),
  resetAgent: write('admin'),
  decommissionHost: write('admin'),
  hostSeries: read(),
  latestValues: read(),
  fleet: read(),
  fleetTrend: read(),
  readSeries: read(),
  findSeries: read(),
  latestSeriesValues: read(),
  listServices: read(),
  serviceDetail: read(),
  serviceReports: read(),
  statusPage: read(),
  statusNotice: read(),
  setStatusNotice: write(),
  clearStatusNotice: write(),
  previewSilence: read(),
  backtest: read(),
  listRules: read(),
  checkRuleCandidate: read(),
  createToken: write('admin'),
  listTokens: read('admin'),
  revokeToken: write('admin'),
  listAudit: read('admin'),
};

/** The longest detail an audit entry keeps of an action's input. */
const MAX_DETAIL_CHARS = 4000;

/**
 * The operations as `actor` runs them: each audited operation commits its audit entry with the
 * action (the action's own transaction becomes a savepoint of the one around both), and a refused
 * action (an OperationError) records nothing.
 */
export function actingAs(operations: Operations, { store, clock }: { store: Store; clock: Clock }, actor: string): Operations {
  const acting: Record<string, unknown> = { ...operations };
  for (const name of Object.keys(OPERATION_ACCESS) as Array<keyof Operations>) {
    if (!OPERATION_ACCESS[name].audited) continue;
    const action = operations[name] as (...args: unknown[]) => unknown;
    acting[name] = (...args: unknown[]) =>
      store.transaction(() => {
        const result = action(...args);
        store.appendAudit({ atMs: clock.nowMs(), actor, action: name, target: targetOf(args), detail: detailOf(args) });
        return result;
      });
  }
  return acting as unknown as Operations;
}

/** The object acted on: the first argument when it is an id or a name, else `-`. */
function targetOf(args: readonly unknown[]): string {
  const first = args[0];
  if (typeof first === 'string' || typeof first === 'number') return String(first);
  const named = first as { name?: unknown } | undefined;
  return typeof named?.name === 'string' ? named.name : '-';
}

function detailOf(args: readonly unknown[]): string {
  const text = JSON.stringify(args);
  return text.length <= MAX_DETAIL_CHARS ? text : JSON.stringify({ truncated: text.slice(0, MAX_DETAIL_CHARS) });
}
