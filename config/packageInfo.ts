/**
 * Facts about the installed Tripline package (its root, its version, the Node flags the agent is
 * shipped with), found from this file's location so that it works from source under tsx/vitest and
 * from compiled dist/. Here rather than in cli/ because the benchmarks need them too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory at or above `start` that holds a package.json; `start`'s parent if none does. */
export function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(start);
  }
}

/** The directory holding Tripline's package.json: the nearest one at or above this file. */
export function packageRoot(): string {
  return findPackageRoot(dirname(fileURLToPath(import.meta.url)));
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The Node flags tripline-agent is shipped with: those of the `#!/usr/bin/env -S node <flags>` line
 * of `entryPoint` (cli/agentMain.ts or its compiled dist/cli/agentMain.js), which the systemd unit
 * repeats. bench:agent and the end-to-end tests run the agent with them.
 */
export function agentNodeFlags(entryPoint = join(packageRoot(), 'dist/cli/agentMain.js')): string[] {
  const first = readFileSync(entryPoint, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  if (match === null) throw new Error(`${entryPoint} does not start with "#!/usr/bin/env -S node"`);
  return match[1]!.split(' ').filter(Boolean);
}
