/**
 * The incident lifecycle decision for one signal: a pure function that returns what to do and
 * why, in words an operator can read in the incident's timeline.
 *
 * | active incident for fingerprint | signal   | decision | reason |
 * |---|---|---|---|
 * | none                            | firing   | open     | the rule's own reason |
 * | open / acknowledged             | firing   | none     | already active as incident #N |
 * | open / acknowledged             | resolved | resolve  | the rule's clear reason |
 * | none                            | resolved | none     | nothing active to resolve |
 */
import type { Signal } from '../../rules/ruleTypes.js';
import type { IncidentRecord } from '../store/store.js';

export type IncidentDecision =
  | { kind: 'open'; reason: string }
  | { kind: 'resolve'; incidentId: number; reason: string }
  | { kind: 'none'; reason: string };

export function decideIncident(signal: Signal, active: IncidentRecord | undefined): IncidentDecision {
  switch (signal.kind) {
    case 'firing':
      return active
        ? { kind: 'none', reason: `already active as incident #${active.id}` }
        : { kind: 'open', reason: signal.reason };
    case 'resolved':
      return active
        ? { kind: 'resolve', incidentId: active.id, reason: signal.reason }
        : { kind: 'none', reason: 'no active incident to resolve' };
    default:
      return assertNever(signal.kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected signal kind ${String(value)}`);
}
