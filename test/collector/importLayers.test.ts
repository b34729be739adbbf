/**
 * The layering between top-level folders, read from every import in the source: the CLI and the
 * benchmarks reach the collector through its operations, never through its HTTP adapter or each
 * other, and the collector depends on none of the programs built on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Every .ts file under `folder`, repo-relative. */
function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The repo-relative targets of a file's relative imports: static, side-effect, dynamic and type-only. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'(\.[^']+)'/gm)].map((m) => m[1]!);
  return specifiers.map((specifier) => relative(ROOT, resolve(ROOT, dirname(file), specifier)));
}

/** `from -> to` for every import of a file under `from` that lands under `to`. */
function violations(from: string, to: string): string[] {
  return sourceFiles(from).flatMap((file) => importsOf(file).filter((target) => target.startsWith(`${to}/`)).map((target) => `${file} -> ${target}`));
}

describe('import layers', () => {
  it.each([
    // the CLI calls operations; the HTTP routes are the API's adapter, not a library
    ['cli', 'collector/http'],
    // benchmarks build what they measure from the collector, not from CLI commands
    ['bench', 'cli'],
    // the collector is below every program that runs it
    ['collector', 'cli'],
    ['collector', 'bench'],
    // the collector and the agent share only contract/ and config/
    ['collector', 'agent'],
    // the rule loader reads the metric catalogue from contract/, not from the agent
    ['rules', 'agent'],
  ])('%s/ does not import %s/', (from, to) => {
    expect(violations(from, to)).toEqual([]);
  });

  it('sees the imports it checks: static, dynamic and type-only', () => {
    const seen = importsOf('cli/main.ts');
    expect(seen).toContain('config/packageInfo.js');
    expect(seen).toContain('cli/commands/serveCommand.js');
    expect(violations('cli', 'collector/operations')).toContain('cli/commands/withOperations.ts -> collector/operations/createOperations.js');
  });
});
