/**
 * Decoding a config file (each duration's text to milliseconds) from a plan, without TypeBox: the
 * plan is generated from the config schema at build time (decodePlanOf in decodeTransforms.ts,
 * written by packaging/generateConfigValidator.ts beside the validator), and `decodeByPlan` does
 * what decodeTransforms does with the schema's transforms, in the same order, with the same
 * messages. This keeps TypeBox (200 modules, 3-6 MB of RSS) out of the agent, which reads only its
 * config file (`npm run bench:agent`). test/config/decodePlan.test.ts compares the two.
 */
import type { DecodeIssue } from './decodeTransforms.js';
import { parseDurationMs } from './duration.js';
import { durationRefusal, type DurationLimits } from './durationLimits.js';

/**
 * Where the transforms of a schema are: a duration, or the parts of an object, array or
 * discriminated union that hold one (parts that hold none are left out).
 */
export type DecodePlan = { duration: DurationLimits } | DecodeBranch;

export interface DecodeBranch {
  properties?: Record<string, DecodePlan>;
  items?: DecodePlan;
  /** A discriminated union: the variant whose `tag` property is `when`. */
  oneOf?: { tag: string; variants: Array<{ when: unknown; plan: DecodePlan }> };
}

type Path = Array<string | number>;

/** Decodes `value` by `plan` in place; returns the decoded value and the issues met (as decodeTransforms does). */
export function decodeByPlan(plan: DecodePlan, value: unknown): { value: unknown; issues: DecodeIssue[] } {
  const issues: DecodeIssue[] = [];
  const visit = (node: DecodePlan, current: unknown, path: Path): unknown => {
    if ('duration' in node) return decodeDuration(node.duration, current, path, issues);
    if (Array.isArray(current)) {
      const items: unknown[] = current;
      if (node.items) for (let index = 0; index < items.length; index++) items[index] = visit(node.items, items[index], [...path, index]);
      return items;
    }
    if (typeof current !== 'object' || current === null) return current;
    const record = current as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = node.properties !== undefined && Object.hasOwn(node.properties, key) ? node.properties[key] : undefined;
      if (child) record[key] = visit(child, record[key], [...path, key]);
    }
    const tag = node.oneOf?.tag;
    const variant = tag === undefined ? undefined : node.oneOf!.variants.find(({ when }) => when === record[tag]);
    return variant ? visit(variant.plan, record, path) : record;
  };
  return { value: visit(plan, value, []), issues };
}

function decodeDuration(limits: DurationLimits, value: unknown, path: Path, issues: DecodeIssue[]): unknown {
  const report = (kind: DecodeIssue['kind'], message: string) => issues.push({ kind, path, message, ...(limits.code === undefined ? {} : { code: limits.code }) });
  try {
    const decoded = parseDurationMs(value as string);
    const refusal = durationRefusal(limits)?.(value);
    if (refusal !== undefined) report('refused', refusal);
    return decoded;
  } catch (error) {
    report('unreadable', (error as Error).message);
    return value;
  }
}
