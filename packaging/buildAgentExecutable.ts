/**
 * Builds the self-contained agent: one executable file for Linux x86-64 that needs nothing
 * installed. esbuild bundles the agent's code only (entry cli/agentExecutableMain.ts), Node's
 * `--experimental-sea-config` turns the bundle into a single-executable blob, and postject injects
 * it into a copy of the Node binary this build runs on (stripped of its symbol tables).
 *
 * The bundle must never contain the collector's dependencies: the build fails when the metafile
 * lists any of COLLECTOR_ONLY_PACKAGES.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** Packages only the collector (or the CLI's operator commands) loads; finding one in the agent's bundle is a build error. */
export const COLLECTOR_ONLY_PACKAGES = ['fastify', '@fastify/swagger', 'better-sqlite3', 'nodemailer', 'prom-client', 'commander'] as const;

/** The fuse string in the Node binary that postject flips, by which Node knows it is a single executable application. */
const SEA_SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface AgentExecutableBuild {
  /** The executable. */
  executable: string;
  /** The JavaScript bundle inside it (kept for inspection). */
  bundle: string;
  /** Every source file and package file the bundle holds, relative to the project root. */
  inputs: string[];
}

/** Builds `<outDir>/tripline-agent` from the project at `root`, with the Node binary at `nodeBinary`. */
export async function buildAgentExecutable(root: string, outDir: string, nodeBinary = process.execPath): Promise<AgentExecutableBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const bundle = join(outDir, 'tripline-agent.cjs');
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'cli/agentExecutableMain.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    // A Node 20 single executable application runs one CommonJS script.
    format: 'cjs',
    // `import.meta.url` (collectInventory.ts computes a path from it when loaded) becomes the
    // executable's own URL; nothing the agent runs reads a file beside it. node-cron comes in by
    // config/cronLibrary.ts's require, as its CommonJS build, run only when it is reached.
    define: { TRIPLINE_AGENT_VERSION: JSON.stringify(version), 'import.meta.url': 'importMetaUrl' },
    inject: [join(root, 'packaging/importMetaUrl.js')],
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  if (result.warnings.length > 0) {
    throw new Error(`bundling the agent: ${result.warnings.map((w) => `${w.location?.file ?? '?'}:${w.location?.line ?? 0}: ${w.text}`).join('; ')}`);
  }
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = COLLECTOR_ONLY_PACKAGES.filter((name) => inputs.some((input) => input.startsWith(`node_modules/${name}/`)));
  if (leaked.length > 0) throw new Error(`the agent bundle holds collector packages: ${leaked.join(', ')}`);

  const blob = join(outDir, 'sea-prep.blob');
  const seaConfig = join(outDir, 'sea-config.json');
  writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2));
  execFileSync(nodeBinary, ['--experimental-sea-config', seaConfig], { stdio: 'pipe' });

  const executable = join(outDir, 'tripline-agent');
  copyFileSync(nodeBinary, executable);
  chmodSync(executable, 0o755);
  // The symbol tables are 12 MB of the Node binary (98.7 -> 86.3 MB) and nothing at run time uses
  // them (.dynsym, which addons link against, stays). Before injecting: strip would drop the blob.
  execFileSync('strip', ['--strip-all', executable]);
  const { inject } = await import('postject');
  await inject(executable, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_SENTINEL_FUSE });
  rmSync(blob);
  rmSync(seaConfig);
  return { executable, bundle, inputs };
}
