/**
 * The self-contained agent executable (packaging/buildAgentExecutable.ts), built into a temporary
 * directory: it holds the agent's code and none of the collector's packages, answers --version and
 * --help without Node installed anywhere it looks, reports a bad config with file:line:column, and
 * gets the V8 flags the agent is shipped with at run time, but the two that cli/agentExecutableFlags.ts
 * explains (and the README measures).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_V8_FLAGS, V8_FLAGS_NOT_APPLIED } from '../../cli/agentExecutableFlags.js';
import { agentNodeFlags } from '../../config/packageInfo.js';
import { buildAgentExecutable, COLLECTOR_ONLY_PACKAGES, type AgentExecutableBuild } from '../../packaging/buildAgentExecutable.js';
import { readUnitService } from '../support/systemdUnit.js';
import { REPO_ROOT } from '../support/processes.js';

const run = promisify(execFile);
const shippedFlags = () => agentNodeFlags(join(REPO_ROOT, 'cli/agentMain.ts'));
/** Run with no PATH at all: nothing the executable needs comes from this machine's Node. */
const NO_PATH = { env: { PATH: '/nonexistent' } };

describe('the self-contained agent executable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-agent-executable-'));
  let build: AgentExecutableBuild;

  beforeAll(async () => {
    build = await buildAgentExecutable(REPO_ROOT, join(dir, 'out'));
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("bundles the agent's code and none of the collector's packages", () => {
    expect(build.inputs).toContain('agent/agent.ts');
    expect(build.inputs.filter((input) => input.startsWith('collector/'))).toEqual([]);
    for (const name of COLLECTOR_ONLY_PACKAGES) expect(build.inputs.some((input) => input.startsWith(`node_modules/${name}/`)), name).toBe(false);
  });

  // Each row: the arguments, the exit code and what the executable prints.
  it.each([
    // The version of package.json, put in at build time.
    { args: ['--version'], code: 0, out: new RegExp(`^${JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version.replace(/\./g, '\\.')}\n$`) },
    // Usage.
    { args: ['--help'], code: 0, out: /^Usage: tripline-agent \[-c FILE\]/ },
    // An unknown option is an error, not ignored.
    { args: ['--bogus'], code: 1, err: /^tripline-agent: Unknown option '--bogus'/ },
  ])('$args -> exit $code', async ({ args, code, out, err }) => {
    const result = await run(build.executable, args, NO_PATH).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    expect(result.code).toBe(code);
    if (out) expect(result.stdout).toMatch(out);
    if (err) expect(result.stderr).toMatch(err);
  });

  it('npm run build leaves the CLI entry points executable (tripline-agent works without npm link)', () => {
    for (const entry of ['dist/cli/main.js', 'dist/cli/agentMain.js']) expect(statSync(join(REPO_ROOT, entry)).mode & 0o111, entry).toBe(0o111);
  });

  it('reports a bad config with file:line:column and exits 1', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'agent:\n  intervall: 15s\n');
    const failure = await run(build.executable, ['--config', config], NO_PATH).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(new RegExp(`^tripline-agent: invalid configuration\\n${config}:2:3: .*intervall.*interval`, 'm'));
  });

  it('sets every shipped V8 flag at run time but the one it explains, and its unit runs it as installed', () => {
    const unit = readUnitService(join(REPO_ROOT, 'packaging/systemd/tripline-agent.service'));
    expect(unit.execStart).toEqual(['/usr/bin/tripline-agent', '--config', '/etc/tripline/agent.yaml']);
    expect([...RUNTIME_V8_FLAGS, ...V8_FLAGS_NOT_APPLIED].sort()).toEqual([...shippedFlags()].sort());
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`(\`${shippedFlags().join(' ')}\``);
  });
});
