/**
 * Decodes a value checked against its schema into the form the program works with: every value
 * under a TypeBox `Type.Transform` schema (a duration's text, durationSchema.ts) is replaced, in
 * place, by what the transform's Decode returns. Walks objects, records, arrays and unions: a
 * discriminated union by its tag, as the validator picks the variant; any other union by the first
 * variant `matches` accepts (the caller's validator).
 *
 * Two outcomes besides a decoded value, each an issue at the value's path (with the schema's
 * `issueCode` when it names one):
 * - `refused`: the value can be read but the transform does not accept it (a duration outside its
 *   range, see RefusalKind). The value is decoded all the same, so that what runs after decoding
 *   sees the type it expects.
 * - `unreadable`: Decode threw (a malformed duration). The value is left as written. After a
 *   successful validation this cannot happen; on a document that failed validation (a rule file,
 *   whose every entry is still built to report every problem) it is the validator's to report.
 */
import { TransformKind, type TSchema } from '@sinclair/typebox';
import type { ErrorCode } from '../contract/errorCatalogue.js';
import type { DecodeBranch, DecodePlan } from './decodePlan.js';
import type { Refusal } from './durationLimits.js';

/**
 * The key of a transform schema's refusal: given the value as written, why it is not accepted, or
 * undefined when it is (or when it cannot be read at all, which Decode reports).
 */
export const RefusalKind = Symbol('tripline.refusal');

export type { Refusal };

/**
 * The key of a transform schema's decoding as data (a DecodePlan leaf: a duration and its limits),
 * for decodePlanOf; a transform without one cannot be decoded by a plan.
 */
export const DecodePlanKind = Symbol('tripline.decodePlan');

/** A value its transform refused or could not read. */
export interface DecodeIssue {
  kind: 'refused' | 'unreadable';
  path: Array<string | number>;
  message: string;
  code?: ErrorCode;
}

/** Whether `value` matches `schema`: the validator's verdict, used to pick the variant of a union without a tag. */
export type SchemaMatcher = (schema: TSchema, value: unknown) => boolean;

interface SchemaShape {
  [TransformKind]?: { Decode(value: unknown): unknown };
  [RefusalKind]?: Refusal;
  [DecodePlanKind]?: DecodePlan;
  properties?: Record<string, TSchema>;
  patternProperties?: Record<string, TSchema>;
  additionalProperties?: TSchema | boolean;
  items?: TSchema | TSchema[];
  anyOf?: TSchema[];
  oneOf?: TSchema[];
  allOf?: TSchema[];
  discriminator?: { propertyName: string };
  issueCode?: ErrorCode;
}

type Path = Array<string | number>;

/** Decodes `value` against `schema` in place; returns the decoded value and the issues met. */
export function decodeTransforms(schema: TSchema, value: unknown, matches: SchemaMatcher): { value: unknown; issues: DecodeIssue[] } {
  const issues: DecodeIssue[] = [];
  const visit = (node: TSchema, current: unknown, path: Path): unknown => {
    if (!holdsTransform(node)) return current;
    const shape = node as SchemaShape;
    if (shape[TransformKind]) return decodeLeaf(shape, current, path, issues);
    if (Array.isArray(current)) {
      const items: unknown[] = current;
      items.forEach((item, index) => {
        const itemSchema = Array.isArray(shape.items) ? shape.items[index] : shape.items;
        if (itemSchema) items[index] = visit(itemSchema, item, [...path, index]);
      });
      return items;
    }
    if (typeof current === 'object' && current !== null) {
      const record = current as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = propertySchema(shape, key);
        if (child) record[key] = visit(child, record[key], [...path, key]);
      }
    }
    let decoded = current;
    for (const variant of appliedVariants(shape, current, matches)) decoded = visit(variant, decoded, path);
    return decoded;
  };
  return { value: visit(schema, value, []), issues };
}

function decodeLeaf(shape: SchemaShape, value: unknown, path: Path, issues: DecodeIssue[]): unknown {
  const report = (kind: DecodeIssue['kind'], message: string) => issues.push({ kind, path, message, ...(shape.issueCode === undefined ? {} : { code: shape.issueCode }) });
  try {
    const decoded = shape[TransformKind]!.Decode(value);
    const refusal = shape[RefusalKind]?.(value);
    if (refusal !== undefined) report('refused', refusal);
    return decoded;
  } catch (error) {
    report('unreadable', (error as Error).message);
    return value;
  }
}

/** The schema of the property `key`: declared, matched by a pattern (a record), or the additional one. */
function propertySchema(shape: SchemaShape, key: string): TSchema | undefined {
  const declared = shape.properties?.[key];
  if (declared) return declared;
  const pattern = Object.entries(shape.patternProperties ?? {}).find(([source]) => new RegExp(source).test(key));
  if (pattern) return pattern[1];
  return typeof shape.additionalProperties === 'object' ? shape.additionalProperties : undefined;
}

/**
 * The subschemas whose transforms apply to `value`: every one of `allOf`; of a union, the variant
 * its discriminator names, or else the first that `value` matches.
 */
function appliedVariants(shape: SchemaShape, value: unknown, matches: SchemaMatcher): TSchema[] {
  const variants = (shape.oneOf ?? shape.anyOf ?? []).filter(holdsTransform);
  const applied = [...(shape.allOf ?? [])];
  if (variants.length === 0) return applied;
  const tag = shape.discriminator?.propertyName;
  const chosen =
    tag === undefined
      ? (shape.oneOf ?? shape.anyOf)!.find((variant) => matches(variant, value))
      : variants.find((variant) => (variant as { properties?: Record<string, { const?: unknown }> }).properties?.[tag]?.const === (value as Record<string, unknown> | null)?.[tag]);
  return chosen ? [...applied, chosen] : applied;
}

const holding = new WeakMap<TSchema, boolean>();

/** Whether `schema` or any schema under it is a transform; walks skip the subtrees that hold none. */
function holdsTransform(schema: TSchema): boolean {
  let holds = holding.get(schema);
  if (holds === undefined) {
    const shape = schema as SchemaShape;
    const children = [
      ...Object.values(shape.properties ?? {}),
      ...Object.values(shape.patternProperties ?? {}),
      ...(typeof shape.additionalProperties === 'object' ? [shape.additionalProperties] : []),
      ...(shape.items === undefined ? [] : Array.isArray(shape.items) ? shape.items : [shape.items]),
      ...(shape.anyOf ?? []),
      ...(shape.oneOf ?? []),
      ...(shape.allOf ?? []),
    ];
    holds = shape[TransformKind] !== undefined || children.some(holdsTransform);
    holding.set(schema, holds);
  }
  return holds;
}

/**
 * The decode plan of `schema` (decodePlan.ts): where its transforms are, as data, or undefined when
 * it holds none. Covers what the config schema uses (objects, arrays, unions with a discriminator,
 * durations); throws for anything else that holds a transform, so that the build step that writes
 * the plan (packaging/generateConfigValidator.ts) fails rather than writes a plan that decodes less.
 */
export function decodePlanOf(schema: TSchema, where = '#'): DecodePlan | undefined {
  if (!holdsTransform(schema)) return undefined;
  const shape = schema as SchemaShape;
  if (shape[TransformKind]) {
    if (shape[DecodePlanKind] === undefined) throw new Error(`${where}: a transform without a decode plan (durationSchema.ts's Duration sets one)`);
    return shape[DecodePlanKind];
  }
  const unsupported = [
    ...Object.values(shape.patternProperties ?? {}),
    ...(typeof shape.additionalProperties === 'object' ? [shape.additionalProperties] : []),
    ...(Array.isArray(shape.items) ? shape.items : []),
    ...(shape.allOf ?? []),
    ...(shape.discriminator === undefined ? [...(shape.anyOf ?? []), ...(shape.oneOf ?? [])] : (shape.anyOf ?? [])),
  ];
  if (unsupported.some(holdsTransform)) throw new Error(`${where}: transforms under pattern or additional properties, tuples, allOf or unions without a discriminator: decodePlan.ts does not decode them`);
  const plan: DecodeBranch = {};
  for (const [key, child] of Object.entries(shape.properties ?? {})) {
    const childPlan = decodePlanOf(child, `${where}/properties/${key}`);
    if (childPlan) (plan.properties ??= {})[key] = childPlan;
  }
  if (shape.items !== undefined && !Array.isArray(shape.items)) {
    const itemsPlan = decodePlanOf(shape.items, `${where}/items`);
    if (itemsPlan) plan.items = itemsPlan;
  }
  if (shape.discriminator !== undefined && shape.oneOf !== undefined) {
    const tag = shape.discriminator.propertyName;
    const variants = shape.oneOf.filter(holdsTransform).map((variant, index) => ({
      when: (variant as { properties?: Record<string, { const?: unknown }> }).properties?.[tag]?.const,
      plan: decodePlanOf(variant, `${where}/oneOf/${index}`)!,
    }));
    plan.oneOf = { tag, variants };
  }
  return plan;
}
