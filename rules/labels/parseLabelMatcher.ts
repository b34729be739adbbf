/**
 * Prometheus-style label matchers as written in rule files: `fstype="ext4"`, `mount!~"/snap/.*"`.
 * Parsing checks the label name, the operator, the quoting and, for regexes, that the regex engine
 * accepts the pattern; matching follows Prometheus (regexes fully anchored, a missing label is "").
 */
import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';
import type { LabelMatcher, MatchOp } from '../model/ruleTypes.js';

/** A matcher that cannot be parsed; the message says what is wrong and how it should look. */
export class LabelMatcherError extends Error {
  readonly code: ErrorCodeOf<'LabelMatcherError'> = 'TRIPLINE_LABEL_MATCHER';
  constructor(message: string) {
    super(message);
    this.name = 'LabelMatcherError';
  }
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*$/s;
const EXPECTED = 'expected label="value", label!="value", label=~"regex" or label!~"regex"';

/**
 * Parses one matcher. The value is quoted with "double", 'single' or `back` quotes; inside the first
 * two, `\"`, `\'` and `\\` are escapes and any other backslash is kept as written, so `"\d+"` and
 * `"\\d+"` both mean the regex `\d+`. Backquotes take the text as is.
 */
export function parseLabelMatcher(text: string): LabelMatcher {
  const match = MATCHER.exec(text);
  if (!match) throw new LabelMatcherError(`malformed matcher ${JSON.stringify(text)}; ${EXPECTED}`);
  const label = match[1]!;
  const op = match[2]! as MatchOp;
  const value = unquote(match[3]!);
  if (op === '=~' || op === '!~') checkRegex(value);
  return { label, op, value };
}

/** The matcher as it would be written in a rule file, for messages. */
export function formatLabelMatcher(matcher: LabelMatcher): string {
  return `${matcher.label}${matcher.op}${JSON.stringify(matcher.value)}`;
}

/** Compiles a regex matcher's pattern fully anchored, as Prometheus does. */
export function anchoredRegex(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function checkRegex(pattern: string): void {
  try {
    new RegExp(pattern);
    anchoredRegex(pattern);
  } catch (error) {
    throw new LabelMatcherError(`bad regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

function unquote(quoted: string): string {
  const body = quoted.slice(1, -1);
  if (quoted.startsWith('`')) return body;
  return body.replace(/\\(["'\\])/g, '$1');
}
