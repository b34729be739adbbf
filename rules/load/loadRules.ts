/**
 * Reads rule files (YAML) into validated Rules. The only module of `rules/` that touches the file
 * system. Every problem in a file is reported at once, each as `file:line:column: path: message`,
 * so that `tripline rules check` can list them all.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../config/packageInfo.js';
import { decodeYaml, formatYamlIssue, parseYaml, validateYaml, YamlValidationError, type LocatedYaml, type YamlIssue } from '../../config/yamlSchemaLoader.js';
import { buildRule } from './buildRule.js';
import { RuleFileSchema, type RuleEntry } from './ruleFileSchema.js';
import type { Rule } from '../model/ruleTypes.js';

/**
 * Absolute path of the built-in rule pack, `<package>/rules/default`. Found by walking up to the
 * directory holding package.json, so it is the same from source (`rules/load/loadRules.ts`) and from the
 * build (`dist/rules/load/loadRules.js`), whose YAML is not copied into dist.
 */
export const DEFAULT_RULES_DIR = join(packageRoot(), 'rules', 'default');

/**
 * Loads rules from `paths`: files, or directories whose `*.yaml` / `*.yml` files are read in name
 * order. Names must be unique across all files. Throws one YamlValidationError with every issue of
 * every file.
 */
export function loadRuleFiles(paths: readonly string[]): Rule[] {
  const issues: YamlIssue[] = [];
  const rules: Rule[] = [];
  const firstByName = new Map<string, Position>();
  for (const path of paths) {
    for (const file of expandPath(path, issues)) {
      const text = readText(file, issues);
      if (text === undefined) continue;
      const analysis = analyseRuleFile(text, file);
      issues.push(...analysis.issues);
      rules.push(...analysis.rules);
      for (const { name, at } of analysis.names) {
        const first = firstByName.get(name);
        if (first && first.file !== file) issues.push({ ...at, message: duplicateMessage(name, first) });
        else if (!first) firstByName.set(name, at);
      }
    }
  }
  if (issues.length > 0) throw new YamlValidationError(issues);
  return rules;
}

/** Parses the rule file `text`, named `file` in messages; throws YamlValidationError with every issue. */
export function parseRuleFile(text: string, file: string): Rule[] {
  const { rules, issues } = analyseRuleFile(text, file);
  if (issues.length > 0) throw new YamlValidationError(issues);
  return rules;
}

type Position = Omit<YamlIssue, 'message'>;

interface RuleFileAnalysis {
  /** The rules built; only to be used when `issues` is empty. */
  rules: Rule[];
  /** Every rule name written in the file and where, valid rule or not, for duplicate checks across files. */
  names: Array<{ name: string; at: Position }>;
  issues: YamlIssue[];
}

function analyseRuleFile(text: string, file: string): RuleFileAnalysis {
  let document: LocatedYaml<unknown>;
  try {
    document = parseYaml(text, file);
  } catch (error) {
    if (error instanceof YamlValidationError) return { rules: [], names: [], issues: [...error.issues] };
    throw error;
  }
  // Every entry is built, valid or not, so that one run shows every problem: the schema's (unknown
  // keys, types, patterns: a malformed duration among them), the limits of the durations (decoded to
  // milliseconds where well-formed), the rules'.
  const issues = [...validateYaml(document, RuleFileSchema), ...decodeYaml(document, RuleFileSchema).refused];
  const rules: Rule[] = [];
  const names: RuleFileAnalysis['names'] = [];
  const entries = (document.value as { rules?: unknown } | null)?.rules;
  (Array.isArray(entries) ? entries : []).forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return;
    const { name } = entry as { name?: unknown };
    if (typeof name === 'string') {
      const { message: _, ...at } = document.locate(['rules', index, 'name'], '');
      const first = names.find((n) => n.name === name);
      if (first) issues.push({ ...at, message: duplicateMessage(name, first.at) });
      names.push({ name, at });
    }
    const rule = buildRule(entry as Partial<RuleEntry>, ['rules', index], file, document, issues);
    if (rule) rules.push(rule);
  });
  return { rules, names, issues: sortIssues(issues) };
}

function duplicateMessage(name: string, first: Position): string {
  const where = `${first.file}:${first.line}:${first.column}`;
  return `duplicate rule name "${name}"; first defined at ${where}`;
}

function sortIssues(issues: YamlIssue[]): YamlIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((issue) => {
      const key = formatYamlIssue(issue);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A file as is; a directory as its YAML files in name order; a missing path as an issue. */
function expandPath(path: string, issues: YamlIssue[]): string[] {
  try {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .map((name) => join(path, name));
  } catch (error) {
    issues.push(unreadable(path, error));
    return [];
  }
}

function readText(file: string, issues: YamlIssue[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    issues.push(unreadable(file, error));
    return undefined;
  }
}

function unreadable(path: string, error: unknown): YamlIssue {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return { file: path, line: 1, column: 1, path: '', message: `cannot read rule file or directory (${code})` };
}
