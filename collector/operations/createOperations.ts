/**
 * The operator actions, as plain functions over the store: one factory that the collector's HTTP
 * API, the CLI and the benchmarks all build, so an action behaves the same whichever way it is asked
 * for. Adapters only parse their input, call an operation and format its answer; an action that
 * cannot happen throws an OperationError saying why.
 */
import type { Config } from '../../config/configSchema.js';
import type { Rule } from '../../rules/index.js';
import type { Clock } from '../clock.js';
import type { IncidentCore } from '../incidents/incidentCore.js';
import type { Store } from '../store/store.js';
import { createAgentOperations, type AgentOperations } from './agentOperations.js';
import { compareBacktest, type BacktestComparison } from './backtestComparison.js';
import { createDeliveryOperations, type DeliveryOperations } from './deliveryOperations.js';
import { createHistoryOperations, type HistoryOperations } from './historyOperations.js';
import { createIncidentOperations, type IncidentOperations } from './incidentOperations.js';
import { createMaintenanceOperations, type MaintenanceOperations } from './maintenanceOperations.js';
import { createRuleOperations, type RuleOperations, type RulesInForce } from './ruleOperations.js';
import { createServiceOperations, slaOfIncident, type ServiceOperations } from './serviceOperations.js';
import { createServiceReportOperations, type ServiceReportOperations } from './serviceReportOperations.js';
import { slaCalendar } from '../services/businessCalendar.js';
import { createSilenceOperations, type SilenceOperations } from './silenceOperations.js';
import { createStatusOperations, type StatusOperations } from './statusOperations.js';
import { createTokenOperations, type TokenOperations } from './tokenOperations.js';

export interface Operations extends IncidentOperations, ServiceOperations, ServiceReportOperations, StatusOperations, SilenceOperations, MaintenanceOperations, DeliveryOperations, AgentOperations, HistoryOperations, TokenOperations, RuleOperations {
  /** Replays `fromMs`..`toMs` of stored history with the candidate rules (on a worker thread) and the rules in force (on this one), at once. */
  backtest(run: { candidate: readonly Rule[]; inForce: readonly Rule[]; fromMs: number; toMs: number }): BacktestComparison;
}

export interface OperationsOptions {
  store: Store;
  /** What the operations read of the config: the incident core's sections and the time zone of maintenance windows. */
  config: Pick<Config, 'incidents' | 'routing' | 'desks' | 'timeZone' | 'services' | 'priority'>;
  clock: Clock;
  /** The incident core (createIncidentCore) whose service applies acknowledge and resolve. */
  core: IncidentCore;
  /** How long raw samples are kept (`collector.retention`, 14 days by default): older history reads use rollups. */
  rawRetentionMs?: number;
  /** The rules in force and their health (the collector's alert pipeline); none when absent (the CLI). */
  rules?: RulesInForce;
}

const NO_RULES: RulesInForce = { rules: () => [], health: () => [] };

export function createOperations({ store, config, clock, core, rawRetentionMs = 14 * 86_400_000, rules = NO_RULES }: OperationsOptions): Operations {
  const services = createServiceOperations({ store, catalogue: core.catalogue, classify: core.classify });
  return {
    ...createIncidentOperations({ store, incidents: core.service, clock, classify: core.classify, slaOf: slaOfIncident(store, config.priority.sla, clock, slaCalendar(config)) }),
    ...services,
    ...createStatusOperations({ store, catalogue: core.catalogue, clock, timeZone: config.timeZone, states: () => services.listServices() }),
    ...createServiceReportOperations({ store, catalogue: core.catalogue, clock }),
    ...createSilenceOperations({ store, clock }),
    ...createMaintenanceOperations({ store, clock, timeZone: config.timeZone }),
    ...createDeliveryOperations({ store, clock }),
    ...createAgentOperations({ store, clock, incidents: core.service }),
    ...createHistoryOperations({ store, clock, rawRetentionMs, servicesOfHost: (host, labels) => core.catalogue.services.filter((s) => s.hasHost(host, labels)).map((s) => s.name) }),
    ...createTokenOperations({ store, clock }),
    ...createRuleOperations({ store, config, inForce: rules }),
    backtest: ({ candidate, inForce, fromMs, toMs }) => compareBacktest(store, config, candidate, inForce, fromMs, toMs, { threads: true }),
  };
}
