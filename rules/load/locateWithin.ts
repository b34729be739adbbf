/**
 * Pointing a located issue at a word inside the value it was located at: the label name inside a
 * matcher string, or the field inside a template, so that `file:line:column` names the very word
 * (also inside a folded multi-line template) rather than the start of the value.
 */
import type { YamlIssue } from '../../config/yamlSchemaLoader.js';

/** How many lines after the value's start the word is looked for. */
const SEARCH_LINES = 50;

/**
 * `issue` moved to the first occurrence of `word` in `text` at or after the issue's own position;
 * the issue as it is when the word is not found there.
 */
export function locateWithin(text: string, issue: YamlIssue, word: string): YamlIssue {
  if (word === '') return issue;
  let offset = 0;
  for (let line = 1; line < issue.line; line++) {
    const newline = text.indexOf('\n', offset);
    if (newline < 0) return issue;
    offset = newline + 1;
  }
  const start = offset + issue.column - 1;
  let end = start;
  for (let lines = 0; lines < SEARCH_LINES && end >= 0 && end < text.length; lines++) end = text.indexOf('\n', end + 1);
  const found = text.slice(start, end < 0 ? text.length : end).indexOf(word);
  if (found < 0) return issue;
  const at = start + found;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const line = issue.line + countNewlines(text, start, at);
  return { ...issue, line, column: at - lineStart + 1 };
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
