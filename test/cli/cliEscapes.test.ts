/**
 * Terminal injection, end to end: hostile text reaches the database the way an outsider can put it
 * there (an Alertmanager alert's labels and summary, an operator's silence and maintenance comments),
 * then the compiled `tripline` CLI, in a child process as an operator runs it, prints every table
 * with the control characters escaped (`\x1b`), never raw: no ESC, BEL, CR or C1 byte reaches the
 * terminal from `incidents list`, `silences list`, `maintenance list`, `hosts list` or `audit`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../collector/clock.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { createTokenOperations } from '../../collector/operations/tokenOperations.js';
import { loadConfig } from '../../config/loadConfig.js';
import { CLI } from '../support/processes.js';

/** What a terminal would obey: clear the screen, set the window title, colour, carriage return, a C1 CSI. */
const HOSTILE = 'evil\u001b[2J\u001b]0;pwned\u0007\u001b[31mred\r\u009b6n';
/** Control characters other than the newline that ends each line. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('CLI tables with hostile text in the database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-cli-escapes-'));
  const configFile = join(dir, 'tripline.yaml');
  let collector: RunningCollector | undefined;

  beforeAll(async () => {
    writeFileSync(configFile, `dataDir: ${join(dir, 'data')}\ncollector:\n  listen: { port: 0 }\n  agentTokens: ['cli-escapes-agent-token-0123456789']\nincidents: { reachability: { enabled: false } }\n`);
    const { config } = loadConfig(configFile, {});
    config.collector.listen.port = 0;
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
    const operator = createTokenOperations({ store: collector.store, clock: systemClock }).createToken({ name: 'mallory', role: 'operator', createdBy: 'test' }).token;
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${collector!.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` } });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
    };
    await post('/api/v1/intake/alertmanager', {
      version: '4',
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: `Disk${HOSTILE}`, host: `web${HOSTILE}`, severity: 'warning' }, annotations: { summary: `summary ${HOSTILE}` }, startsAt: new Date().toISOString() }],
    });
    await post('/api/v1/silences', { matchers: ['host="nowhere"'], expiresAt: '2999-01-01T00:00:00Z', comment: `comment ${HOSTILE}` });
    await post('/api/v1/maintenance', { cron: '0 2 * * 0', duration: '1h', group: 'db', comment: `window ${HOSTILE}` });
    expect(collector.store.listIncidents().length).toBe(1);
    await collector.stop();
    collector = undefined;
  });
  afterAll(async () => collector?.stop());

  it.each(['incidents list', 'silences list', 'maintenance list', 'hosts list', 'audit'])('tripline %s escapes every control character', async (command) => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...command.split(' '), '--config', configFile], { env: { ...process.env, TRIPLINE_CONFIG: '' } });
    expect(stdout.length).toBeGreaterThan(0);
    expect(stdout).not.toMatch(RAW_CONTROL);
  });

  it('shows the escaped text where the hostile text was', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'incidents', 'list', '--config', configFile], { env: { ...process.env, TRIPLINE_CONFIG: '' } });
    expect(stdout).toContain('evil\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mred\\r\\x9b6n');
  });
});
