/**
 * A tiny, safe template language for rule summaries and descriptions. No code runs: a template is
 * text with fields, and a field is one variable and at most one filter.
 *
 *   {{ labels.mount }}          a label of the signal (series labels + rule labels + alertname);
 *                               a missing label renders empty, as Prometheus treats it
 *   {{ value }}                 the sample value that caused the signal
 *   {{ threshold }}             the fire threshold;  {{ clearThreshold }} the clear threshold
 *   {{ forSeconds }}            the rule's `for`;    {{ clearForSeconds }} its `clearFor`
 *   {{ current }}               the newest raw sample (differs from value for window, predict, absent)
 *   {{ secondsToThreshold }}    and the other variables of one rule kind (see rules/kinds/):
 *                               predict's secondsToThreshold, aggregate's seriesCount, ...
 *   {{ metric }} {{ rule }}     the metric and rule names
 *   {{ output }}                the text that came with the sample (a check's output line); empty
 *                               for series without one
 *   {{ value | percent }}       filters: number (default for numbers), percent, bytes, seconds
 *
 * This module is the language; which numeric variables exist is the caller's to say (see
 * parseTemplate.ts for the rules' list). Unknown variables and filters, and filters on text
 * variables, are errors when the template is parsed (rule load time). The only error rendering can
 * raise is a numeric filter applied to a label whose value is not a number.
 */
import { closestWord } from '../../config/closestWord.js';
import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';
import { labelValue } from '../labels/compileLabelMatchers.js';
import { applyFilter, formatNumber, TEMPLATE_FILTERS, type TemplateFilter } from './templateFilters.js';

/** Text variables a template may use. */
export type TextVariable = 'metric' | 'rule' | 'output';

/** Every text variable, in the order messages list them. */
export const TEXT_VARIABLES: readonly TextVariable[] = ['metric', 'rule', 'output'];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type FieldSource =
  | { kind: 'numeric'; name: string }
  | { kind: 'text'; name: TextVariable }
  | { kind: 'label'; name: string };

type TemplatePart = { kind: 'text'; text: string } | { kind: 'field'; source: FieldSource; filter?: TemplateFilter; expression: string };

/** A parsed template, ready to render many times. */
export interface CompiledTemplate {
  source: string;
  parts: readonly TemplatePart[];
}

/**
 * What a template can refer to when rendered: the text variables, the labels, and the numeric
 * variables by name. A numeric variable that is missing (a figure the rule's kind does not have)
 * renders as NaN.
 */
export interface TemplateContext {
  metric: string;
  rule: string;
  /** The sample's text; empty when absent. */
  output?: string;
  labels: Readonly<Record<string, string>>;
  [numericVariable: string]: number | string | Readonly<Record<string, string>> | undefined;
}

/** A template that cannot be parsed or rendered; `problems` lists each one in words. */
export class TemplateError extends Error {
  readonly code: ErrorCodeOf<'TemplateError'> = 'TRIPLINE_TEMPLATE';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'TemplateError';
  }
}

/**
 * Parses `source`, whose fields may use the text variables, labels and `numericVariables`; throws
 * TemplateError listing every problem in it.
 */
export function compileTemplate(source: string, numericVariables: readonly string[]): CompiledTemplate {
  const parts: TemplatePart[] = [];
  const problems: string[] = [];
  let rest = 0;
  while (rest < source.length) {
    const open = source.indexOf('{{', rest);
    if (open < 0) break;
    const close = source.indexOf('}}', open + 2);
    if (close < 0) {
      problems.push(`unclosed "{{" at character ${open + 1}`);
      rest = source.length;
      break;
    }
    if (open > rest) parts.push({ kind: 'text', text: source.slice(rest, open) });
    const field = parseField(source.slice(open + 2, close).trim(), numericVariables, problems);
    if (field) parts.push(field);
    rest = close + 2;
  }
  if (rest < source.length) parts.push({ kind: 'text', text: source.slice(rest) });
  if (problems.length > 0) throw new TemplateError(problems);
  return { source, parts };
}

function parseField(expression: string, numericVariables: readonly string[], problems: string[]): TemplatePart | undefined {
  const [variableText = '', ...filterTexts] = expression.split('|').map((s) => s.trim());
  const before = problems.length;
  const source = parseSource(variableText, numericVariables, problems);
  if (filterTexts.length > 1) problems.push(`"{{ ${expression} }}" has ${filterTexts.length} filters; a field takes at most one`);
  const filter = filterTexts.length === 1 ? parseFilter(filterTexts[0]!, problems) : undefined;
  if (source?.kind === 'text' && filter) problems.push(`filter "${filter}" needs a number, but "${source.name}" is text`);
  if (problems.length > before || !source) return undefined;
  return filter ? { kind: 'field', source, filter, expression } : { kind: 'field', source, expression };
}

function parseSource(text: string, numericVariables: readonly string[], problems: string[]): FieldSource | undefined {
  if (text === '') {
    problems.push('empty "{{ }}"; expected a variable such as value or labels.host');
    return undefined;
  }
  const label = /^\$?labels\.(.*)$/.exec(text);
  if (label) {
    const name = label[1]!;
    if (text.startsWith('$')) problems.push(`unknown template variable "${text}"; did you mean "labels.${name}"?`);
    else if (!LABEL_NAME.test(name)) problems.push(`"${name}" is not a label name`);
    else return { kind: 'label', name };
    return undefined;
  }
  if (numericVariables.includes(text)) return { kind: 'numeric', name: text };
  if ((TEXT_VARIABLES as readonly string[]).includes(text)) return { kind: 'text', name: text as TextVariable };
  const known = [...numericVariables, ...TEXT_VARIABLES, 'labels.<name>'];
  const suggestion = closestWord(text.replace(/^[$.]+/, ''), known);
  problems.push(
    `unknown template variable "${text}"${suggestion ? `; did you mean "${suggestion}"?` : `; expected one of: ${known.join(', ')}`}`,
  );
  return undefined;
}

function parseFilter(text: string, problems: string[]): TemplateFilter | undefined {
  if ((TEMPLATE_FILTERS as readonly string[]).includes(text)) return text as TemplateFilter;
  const suggestion = closestWord(text, TEMPLATE_FILTERS);
  problems.push(
    `unknown template filter "${text}"${suggestion ? `; did you mean "${suggestion}"?` : `; expected one of: ${TEMPLATE_FILTERS.join(', ')}`}`,
  );
  return undefined;
}

/** Renders a parsed template; throws TemplateError only for a numeric filter on a non-numeric label. */
export function renderTemplate(template: CompiledTemplate, context: TemplateContext): string {
  let out = '';
  for (const part of template.parts) {
    out += part.kind === 'text' ? part.text : renderField(part.source, part.filter, part.expression, context);
  }
  return out;
}

function renderField(source: FieldSource, filter: TemplateFilter | undefined, expression: string, context: TemplateContext): string {
  switch (source.kind) {
    case 'numeric': {
      const given = context[source.name];
      const value = typeof given === 'number' ? given : NaN;
      return filter ? applyFilter(filter, value) : formatNumber(value);
    }
    case 'text':
      return context[source.name] ?? '';
    case 'label': {
      const text = labelValue(context.labels, source.name);
      if (!filter) return text;
      const value = text.trim() === '' ? NaN : Number(text);
      if (Number.isNaN(value)) throw new TemplateError([`"{{ ${expression} }}": label ${source.name}="${text}" is not a number`]);
      return applyFilter(filter, value);
    }
    default:
      return assertNever(source);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected template field ${JSON.stringify(value)}`);
}
