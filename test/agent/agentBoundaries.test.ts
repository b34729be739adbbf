/**
 * The agent's boundaries, read from its source: it knows nothing about rules or the collector (it
 * observes and reports; contract/ and config/ are what it shares with them), and its own modules
 * import each other without a cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const AGENT = join(ROOT, 'agent');
/** Top-level folders the agent may import from besides its own. */
const ALLOWED_OUTSIDE = new Set(['contract', 'config']);
/** Static imports and re-exports (`from '...'`, type-only ones too), side-effect imports and `import('...')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The repository-relative files that `file` imports by relative path (`.js` specifiers name `.ts` sources). */
function relativeImports(file: string, text = readFileSync(file, 'utf8')): string[] {
  return [...text.matchAll(SPECIFIER)]
    .map((match) => match[1]!)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(ROOT, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))));
}

/** Import cycles among `graph`'s files, each as the path that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, path: string[]): void => {
    const at = path.indexOf(file);
    if (at >= 0) {
      found.push([...path.slice(at), file]);
      return;
    }
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    done.add(file);
  };
  for (const file of graph.keys()) visit(file, []);
  return found;
}

/** The imports of `graph`'s files that leave agent/ for anything but contract/ and config/. */
function forbiddenImports(graph: Map<string, string[]>): Array<{ file: string; imported: string }> {
  return [...graph].flatMap(([file, imports]) =>
    imports.filter((imported) => {
      const folder = imported.split('/')[0]!;
      return folder !== 'agent' && !ALLOWED_OUTSIDE.has(folder);
    }).map((imported) => ({ file, imported })),
  );
}

const files = sourceFiles(AGENT);
const graph = new Map(files.map((file) => [relative(ROOT, file), relativeImports(file)]));

describe('agent boundaries', () => {
  it('finds the agent sources and their imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('agent/agent.ts')).toContain('agent/lifecycle/ticker.ts');
  });

  // Each row: a line in agent/transport/x.ts, and whether the boundary check refuses it.
  it.each([
    ["import { evaluate } from '../../rules/engine/evaluate.js';", true], // a value import from rules/
    ["import type { Store } from '../../collector/store/store.js';", true], // a type-only import from collector/
    ["export { main } from '../../cli/main.js';", true], // a re-export from cli/
    ["const m = await import('../../collector/collector.js');", true], // a lazy import
    ["import '../../rules/kinds/registry.js';", true], // a side-effect import
    ["import { REPORTS_PATH } from '../../contract/report.js';", false], // the wire contract
    ["import type { AgentConfig } from '../../config/configSchema.js';", false], // validated config
    ["import { createTicker } from '../lifecycle/ticker.js';", false], // the agent's own module
    ["import { pino } from 'pino';", false], // a package
  ])('%s: refused %s', (line, refused) => {
    const file = join(AGENT, 'transport', 'x.ts');
    expect(forbiddenImports(new Map([[relative(ROOT, file), relativeImports(file, line)]])).length > 0).toBe(refused);
  });

  it('imports nothing from collector/, rules/ or cli/: only contract/ and config/ from outside agent/', () => {
    expect(forbiddenImports(graph)).toEqual([]);
  });

  it('has no import cycle among its modules', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('would report a cycle', () => {
    const graphWithCycle = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(cycles(graphWithCycle)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
