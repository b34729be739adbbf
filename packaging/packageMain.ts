/**
 * `npm run package [-- --compression xz|gzip]`: the self-contained agent executable, then the Debian
 * packages tripline-agent and tripline-collector, under build/ (gitignored). Needs `npm run build`
 * first (the npm script runs it) and Debian's dpkg-dev (scripts/install-system-packages.sh installs it).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildAgentExecutable } from './buildAgentExecutable.js';
import { buildDebianPackages, type DebianCompression } from './buildDebianPackages.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outDir = join(root, 'build');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { compression: { type: 'string', default: 'xz' } } });
  if (values.compression !== 'xz' && values.compression !== 'gzip') throw new Error(`--compression must be xz or gzip, not ${values.compression}`);
  const compression: DebianCompression = values.compression;
  const agent = await buildAgentExecutable(root, join(outDir, 'agent'));
  process.stdout.write(`agent executable: ${agent.executable}\n`);
  const debs = buildDebianPackages({ root, outDir: join(outDir, 'debian'), agentExecutable: agent.executable, compression });
  for (const deb of Object.values(debs)) process.stdout.write(`Debian package:   ${deb}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run package: ${(error as Error).message}\n`);
  process.exit(1);
});
