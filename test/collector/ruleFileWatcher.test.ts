import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { watchRuleFiles, type RuleFileWatcher } from '../../collector/alerting/ruleFileWatcher.js';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchRuleFiles', () => {
  let dir = '';
  let watcher: RuleFileWatcher | undefined;
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Watches `paths` in a fresh temp dir; returns how often onChange ran. */
  function start(setup: (dir: string) => string[]): () => number {
    dir = mkdtempSync(join(tmpdir(), 'tripline-watch-'));
    const paths = setup(dir);
    let calls = 0;
    watcher = watchRuleFiles({ paths, onChange: () => calls++, log, debounceMs: 50 });
    return () => calls;
  }

  it('calls onChange once for a burst of writes to a watched file', async () => {
    const calls = start((d) => {
      writeFileSync(join(d, 'rules.yaml'), 'rules: []\n');
      return [join(d, 'rules.yaml')];
    });
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'rules.yaml'), `rules: [] # ${i}\n`);
    await sleep(300);
    expect(calls()).toBe(1);
  });

  it('sees an editor-style save (write a temp file, rename it over the old one)', async () => {
    const calls = start((d) => {
      writeFileSync(join(d, 'rules.yaml'), 'rules: []\n');
      return [join(d, 'rules.yaml')];
    });
    writeFileSync(join(dir, '.rules.yaml.swp'), 'rules: [] # new\n');
    renameSync(join(dir, '.rules.yaml.swp'), join(dir, 'rules.yaml'));
    await sleep(300);
    expect(calls()).toBe(1);
    watcher!.close();
    writeFileSync(join(dir, 'rules.yaml'), 'rules: [] # after close\n');
    await sleep(300);
    expect(calls()).toBe(1);
  });

  it('in a watched directory, new and changed YAML files count; other files and unwatched neighbours do not', async () => {
    const calls = start((d) => {
      mkdirSync(join(d, 'pack'));
      writeFileSync(join(d, 'other.yaml'), 'rules: []\n');
      return [join(d, 'pack')];
    });
    writeFileSync(join(dir, 'pack', 'notes.txt'), 'not rules');
    writeFileSync(join(dir, 'other.yaml'), 'rules: [] # changed\n');
    await sleep(300);
    expect(calls()).toBe(0);
    writeFileSync(join(dir, 'pack', 'new.yml'), 'rules: []\n');
    await sleep(300);
    expect(calls()).toBe(1);
  });

  it('skips a path that does not exist and still watches the others', async () => {
    const calls = start((d) => {
      writeFileSync(join(d, 'rules.yaml'), 'rules: []\n');
      return [join(d, 'missing-dir', 'x.yaml'), join(d, 'rules.yaml')];
    });
    writeFileSync(join(dir, 'rules.yaml'), 'rules: [] # changed\n');
    await sleep(300);
    expect(calls()).toBe(1);
  });
});

describe('reload on file change', () => {
  it('puts a valid edit in force and keeps the old set, with located errors logged, when an edit is invalid', async () => {
    const { createRuleReloader } = await import('../../collector/alerting/ruleReloader.js');
    const { loadRuleFiles } = await import('../../rules/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'tripline-reload-'));
    const file = join(dir, 'rules.yaml');
    const rule = (name: string, extra = '') => `rules:\n  - { name: ${name}, metric: m, above: 1, severity: info, summary: s${extra} }\nmetrics: [{ name: m }]\n`;
    writeFileSync(file, rule('first'));
    let inForce = loadRuleFiles([file]).map((r) => r.name);
    const logged: unknown[] = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const reload = createRuleReloader({ load: () => loadRuleFiles([file]), replace: (rules) => (inForce = rules.map((r) => r.name)), log: capture });
    const watcher = watchRuleFiles({ paths: [file], onChange: () => reload('file change'), log, debounceMs: 50 });
    try {
      writeFileSync(file, rule('second'));
      await sleep(300);
      expect(inForce).toEqual(['second']);

      writeFileSync(file, rule('third', ', for: 5 minutes'));
      await sleep(300);
      expect(inForce).toEqual(['second']);
      expect(logged.at(-1)).toMatchObject({
        msg: 'rule reload failed; keeping the rules in force',
        trigger: 'file change',
        issues: [`${file}:2:74: rules[0].for: must be a duration such as 30s, 5m, 4h or 7d, got "5 minutes"`],
      });
    } finally {
      watcher.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
