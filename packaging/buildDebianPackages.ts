/**
 * Builds the Debian packages `tripline-agent` and `tripline-collector` with Debian's own tools
 * (dpkg-shlibdeps for the shared-library dependencies, dpkg-deb for the archives), from the
 * compiled project and the self-contained agent executable.
 *
 * - tripline-agent: /usr/bin/tripline-agent (the executable), its unit, /etc/tripline/agent.yaml.
 * - tripline-collector: the compiled application with its production dependencies in
 *   /usr/lib/tripline/app, the Node binary this build runs on in /usr/lib/tripline/node (Debian 12
 *   ships Node 18; better-sqlite3's addon is the one built for this same binary, and the build
 *   checks that it loads), /usr/bin/tripline, its unit, /etc/tripline/collector.yaml.
 * Both: the example config as a conffile (dataDir /var/lib/tripline), maintainer scripts from
 * packaging/debian/ (the tripline user, the data directory, nothing started unless configured,
 * data kept on remove and deleted on purge).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export type DebianPackageName = 'tripline-agent' | 'tripline-collector';

export interface DebianBuildOptions {
  /** The project root (compiled: dist/ present). */
  root: string;
  /** Where the .deb files go (the trees are staged under staging/ there and removed after). */
  outDir: string;
  /** The self-contained agent executable (packaging/buildAgentExecutable.ts). */
  agentExecutable: string;
  /** The Node binary bundled with the collector; its better-sqlite3 addon is the project's. */
  nodeBinary?: string;
  /** How dpkg-deb compresses: xz (the default, smaller) or gzip (compresses about ten times faster; a third larger). */
  compression?: DebianCompression;
}

export type DebianCompression = 'xz' | 'gzip';

/** dpkg-deb's options for each compression. */
function compressionOptions(compression: DebianCompression): string[] {
  switch (compression) {
    case 'xz':
      // Level 3: 2 MB more than the default level 6 for a Node binary, in half the time.
      return ['-Zxz', '-z3'];
    case 'gzip':
      return ['-Zgzip', '-z6'];
  }
}

const PACKAGING = 'packaging';
const DATA_DIR = '/var/lib/tripline';
const UNIT_DIR = 'lib/systemd/system';

/** Builds both packages; returns the paths of the .deb files by package name. */
export function buildDebianPackages(options: DebianBuildOptions): Record<DebianPackageName, string> {
  const { root, outDir, agentExecutable, nodeBinary = process.execPath, compression = 'xz' } = options;
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  mkdirSync(outDir, { recursive: true });
  const staging = join(outDir, 'staging');
  rmSync(staging, { recursive: true, force: true });

  const agentTree = join(staging, 'tripline-agent');
  installFile(agentExecutable, join(agentTree, 'usr/bin/tripline-agent'), 0o755);
  installFile(join(root, PACKAGING, 'systemd/tripline-agent.service'), join(agentTree, UNIT_DIR, 'tripline-agent.service'), 0o644);
  writeConffile(root, join(agentTree, 'etc/tripline/agent.yaml'));

  const collectorTree = join(staging, 'tripline-collector');
  const lib = join(collectorTree, 'usr/lib/tripline');
  installFile(nodeBinary, join(lib, 'node'), 0o755);
  execFileSync('strip', ['--strip-all', join(lib, 'node')]);
  stageApplication(root, join(lib, 'app'), join(lib, 'node'));
  mkdirSync(join(collectorTree, 'usr/bin'), { recursive: true });
  writeFileSync(join(collectorTree, 'usr/bin/tripline'), '#!/bin/sh\n# The tripline command, on the Node runtime of the tripline-collector package.\nexec /usr/lib/tripline/node /usr/lib/tripline/app/dist/cli/main.js "$@"\n', { mode: 0o755 });
  installFile(join(root, PACKAGING, 'systemd/tripline-collector.service'), join(collectorTree, UNIT_DIR, 'tripline-collector.service'), 0o644);
  writeConffile(root, join(collectorTree, 'etc/tripline/collector.yaml'));

  const nodeVersion = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
  const debs = {
    'tripline-agent': assemble(root, 'tripline-agent', agentTree, outDir, compression, { VERSION: version, SHLIBS: sharedLibraryDepends(agentTree, 'usr/bin/tripline-agent') }),
    'tripline-collector': assemble(root, 'tripline-collector', collectorTree, outDir, compression, {
      VERSION: version,
      SHLIBS: sharedLibraryDepends(collectorTree, 'usr/lib/tripline/node'),
      NODE_VERSION: nodeVersion,
    }),
  };
  rmSync(staging, { recursive: true, force: true });
  return debs;
}

function installFile(from: string, to: string, mode: number): void {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
  chmodSync(to, mode);
}

/** The example config with the packaged data directory, as /etc/tripline/<name>.yaml. */
function writeConffile(root: string, to: string): void {
  const example = readFileSync(join(root, 'config.example.yaml'), 'utf8');
  const lines = example.split('\n');
  const index = lines.findIndex((line) => line.startsWith('dataDir:'));
  if (index < 0) throw new Error('config.example.yaml has no top-level dataDir line to set');
  lines[index] = `dataDir: ${DATA_DIR}`;
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, lines.join('\n'), { mode: 0o644 });
}

/**
 * The compiled application and its production dependencies. npm installs them from the lockfile
 * without running install scripts; the one native addon (better-sqlite3) is then copied from the
 * project, where `npm ci` built it for this Node, and loaded once with the bundled binary to prove it.
 */
function stageApplication(root: string, app: string, node: string): void {
  mkdirSync(app, { recursive: true });
  cpSync(join(root, 'dist'), join(app, 'dist'), { recursive: true, filter: (source) => !source.startsWith(join(root, 'dist/bench')) });
  for (const file of ['package.json', 'package-lock.json', 'config.example.yaml', 'README.md']) cpSync(join(root, file), join(app, file));
  cpSync(join(root, 'rules/default'), join(app, 'rules/default'), { recursive: true });
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  if (!existsSync(join(root, addon))) throw new Error(`${addon} is missing: run npm ci (it builds better-sqlite3 for this Node) first`);
  installFile(join(root, addon), join(app, addon), 0o644);
  execFileSync(node, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(join(app, 'package-lock.json'));
}

/** `Depends` for the shared libraries `binary` links against, from dpkg-shlibdeps (which needs a debian/control beside it). */
function sharedLibraryDepends(tree: string, binary: string): string {
  const work = join(dirname(tree), `${relative(dirname(tree), tree)}.shlibdeps`);
  mkdirSync(join(work, 'debian'), { recursive: true });
  writeFileSync(join(work, 'debian/control'), 'Source: tripline\n\nPackage: tripline\nArchitecture: any\n');
  const output = execFileSync('dpkg-shlibdeps', ['-O', join(tree, binary)], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  rmSync(work, { recursive: true, force: true });
  const match = /^shlibs:Depends=(.*)$/m.exec(output);
  if (!match) throw new Error(`dpkg-shlibdeps found no dependencies for ${binary}`);
  return match[1]!;
}

/** Writes DEBIAN/ (control, conffiles, maintainer scripts) into `tree` and runs dpkg-deb. */
function assemble(root: string, name: DebianPackageName, tree: string, outDir: string, compression: DebianCompression, values: Record<string, string>): string {
  const source = join(root, PACKAGING, 'debian', name);
  const control = join(tree, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  const fill = (text: string) =>
    text.replace(/@([A-Z_]+)@/g, (_, key: string) => {
      if (values[key] === undefined) throw new Error(`${name}/control: no value for @${key}@`);
      return values[key]!;
    });
  const size = Math.ceil(treeBytes(tree) / 1024);
  writeFileSync(join(control, 'control'), `${fill(readFileSync(join(source, 'control'), 'utf8')).trimEnd()}\nInstalled-Size: ${size}\n`);
  const conffiles = readdirSync(join(tree, 'etc/tripline')).map((file) => `/etc/tripline/${file}`);
  writeFileSync(join(control, 'conffiles'), `${conffiles.join('\n')}\n`);
  const common = readFileSync(join(root, PACKAGING, 'debian/tripline-common.sh'), 'utf8');
  for (const script of ['postinst', 'prerm', 'postrm']) {
    const text = readFileSync(join(source, script), 'utf8').replace('# @include tripline-common.sh\n', common);
    writeFileSync(join(control, script), text, { mode: 0o755 });
  }
  mkdirSync(join(tree, 'usr/share/doc', name), { recursive: true });
  writeFileSync(join(tree, 'usr/share/doc', name, 'copyright'), 'Tripline\nLicense: Apache-2.0\n On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.\n');
  installFile(join(root, 'config.example.yaml'), join(tree, 'usr/share/doc', name, 'config.example.yaml'), 0o644);
  const deb = join(outDir, `${name}_${values.VERSION}_amd64.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', ...compressionOptions(compression), '--build', tree, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  return deb;
}

function treeBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + treeBytes(join(path, entry)), 0);
}
