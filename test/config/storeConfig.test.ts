/**
 * The store section: SQLite by default; a PostgreSQL URL is checked at load with file:line, and one
 * holding a password is refused without the password appearing in the error (it belongs in the
 * environment, TRIPLINE_POSTGRES_PASSWORD).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeStore } from '../../collector/store/openStore.js';
import { loadConfig } from '../../config/loadConfig.js';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-store-config-')), 'tripline.yaml');
  writeFileSync(file, text);
  return file;
}

function loadProblems(text: string): string[] {
  try {
    loadConfig(configFile(text), {});
  } catch (error) {
    if (error instanceof YamlValidationError) return error.issues.map((i) => `${i.line}:${i.column}: ${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

const SECRET = 'Zq8+Kp3/Wm5Tn1=';

describe('the store section', () => {
  it('opens SQLite under dataDir by default, and names a PostgreSQL server without its password', () => {
    const { config } = loadConfig(undefined, {});
    expect(config.store).toEqual({});
    expect(describeStore(config)).toMatch(/tripline\.db$/);
    const shared = loadConfig(configFile('store:\n  postgres:\n    url: postgres://tripline@db.example.com:5432/tripline\n'), {}).config;
    expect(describeStore(shared)).toBe('postgres://tripline@db.example.com:5432/tripline');
  });

  it.each([
    // a password in the file: refused, and the message does not repeat it
    [`postgres://tripline:${encodeURIComponent(SECRET)}@db:5432/tripline`, '3:10: store.postgres.url: holds a password: remove it from the file and set env TRIPLINE_POSTGRES_PASSWORD instead'],
    // not a URL at all
    ['db.example.com', '3:10: store.postgres.url: must be a URL like postgres://tripline@db.example.com:5432/tripline'],
    // another scheme
    ['mysql://tripline@db/tripline', '3:10: store.postgres.url: must start with postgres:// (got mysql://)'],
    // no database
    ['postgres://tripline@db:5432', '3:10: store.postgres.url: names no database: postgres://user@host:port/database'],
  ])('refuses %s at load with file:line', (url, problem) => {
    const problems = loadProblems(`store:\n  postgres:\n    url: ${url}\n`);
    expect(problems).toEqual([problem]);
    expect(problems.join('\n')).not.toContain(SECRET.slice(0, 8));
  });

  it('refuses unknown keys of the section', () => {
    expect(loadProblems('store:\n  mysql: {}\n')[0]).toMatch(/^2:3: store/);
  });
});
