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
import { checkInhibitions, inhibitionReferences, type InhibitionReference } from './checkInhibitions.js';
import { readDeclarations } from './readDeclarations.js';
import { createSeriesCatalogue, type SeriesCatalogue } from './seriesCatalogue.js';
import { RuleFileSchema, type RuleEntry } from './ruleFileSchema.js';
import type { Rule } from '../model/ruleTypes.js';

/**
 * Absolute path of the built-in rule pack, `<package>/rules/default`. Found by walking up to the
 * directory holding package.json, so it is the same from source (`rules/load/loadRules.ts`) and from the
 * build (`dist/rules/load/loadRules.js`), whose YAML is not copied into dist.
 */
export const DEFAULT_RULES_DIR = join(packageRoot(), 'rules', 'default');

/** Rules loaded together, and the series catalogue they were checked against (with their files' declarations). */
export interface RuleSet {
  rules: Rule[];
  catalogue: SeriesCatalogue;
}

/**
 * Loads rules from `paths`: files, or directories whose `*.yaml` / `*.yml` files are read in name
 * order. Names must be unique across all files. Throws one YamlValidationError with every issue of
 * every file.
 */
export function loadRuleFiles(paths: readonly string[]): Rule[] {
  return loadRuleSet(paths).rules;
}

/**
 * Loads rules as `loadRuleFiles` does, and returns the series catalogue with what the files declare
 * (`metrics:`, `hostLabels:`), which applies to every file of the set.
 */
export function loadRuleSet(paths: readonly string[]): RuleSet {
  const sources: ParsedRuleFile[] = [];
  // A path that cannot be read stands in the list as its issue, so that issues keep the order of the paths.
  const unreadable = (issue: YamlIssue) => sources.push({ file: issue.file, text: '', document: undefined, issues: [issue] });
  for (const path of paths) {
    for (const file of expandPath(path, unreadable)) {
      const text = readText(file, unreadable);
      if (text !== undefined) sources.push(parseRuleDocument(text, file));
    }
  }
  const issues: YamlIssue[] = [];
  const { rules, catalogue } = analyseRuleFiles(sources, issues);
  if (issues.length > 0) throw new YamlValidationError(issues);
  return { rules, catalogue };
}

/** Parses the rule file `text`, named `file` in messages; throws YamlValidationError with every issue. */
export function parseRuleFile(text: string, file: string): Rule[] {
  const issues: YamlIssue[] = [];
  const { rules } = analyseRuleFiles([parseRuleDocument(text, file)], issues);
  if (issues.length > 0) throw new YamlValidationError(issues);
  return rules;
}

type Position = Omit<YamlIssue, 'message'>;

/** A rule file read as YAML, or the issues that kept it from being read. */
interface ParsedRuleFile {
  file: string;
  text: string;
  document: LocatedYaml<unknown> | undefined;
  issues: YamlIssue[];
}

interface RuleFileAnalysis {
  /** The rules built; only to be used when `issues` is empty. */
  rules: Rule[];
  /** Every rule name written in the file and where, valid rule or not, for duplicate checks across files. */
  names: Array<{ name: string; at: Position }>;
  /** Every rule an entry names in its `inhibits`, and where. */
  inhibitions: InhibitionReference[];
  issues: YamlIssue[];
}

/**
 * Reads a rule file's YAML and what its schema says. Every entry is built later, valid or not, so
 * that one run shows every problem: the schema's (unknown keys, types, patterns: a malformed
 * duration among them), the limits of the durations (decoded to milliseconds where well-formed, in
 * place), the rules'.
 */
function parseRuleDocument(text: string, file: string): ParsedRuleFile {
  let document: LocatedYaml<unknown>;
  try {
    document = parseYaml(text, file);
  } catch (error) {
    if (error instanceof YamlValidationError) return { file, text, document: undefined, issues: [...error.issues] };
    throw error;
  }
  const issues = [...validateYaml(document, RuleFileSchema), ...decodeYaml(document, RuleFileSchema).refused];
  return { file, text, document, issues };
}

/** The rules of every file, checked against one catalogue built from all their declarations, and the checks across files. */
function analyseRuleFiles(sources: readonly ParsedRuleFile[], issues: YamlIssue[]): RuleSet {
  const declarations = readDeclarations(sources.flatMap((source) => (source.document ? [source.document] : [])), issues);
  const catalogue = createSeriesCatalogue(declarations);
  const rules: Rule[] = [];
  const firstByName = new Map<string, Position>();
  const inhibitions: InhibitionReference[] = [];
  for (const source of sources) {
    const analysis = analyseRuleFile(source, catalogue);
    issues.push(...analysis.issues);
    rules.push(...analysis.rules);
    inhibitions.push(...analysis.inhibitions);
    for (const { name, at } of analysis.names) {
      const first = firstByName.get(name);
      if (first && first.file !== source.file) issues.push({ ...at, message: duplicateMessage(name, first) });
      else if (!first) firstByName.set(name, at);
    }
  }
  issues.push(...checkInhibitions(inhibitions, [...firstByName.keys()]));
  return { rules, catalogue };
}

function analyseRuleFile(source: ParsedRuleFile, catalogue: SeriesCatalogue): RuleFileAnalysis {
  const { document, file, text } = source;
  if (!document) return { rules: [], names: [], inhibitions: [], issues: source.issues };
  const issues = [...source.issues];
  const rules: Rule[] = [];
  const names: RuleFileAnalysis['names'] = [];
  const inhibitions: InhibitionReference[] = [];
  const entries = (document.value as { rules?: unknown } | null)?.rules;
  (Array.isArray(entries) ? entries : []).forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return;
    const { name } = entry as { name?: unknown };
    if (typeof name === 'string') {
      const { message: _, ...at } = document.locate(['rules', index, 'name'], '');
      const first = names.find((n) => n.name === name);
      if (first) issues.push({ ...at, message: duplicateMessage(name, first.at) });
      names.push({ name, at });
      inhibitions.push(...inhibitionReferences(name, (entry as { inhibits?: unknown }).inhibits, ['rules', index, 'inhibits'], document));
    }
    const rule = buildRule(entry as Partial<RuleEntry>, ['rules', index], file, document, issues, { text, catalogue });
    if (rule) rules.push(rule);
  });
  return { rules, names, inhibitions, issues: sortIssues(issues) };
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
function expandPath(path: string, unreadable: (issue: YamlIssue) => void): string[] {
  try {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .map((name) => join(path, name));
  } catch (error) {
    unreadable(unreadableIssue(path, error));
    return [];
  }
}

function readText(file: string, unreadable: (issue: YamlIssue) => void): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    unreadable(unreadableIssue(file, error));
    return undefined;
  }
}

function unreadableIssue(path: string, error: unknown): YamlIssue {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return { file: path, line: 1, column: 1, path: '', message: `cannot read rule file or directory (${code})` };
}
