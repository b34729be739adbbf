/**
 * The contract's versioning rule (contract/report.ts) on a real collector: a report recorded from
 * the previous release's agent (test/fixtures/reports/), the same report with the optional fields a
 * next minor could add at every level (accepted, and those fields neither stored nor shown), and
 * reports of another major (refused, saying what to upgrade).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { databasePath } from '../../collector/store/sqlite/databasePath.js';
import { loadConfig } from '../../config/loadConfig.js';
import { REPORT_SCHEMA_VERSION, ReportSchema, REPORTS_PATH, schemaVersionProblem, type Report } from '../../contract/report.js';
import { createReportBodyValidatorCompiler } from '../../collector/http/reportBodyValidator.js';

const TOKEN = 'contract-versions-token-0123456789';
/** Recorded from the 0.1.0 agent (the self-contained executable) reporting with a TCP check and inventory. */
const PREVIOUS_RELEASE: Report = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/reports/report-0.1.0.json'), 'utf8')) as Report;

/** The recorded report with an unknown optional field on every object a next minor could extend. */
function nextMinorReport(agentId: string): Report {
  const report = structuredClone(PREVIOUS_RELEASE) as unknown as Record<string, any>;
  report.agent.id = agentId;
  report.bootId = 'a-field-of-a-next-minor';
  report.agent.osFamily = 'debian';
  report.observations[0].unit = 'ratio';
  report.checks[0].attempts = 1;
  report.inventory.bios = { vendor: 'x' };
  report.inventory.interfaces[0].mtu = 1500;
  return report as Report;
}

const ADMIN = 'versions-admin-token-0123456789';

describe('report contract versions', () => {
  let collector: RunningCollector;
  let dataDir: string;
  const post = (body: unknown) =>
    fetch(`${collector.url}${REPORTS_PATH}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
  const host = async (agentId: string) => {
    const { hosts } = (await (await fetch(`${collector.url}/api/v1/hosts`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { hosts: Array<Record<string, unknown>> };
    return hosts.find((h) => h.agentId === agentId);
  };
  const storedChecks = (agentId: string) => {
    const db = new Database(databasePath(dataDir), { readonly: true });
    try {
      const row = db.prepare('SELECT c.checks FROM report_chunks c JOIN hosts h USING (host_id) WHERE h.agent_id = ?').get(agentId) as { checks: string };
      return JSON.parse(row.checks) as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    dataDir = mkdtempSync(join(tmpdir(), 'tripline-contract-'));
    config.dataDir = dataDir;
    config.collector.listen.port = 0;
    config.collector.agentTokens = [TOKEN];
    config.collector.adminTokens = [ADMIN];
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts the recorded report of the previous release and stores all of it', async () => {
    const response = await post(PREVIOUS_RELEASE);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sequence: PREVIOUS_RELEASE.sequence, duplicate: false });
    expect(await host(PREVIOUS_RELEASE.agent.id)).toMatchObject({ hostname: 'recorded-host', version: '0.1.0', inventory: PREVIOUS_RELEASE.inventory });
    expect(storedChecks(PREVIOUS_RELEASE.agent.id)).toEqual(PREVIOUS_RELEASE.checks);
  });

  it('accepts a next minor report and ignores the fields it does not know', async () => {
    const response = await post(nextMinorReport('next-minor-agent'));
    expect(response.status).toBe(200);
    const stored = await host('next-minor-agent');
    expect(stored).toMatchObject({ hostname: 'recorded-host', inventory: PREVIOUS_RELEASE.inventory });
    expect(stored).not.toHaveProperty('osFamily');
    expect(storedChecks('next-minor-agent')).toEqual(PREVIOUS_RELEASE.checks);
  });

  // Each row: a schemaVersion of another major (or none), and what the refusal must say.
  const otherMajors: Array<{ name: string; schemaVersion: unknown; says: RegExp }> = [
    // An agent a major release ahead: the collector is what must be upgraded.
    { name: 'the next major', schemaVersion: REPORT_SCHEMA_VERSION + 1, says: /contract version 2 are not accepted.*accepts contract version 1.*upgrade the collector first/ },
    // An agent from before the contract had this major.
    { name: 'an older major', schemaVersion: 0, says: /contract version 0 are not accepted.*upgrade the agent/ },
    // Not a version at all.
    { name: 'a string', schemaVersion: '1', says: /schemaVersion "1" are not accepted/ },
    // No version: not a report of any major.
    { name: 'none', schemaVersion: undefined, says: /schemaVersion missing are not accepted/ },
  ];

  it.each(otherMajors)('refuses $name with a 400 that says which major it accepts', async ({ schemaVersion, says }) => {
    const response = await post({ ...PREVIOUS_RELEASE, agent: { ...PREVIOUS_RELEASE.agent, id: 'other-major-agent' }, schemaVersion });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string; path: string } };
    expect(error).toMatchObject({ code: 'TRIPLINE_VALIDATION_FAILED', path: 'body/schemaVersion' });
    expect(error.message).toMatch(says);
    expect(await host('other-major-agent')).toBeUndefined();
  });

  it('schemaVersionProblem accepts exactly the current major', () => {
    expect(schemaVersionProblem(REPORT_SCHEMA_VERSION)).toBeUndefined();
    expect(schemaVersionProblem(REPORT_SCHEMA_VERSION + 1)).toContain('upgrade the collector first');
  });

  it('the report validator keeps every known field, drops unknown ones at every level, and still refuses bad values', () => {
    const validate = createReportBodyValidatorCompiler()({ schema: ReportSchema, method: 'POST', url: REPORTS_PATH, httpPart: 'body' }) as (data: unknown) => boolean;
    const previous = structuredClone(PREVIOUS_RELEASE);
    expect(validate(previous)).toBe(true);
    expect(previous).toEqual(PREVIOUS_RELEASE);
    const next = nextMinorReport(PREVIOUS_RELEASE.agent.id);
    expect(validate(next)).toBe(true);
    expect(next).toEqual(PREVIOUS_RELEASE);
    const bad = nextMinorReport(PREVIOUS_RELEASE.agent.id) as unknown as { observations: Array<{ value: unknown }> };
    bad.observations[0]!.value = '0.5';
    expect(validate(bad)).toBe(false);
  });
});
