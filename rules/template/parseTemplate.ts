/**
 * Rule templates as the loader and the engine parse them: the template language
 * (renderTemplate.ts) with the numeric variables of every signal plus those of every rule kind in
 * the registry, so that a new kind's variables are known without touching the language.
 */
import { SIGNAL_VARIABLES } from '../engine/buildSignal.js';
import { RULE_KINDS } from '../kinds/registry.js';
import { compileTemplate, type CompiledTemplate } from './renderTemplate.js';

/** Every numeric variable a rule template may use: the signal's own, then each kind's in registry order. */
export const NUMERIC_VARIABLES: readonly string[] = [
  ...new Set([...SIGNAL_VARIABLES, ...RULE_KINDS.flatMap((kind) => kind.templateVariables.map((variable) => variable.name))]),
];

/** Parses a rule template (summary or description); throws TemplateError listing every problem in it. */
export function parseTemplate(source: string): CompiledTemplate {
  return compileTemplate(source, NUMERIC_VARIABLES);
}
