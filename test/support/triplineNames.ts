/**
 * The `TRIPLINE_*` names the source and the docs use, read from their text: the quoted code literals
 * of the source, and the environment variables the source reads. Error codes and environment
 * variables share the prefix; these let the catalogue tests tell them apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { deskSecretVariable } from '../../config/loadConfig.js';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The folders of the shipped source (tests excluded). */
const SOURCE_FOLDERS = ['agent', 'bench', 'cli', 'collector', 'config', 'contract', 'rules'];

/** Every .ts file of the shipped source, repo-relative, with its text. */
export function sourceTexts(): Array<{ file: string; text: string }> {
  return SOURCE_FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name))
      .map((path) => ({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') })),
  );
}

/** A whole string literal that is a code: `'TRIPLINE_X'`, `"TRIPLINE_X"`, `` `TRIPLINE_X` ``, and the old `DESK_X`. */
const CODE_LITERAL = /(['"`])((?:TRIPLINE|DESK)_[A-Z0-9_]+)\1/g;

/** The code literals in `text`, in order. */
export function codeLiterals(text: string): string[] {
  return [...text.matchAll(CODE_LITERAL)].map((match) => match[2]!);
}

/** `env.X`, `env['X']`, `process.env.X` and commander's `.env('X')`. */
const ENVIRONMENT_READ = /\benv(?:\.|\[\s*['"]|\(\s*['"])(TRIPLINE_[A-Z0-9_]+)/g;

/** The environment variables the source reads by name. */
export function environmentVariables(texts: ReadonlyArray<{ text: string }>): Set<string> {
  return new Set(texts.flatMap(({ text }) => [...text.matchAll(ENVIRONMENT_READ)].map((match) => match[1]!)));
}

/**
 * Whether `name` is a desk's secret variable (`TRIPLINE_DESK_OPS_SECRET` for the desk `ops`), or
 * the placeholder the docs write for them (`TRIPLINE_DESK_<NAME>_SECRET`).
 */
export function isDeskSecretVariable(name: string): boolean {
  if (name === deskSecretVariable('name').replace('_NAME_', '_<NAME>_')) return true;
  const desk = /^TRIPLINE_DESK_([A-Z0-9_]+)_SECRET$/.exec(name)?.[1];
  return desk !== undefined && deskSecretVariable(desk.toLowerCase()) === name;
}
