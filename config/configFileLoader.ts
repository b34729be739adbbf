/**
 * Reads `tripline.yaml` once, validates it with line-precise errors (the schema, the limits of its
 * durations, then the checks beyond it: desk names, the topology, and the agent section's in `checkAgentConfig.ts`),
 * fills defaults, decodes every duration to milliseconds, applies environment overrides for secrets,
 * and resolves paths relative to the file. Loads no TypeBox and no Ajv: the schema's code comes in
 * (generated at build time: generatedConfigCode.ts, or released after use: releasedConfigCode.ts;
 * or made from the schema by loadConfig.ts when that is stale).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkAgentConfig } from './checkAgentConfig.js';
import { checkBusinessHours } from './checkBusinessHours.js';
import { checkServices } from './checkServices.js';
import { checkTopology } from './checkTopology.js';
import type { Config, ConfigFile } from './configSchema.js';
import { timeZoneProblem } from './timeZone.js';
import { loadYamlWith, YamlValidationError, type LocatedYaml, type SchemaCode, type YamlIssue } from './yamlDocument.js';

/** Where a loaded config came from, for messages. */
export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file, or undefined when running on defaults. */
  file: string | undefined;
}

/** Loads the config file at `file` (or pure defaults) with `code`, the config schema's validator and decoder. */
export function loadConfigWith(code: SchemaCode, file: string | undefined, env: NodeJS.ProcessEnv): LoadedConfig {
  const absolute = file === undefined ? undefined : resolve(file);
  const text = absolute === undefined ? '{}' : readConfigText(absolute);
  const { value } = loadYamlWith<ConfigFile>(text, absolute ?? '<defaults>', code, configIssues);
  const config: Config = { ...value, agent: { ...value.agent, timeZone: value.timeZone } };
  const base = absolute === undefined ? process.cwd() : dirname(absolute);
  config.dataDir = resolve(base, config.dataDir);
  config.collector.rules = config.collector.rules.map((p) => resolve(base, p));
  applyEnvironment(config, env);
  return { config, file: absolute };
}

/** The checks beyond the schema, on the decoded file: the time zone, the desks, the agent section. */
function configIssues(loaded: LocatedYaml<ConfigFile>): YamlIssue[] {
  const { value, locate } = loaded;
  return [
    ...timeZoneIssues(loaded),
    ...leaseIssues(loaded),
    ...claimIssues(loaded),
    ...storeIssues(loaded),
    ...deskIssues(value, locate),
    ...checkServices(value.services, value.desks.map((desk) => desk.name), locate as LocatedYaml<unknown>['locate']),
    ...checkTopology(value.incidents.topology, locate as LocatedYaml<unknown>['locate']),
    ...checkBusinessHours(value.priority, locate as LocatedYaml<unknown>['locate']),
    ...checkAgentConfig({ ...value.agent, timeZone: value.timeZone }).map(({ code, path, message }) => ({ ...locate(path, message), code })),
  ];
}

/** Desk names are unique, and every route names a desk that exists. */
function deskIssues(config: ConfigFile, locate: LocatedYaml<ConfigFile>['locate']): YamlIssue[] {
  const issues: YamlIssue[] = [];
  const names = new Set<string>();
  config.desks.forEach((desk, index) => {
    if (names.has(desk.name)) issues.push(locate(['desks', index, 'name'], `duplicate desk name "${desk.name}"`));
    names.add(desk.name);
  });
  const checkDesk = (name: string, path: Array<string | number>) => {
    if (!names.has(name)) issues.push(locate(path, `no desk named "${name}" (desks: ${[...names].join(', ') || 'none'})`));
  };
  config.routing.routes.forEach((route, r) => route.desks.forEach((name, d) => checkDesk(name, ['routing', 'routes', r, 'desks', d])));
  config.routing.fallback.forEach((name, d) => checkDesk(name, ['routing', 'fallback', d]));
  return issues;
}

/** A lease renewed at most every half of its TTL, so one missed renewal does not move the jobs. */
function leaseIssues({ value, locate }: LocatedYaml<ConfigFile>): YamlIssue[] {
  const { ttl, renewInterval } = value.collector.leases;
  return renewInterval * 2 > ttl ? [locate(['collector', 'leases', 'renewInterval'], `must be at most half of collector.leases.ttl (${ttl / 1000}s), got ${renewInterval / 1000}s`)] : [];
}

/** A claim outlives a desk call (a search and an open), so another collector never takes a row whose call is still running. */
function claimIssues({ value, locate }: LocatedYaml<ConfigFile>): YamlIssue[] {
  const { claimTimeout } = value.delivery;
  const slowest = value.desks.reduce<{ name: string; timeout: number } | undefined>((max, desk) => (max === undefined || desk.timeout > max.timeout ? desk : max), undefined);
  if (slowest === undefined || claimTimeout >= slowest.timeout * 2) return [];
  return [locate(['delivery', 'claimTimeout'], `must be at least twice the longest desk timeout (desk "${slowest.name}": ${slowest.timeout / 1000}s), got ${claimTimeout / 1000}s`)];
}

/**
 * A PostgreSQL store's URL names a host and a database and holds no password (that comes from the
 * environment). The messages never repeat the URL, which may hold one.
 */
function storeIssues({ value, locate }: LocatedYaml<ConfigFile>): YamlIssue[] {
  const url = value.store.postgres?.url;
  if (url === undefined) return [];
  const at = (message: string) => [locate(['store', 'postgres', 'url'], message)];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return at('must be a URL like postgres://tripline@db.example.com:5432/tripline');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return at(`must start with postgres:// (got ${parsed.protocol}//)`);
  if (parsed.password !== '') return at('holds a password: remove it from the file and set env TRIPLINE_POSTGRES_PASSWORD instead');
  if (parsed.hostname === '') return at('names no host: postgres://user@host:port/database');
  if (parsed.pathname.length <= 1) return at('names no database: postgres://user@host:port/database');
  return [];
}

/** The time zone every cron expression is read in (the agent's inventory schedule is checked with the agent section). */
function timeZoneIssues({ value, locate }: LocatedYaml<ConfigFile>): YamlIssue[] {
  const issues: YamlIssue[] = [];
  const zone = timeZoneProblem(value.timeZone);
  if (zone !== undefined) issues.push(locate(['timeZone'], zone));
  return issues;
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new YamlValidationError([{ file, line: 1, column: 1, path: '', message: `cannot read config file (${code ?? 'error'})` }]);
  }
}

/** Secrets may come from the environment so that they never need to sit in the file. */
function applyEnvironment(config: Config, env: NodeJS.ProcessEnv): void {
  if (env.TRIPLINE_AGENT_TOKEN) config.agent.token = env.TRIPLINE_AGENT_TOKEN;
  if (env.TRIPLINE_ENROLLMENT_TOKEN) config.agent.enrollmentToken = env.TRIPLINE_ENROLLMENT_TOKEN;
  const list = (value: string) => value.split(',').map((t) => t.trim()).filter(Boolean);
  if (env.TRIPLINE_ENROLLMENT_TOKENS) config.collector.enrollmentTokens = [...config.collector.enrollmentTokens, ...list(env.TRIPLINE_ENROLLMENT_TOKENS)];
  if (env.TRIPLINE_ADMIN_TOKENS) config.collector.adminTokens = [...config.collector.adminTokens, ...list(env.TRIPLINE_ADMIN_TOKENS)];
  if (env.TRIPLINE_VIEWER_TOKENS) config.collector.viewerTokens = [...config.collector.viewerTokens, ...list(env.TRIPLINE_VIEWER_TOKENS)];
  if (env.TRIPLINE_AGENT_TOKENS) {
    const extra = env.TRIPLINE_AGENT_TOKENS.split(',').map((t) => t.trim()).filter(Boolean);
    config.collector.agentTokens = [...config.collector.agentTokens, ...extra];
  }
  for (const desk of config.desks) {
    const secret = env[deskSecretVariable(desk.name)];
    if (secret) desk.secret = secret;
  }
}

/** The environment variable that holds a desk's secret: `TRIPLINE_DESK_OPS_WEBHOOK_SECRET` for `ops-webhook`. */
export function deskSecretVariable(deskName: string): string {
  return `TRIPLINE_DESK_${deskName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SECRET`;
}
