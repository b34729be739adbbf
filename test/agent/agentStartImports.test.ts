/**
 * What `tripline-agent -c FILE` loads when it starts, read from the source: the modules cli/agentMain.ts
 * imports for a plain run and everything they import statically (dynamic imports load later, when
 * used). Each library kept off this path was measured in RSS (docs/performance-history.md): TypeBox and Ajv
 * (the config is read with code generated at build time, config/releasedConfigCode.ts, which lets that code go once the config is read), node-cron (loaded by
 * an agent with an inventory schedule only), and the Node modules of features a default agent does
 * not use (each imported where it is first needed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
/** What agentMain.ts imports for a plain run. */
const ENTRIES = ['cli/commands/serveCommand.ts', 'config/releasedConfigCode.ts', 'config/yamlDocument.ts'];

/** Every module reached from `entries` by static value imports (not `import type`, not `import()`), and the packages they name. */
function staticGraph(entries: string[]): { modules: string[]; packages: Map<string, string[]> } {
  const modules = new Set<string>();
  const packages = new Map<string, string[]>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    modules.add(file);
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const [, specifier] of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm)) {
      if (!specifier!.startsWith('.')) {
        packages.set(specifier!, [...(packages.get(specifier!) ?? []), file]);
        continue;
      }
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier!));
      const source = target.replace(/\.js$/, '.ts');
      visit(existsSync(join(ROOT, source)) ? source : target);
    }
  };
  entries.forEach(visit);
  return { modules: [...modules], packages };
}

describe("the agent's start", () => {
  const { modules, packages } = staticGraph(ENTRIES);

  it('reaches the agent and its config loader (the walk sees the imports it checks)', () => {
    expect(modules).toContain('agent/agent.ts');
    expect(modules).toContain('config/checkAgentConfig.ts');
    expect([...packages.keys()]).toContain('yaml');
  });

  it('does not import the generated config validator as an ES module, which would keep it for good (config/releasedConfigCode.ts requires and releases it)', () => {
    expect(modules).toContain('config/configFileLoader.ts');
    expect(modules).not.toContain('config/generated/configValidator.js');
    expect(modules).not.toContain('config/generatedConfigCode.ts');
    expect(readFileSync(join(ROOT, 'cli/agentMain.ts'), 'utf8')).toContain("import('../config/releasedConfigCode.js')");
  });

  it.each([
    // the config schema's library: the agent reads its file with generated code
    ['@sinclair/typebox'],
    ['@sinclair/typebox/value'],
    // the validator compiler
    ['ajv'],
    // the command-line library
    ['commander'],
    // cron expressions: loaded by an agent with an inventory schedule only (config/cronLibrary.ts)
    ['node-cron'],
    // Node's own modules that only some agents use: a proxy tunnel, plugins and systemctl, gzip (reports over 32 KiB, the spool), DNS checks
    ['node:http'],
    ['node:child_process'],
    ['node:zlib'],
    ['node:dns/promises'],
    // an agent id is made once, by the first start; start-mode's local tokens
    ['node:crypto'],
  ])('loads no %s', (name) => {
    expect(packages.get(name) ?? []).toEqual([]);
  });
});
