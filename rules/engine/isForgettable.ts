/**
 * Whether a state still holds anything worth keeping, so that the collector can delete the rest
 * and series that are gone do not linger.
 */
import { RULE_KINDS } from '../kinds/registry.js';
import type { RuleState, SeriesMemory } from '../model/ruleTypes.js';

/** Every field some kind remembers a series by, and `intervalMs` of the engine's own sweep records. */
export const MEMORY_FIELDS: readonly (keyof SeriesMemory)[] = [...new Set<keyof SeriesMemory>(['intervalMs', ...RULE_KINDS.flatMap((kind) => kind.memoryFields)])];

/**
 * Whether a state holds nothing the engine needs again, so the collector may delete it: inactive,
 * and none of the kinds' memory (window buffer, observed interval of absent rules, group of
 * aggregate members, ...).
 */
export function isForgettable(state: RuleState): boolean {
  if (state.status !== 'inactive') return false;
  for (const field of MEMORY_FIELDS) if (state[field] !== undefined) return false;
  return true;
}
