/**
 * Keeps rules/ free of import loops: the kinds depend on the engine's building blocks and the
 * engine dispatches over the kind registry, so a careless import could close a loop. Walks the
 * relative imports (type-only ones included) of every .ts file under rules/ and fails naming the
 * loop.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RULES = join(ROOT, 'rules');

/** `from '...'` of import/export statements and `import('...')`, relative specifiers only. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The files under `scope` that `file` imports. */
function importsOf(file: string, scope: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const target = resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'));
    if (target.startsWith(scope)) targets.push(target);
  }
  return targets;
}

/** Every import loop among `files`, each as the files along it (first one repeated at the end). */
function importCycles(files: readonly string[], scope: string): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file, scope)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(file)), file]);
      return;
    }
    state.set(file, 'visiting');
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) visit(file);
  return cycles;
}

describe('rules/ imports', () => {
  it('form no loop', () => {
    const files = tsFiles(RULES);
    expect(files.length).toBeGreaterThan(20);
    const cycles = importCycles(files, RULES).map((cycle) => cycle.map((file) => relative(ROOT, file)).join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('finds a loop when there is one, type-only imports included (the check itself works)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-cycles-'));
    try {
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = b;\n");
      writeFileSync(join(dir, 'b.ts'), "import type { C } from './c.js';\nexport const b: C = 1;\n");
      writeFileSync(join(dir, 'c.ts'), "export type { A } from './a.js';\nexport type C = number;\n");
      writeFileSync(join(dir, 'd.ts'), "import { a } from './a.js';\nexport const d = a;\n");
      const cycles = importCycles(tsFiles(dir), dir).map((cycle) => cycle.map((file) => relative(dir, file)).join(' -> '));
      expect(cycles).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
