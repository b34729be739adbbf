/**
 * The one PromQL form the Prometheus-compatible API answers: a plain selector, `metric`,
 * `metric{label="x", other=~"y.*"}` or `{__name__="metric", ...}`. Anything else (functions,
 * operators, ranges, offsets) is refused with a message saying what is supported.
 */
import { LabelMatcherError, parseLabelMatcher, type LabelMatcher } from '../../rules/index.js';

/** A parsed selector: the metric name and the other matchers. */
export interface PlainSelector {
  metric: string;
  matchers: LabelMatcher[];
}

export class UnsupportedQueryError extends Error {}

const SELECTOR = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/s;

/** Parses a plain selector; throws UnsupportedQueryError for anything else. */
export function parsePlainSelector(query: string): PlainSelector {
  const match = SELECTOR.exec(query);
  if (!match || (match[1] === undefined && match[2] === undefined)) throw unsupported(query);
  let metric = match[1];
  const matchers: LabelMatcher[] = [];
  for (const text of splitMatchers(match[2] ?? '', query)) {
    let matcher: LabelMatcher;
    try {
      matcher = parseLabelMatcher(text);
    } catch (error) {
      throw new UnsupportedQueryError(`bad matcher in ${JSON.stringify(query)}: ${error instanceof LabelMatcherError ? error.message : String(error)}`);
    }
    if (matcher.label === '__name__' && matcher.op === '=') {
      if (metric !== undefined && metric !== matcher.value) throw new UnsupportedQueryError(`${JSON.stringify(query)} names two metrics`);
      metric = matcher.value;
    } else matchers.push(matcher);
  }
  if (metric === undefined) throw new UnsupportedQueryError(`${JSON.stringify(query)} names no metric; a selector needs a metric name or __name__="..."`);
  return { metric, matchers };
}

function unsupported(query: string): UnsupportedQueryError {
  return new UnsupportedQueryError(`only plain selectors such as metric{label="value"} are supported, not ${JSON.stringify(query)}`);
}

/** Splits `a="x", b=~"y,z"` at the commas outside quotes. */
function splitMatchers(body: string, query: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote !== undefined) {
      current += c;
      if (c === '\\' && quote !== '`' && i + 1 < body.length) current += body[++i];
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
      current += c;
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  if (quote !== undefined) throw unsupported(query);
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}
