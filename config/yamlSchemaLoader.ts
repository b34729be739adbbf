/**
 * Loads YAML files against a TypeBox/JSON schema (yamlDocument.ts with code made from the schema):
 * its validator compiled by Ajv on first use (or registered, compiled ahead of time), and its
 * transforms (durations to milliseconds, decodeTransforms.ts). Shared by the config loader and the
 * rule loaders so that all speak the same error format: `file:line:column: path: message`.
 */
import { createRequire } from 'node:module';
import type { Ajv, ValidateFunction } from 'ajv';
import type { StaticDecode, TSchema } from '@sinclair/typebox';
import { AJV_OPTIONS } from './ajvOptions.js';
import { decodeTransforms } from './decodeTransforms.js';
import { decodeWith, loadYamlWith, validateWith, type DecodeFindings, type LocatedYaml, type SchemaCode, type YamlIssue } from './yamlDocument.js';

export { formatPath, formatYamlIssue, parseYaml, YamlValidationError, type DecodeFindings, type LocatedYaml, type YamlIssue } from './yamlDocument.js';

const compiled = new WeakMap<TSchema, ValidateFunction>();
const require = createRequire(import.meta.url);
let ajv: Ajv | undefined;

/**
 * The validator of `schema`: compiled ahead of time (the config file's, registered by loadConfig.ts
 * from config/generated/), or else compiled here on first use. Ajv itself is loaded only then, so a
 * process that reads only its config file (the agent) never loads or runs Ajv's compiler.
 */
function validatorFor(schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    ajv ??= newAjv();
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function newAjv(): Ajv {
  // Synchronous, so that loading a YAML file stays synchronous: Ajv and ajv-formats are CommonJS.
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  const addFormats = require('ajv-formats') as { default: (ajv: Ajv) => Ajv };
  return addFormats.default(new AjvClass(AJV_OPTIONS));
}

/**
 * Registers `validate`, compiled ahead of time from `schema` (Ajv's standalone code, with
 * AJV_OPTIONS), as its validator. `digest` is the digest of the schema it was compiled from
 * (packaging/generateConfigValidator.ts): when the schema in the code differs (edited since the
 * generated file was written), the validator is not used and the schema is compiled at run time.
 */
export function usePrecompiledValidator(schema: TSchema, validate: ValidateFunction, digest: string, digestOf: (schema: TSchema) => string): boolean {
  if (digestOf(schema) !== digest) return false;
  compiled.set(schema, validate);
  return true;
}

/** The code a schema's documents are checked with: its validator, and its transforms' decoding. */
export function schemaCode(schema: TSchema): SchemaCode {
  return { validate: validatorFor(schema), decode: (value) => decodeTransforms(schema, value, (variant, candidate) => validatorFor(variant)(candidate)) };
}

/**
 * Parses `text` (named `file` in messages), validates it against `schema` (filling its defaults),
 * decodes it (durations to milliseconds, decodeTransforms.ts) and runs `check`, the checks beyond
 * the schema, on the decoded value. Throws YamlValidationError listing every syntax and schema
 * problem, or else every problem of decoding and checking.
 */
export function loadYaml<S extends TSchema>(
  text: string,
  file: string,
  schema: S,
  check: (document: LocatedYaml<StaticDecode<S>>) => YamlIssue[] = () => [],
): LocatedYaml<StaticDecode<S>> {
  return loadYamlWith(text, file, schemaCode(schema), check);
}

/** Validates a parsed document against `schema`, filling the schema's defaults in; returns every problem, located. */
export function validateYaml(document: LocatedYaml<unknown>, schema: TSchema): YamlIssue[] {
  return validateWith(document, validatorFor(schema));
}

/**
 * Decodes a parsed document in place against `schema`: each value its transforms can read is
 * replaced by its decoded form (a duration's text by its milliseconds). May run on a document that
 * failed validation, so that a loader that reports every problem at once (the rule loader) still
 * reads every well-formed value.
 */
export function decodeYaml(document: LocatedYaml<unknown>, schema: TSchema): DecodeFindings {
  return decodeWith(document, schemaCode(schema).decode);
}
