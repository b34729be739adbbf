/**
 * Once-only jobs under leases, step by step on a hand-moved clock: two collectors (two leaderships)
 * on one store; which one runs each job, when a job moves after its holder dies or stops, and what a
 * holder does when the store cannot be reached.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLeadership, isDeadLocalProcess, processHolder, type JobControl, type Leadership } from '../../collector/leadership.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { loadConfig } from '../../config/loadConfig.js';

const TTL = 15_000;
const RENEW = 5_000;
const log = pino({ level: 'silent' });

/** A job that records whether it runs. */
function job(): JobControl & { running: boolean; starts: number } {
  const control = {
    running: false,
    starts: 0,
    start() {
      control.running = true;
      control.starts++;
    },
    async stop() {
      control.running = false;
    },
  };
  return control;
}

function collector(store: Pick<Store, 'tryAcquireLease' | 'releaseLease' | 'listLeases'>, clock: { nowMs(): number }, holder: string) {
  const jobs = { outbox: job(), history: job() };
  // No timer fires by itself: the test calls renew() for each round.
  const leadership: Leadership = createLeadership({ store, clock, log, ttlMs: TTL, renewMs: RENEW, holder, isDeadHolder: () => false, timer: { schedule: () => 0, cancel: () => undefined } });
  leadership.bind('outbox', jobs.outbox);
  leadership.bind('history', jobs.history);
  return { leadership, jobs };
}

function cluster() {
  let now = 1_000_000;
  const clock = { nowMs: () => now };
  const store = openSqliteStore({ file: ':memory:' });
  return { store, clock, advance: (ms: number) => (now += ms), a: collector(store, clock, 'a'), b: collector(store, clock, 'b') };
}

describe('leadership', () => {
  it('runs every job on the first collector to start and none on the second', async () => {
    const { a, b } = cluster();
    await a.leadership.start();
    await b.leadership.start();
    expect([a.jobs.outbox.running, a.jobs.history.running]).toEqual([true, true]);
    expect([b.jobs.outbox.running, b.jobs.history.running]).toEqual([false, false]);
    expect(b.leadership.status()).toEqual([
      { job: 'outbox', leader: false, holder: 'a', validUntilMs: null, runAgeSeconds: null },
      { job: 'history', leader: false, holder: 'a', validUntilMs: null, runAgeSeconds: null },
    ]);
    expect(a.leadership.isLeader('outbox')).toBe(true);
    expect(b.leadership.isLeader('outbox')).toBe(false);
  });

  it('moves the jobs of a holder that died once its lease ran out, within ttl + renew interval', async () => {
    const { a, b, advance } = cluster();
    await a.leadership.start();
    await b.leadership.start();
    // a renews once more, then dies (no more rounds, nothing released)
    advance(RENEW);
    await a.leadership.renew();
    // b's rounds, every renew interval: refused while a's last renewal holds
    for (let waited = RENEW; waited < TTL; waited += RENEW) {
      advance(RENEW);
      await b.leadership.renew();
      expect(b.jobs.outbox.running).toBe(false);
    }
    // the round at or after a's last renewal + ttl takes every job
    advance(RENEW);
    await b.leadership.renew();
    expect([b.jobs.outbox.running, b.jobs.history.running]).toEqual([true, true]);
  });

  it('moves the jobs at the next round of another collector when the holder stops cleanly', async () => {
    const { a, b, store } = cluster();
    await a.leadership.start();
    await b.leadership.start();
    await a.leadership.stop();
    expect([a.jobs.outbox.running, a.jobs.history.running]).toEqual([false, false]);
    await b.leadership.renew();
    expect([b.jobs.outbox.running, b.jobs.history.running]).toEqual([true, true]);
    expect(store.listLeases().map((l) => l.holder)).toEqual(['b', 'b']);
  });

  it('stops a job whose lease another collector took (a holder paused beyond its ttl), and does not start it again while the other renews', async () => {
    const { a, b, advance } = cluster();
    await a.leadership.start();
    await b.leadership.start();
    // a is paused (a long stall, SIGSTOP) beyond its ttl; b takes the leases meanwhile
    advance(TTL);
    expect(a.leadership.isLeader('outbox')).toBe(false);
    await b.leadership.renew();
    expect(b.jobs.outbox.running).toBe(true);
    // a wakes: its round is refused and it stops its jobs
    await a.leadership.renew();
    expect([a.jobs.outbox.running, a.jobs.history.running]).toEqual([false, false]);
    advance(RENEW);
    await b.leadership.renew();
    await a.leadership.renew();
    expect([a.jobs.outbox.running, b.jobs.outbox.running]).toEqual([false, true]);
    expect(a.jobs.outbox.starts).toBe(1);
  });

  it('keeps its jobs while the store is unreachable until its last lease runs out, then stops them', async () => {
    let now = 0;
    const clock = { nowMs: () => now };
    const store = openSqliteStore({ file: ':memory:' });
    let reachable = true;
    const flaky: Pick<Store, 'tryAcquireLease' | 'releaseLease' | 'listLeases'> = {
      tryAcquireLease: (request) => {
        if (!reachable) throw new Error('connection refused');
        return store.tryAcquireLease(request);
      },
      releaseLease: (name, holder) => store.releaseLease(name, holder),
      listLeases: () => {
        if (!reachable) throw new Error('connection refused');
        return store.listLeases();
      },
    };
    const a = collector(flaky, clock, 'a');
    await a.leadership.start();
    reachable = false;
    now += TTL - 1;
    await a.leadership.renew();
    expect(a.jobs.outbox.running).toBe(true);
    expect(a.leadership.storeReachable()).toBe(false);
    now += 1;
    await a.leadership.renew();
    expect([a.jobs.outbox.running, a.jobs.history.running]).toEqual([false, false]);
    // reachable again: the jobs start again here (nobody else took them)
    reachable = true;
    await a.leadership.renew();
    expect(a.jobs.outbox.running).toBe(true);
    expect(a.leadership.storeReachable()).toBe(true);
  });

  it('takes the lease of a dead holder of this host at once, without waiting for it to run out', async () => {
    let now = 0;
    const clock = { nowMs: () => now };
    const store = openSqliteStore({ file: ':memory:' });
    store.tryAcquireLease({ name: 'outbox', holder: 'crashed', ttlMs: TTL, nowMs: now });
    const outbox = job();
    const leadership = createLeadership({ store, clock, log, ttlMs: TTL, renewMs: RENEW, holder: 'restarted', isDeadHolder: (holder) => holder === 'crashed', timer: { schedule: () => 0, cancel: () => undefined } });
    leadership.bind('outbox', outbox);
    now += 1;
    await leadership.start();
    expect(outbox.running).toBe(true);
  });

  it('says in one info line which free leases it took at start, and in one line each which it took over from another holder', async () => {
    let now = 0;
    const clock = { nowMs: () => now };
    const store = openSqliteStore({ file: ':memory:' });
    store.tryAcquireLease({ name: 'sla', holder: 'crashed', ttlMs: TTL, nowMs: now });
    const lines: Array<{ level: number; msg: string; jobs?: string[]; job?: string; from?: string }> = [];
    const recorder = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const leadership = createLeadership({ store, clock, log: recorder, ttlMs: TTL, renewMs: RENEW, holder: 'me', isDeadHolder: (holder) => holder === 'crashed', timer: { schedule: () => 0, cancel: () => undefined } });
    for (const name of ['missed-reports', 'sla', 'services', 'history'] as const) leadership.bind(name, job());
    now += 1;
    await leadership.start();
    expect(lines.map((l) => [l.msg, l.jobs ?? l.job, l.from])).toEqual([
      ['lease taken over: job starts here', 'sla', 'crashed'],
      ['leases taken: missed-reports, services, history start here', ['missed-reports', 'services', 'history'], undefined],
    ]);
    // renewals say nothing
    now += RENEW;
    await leadership.renew();
    expect(lines).toHaveLength(2);
  });
});

describe('isDeadLocalProcess', () => {
  it.each([
    // this very process
    [() => processHolder(), false],
    // a process of this host that exited
    [() => `${hostname()}:${spawnSync(process.execPath, ['-e', '0']).pid}:abcd`, true],
    // a live process of this host (pid 1)
    [() => `${hostname()}:1:abcd`, false],
    // a process of another host: its pid says nothing here
    [() => `elsewhere.example:${spawnSync(process.execPath, ['-e', '0']).pid}:abcd`, false],
    // not a holder id of ours
    [() => 'garbage', false],
  ])('%#', (holder, dead) => {
    expect(isDeadLocalProcess(holder())).toBe(dead);
  });
});

describe('collector.leases in the config', () => {
  const write = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-lease-config-'));
    writeFileSync(join(dir, 'tripline.yaml'), text);
    return join(dir, 'tripline.yaml');
  };

  it('defaults to a 15 s ttl renewed every 5 s (a 20 s failover), and outbox claims of a minute', () => {
    expect(loadConfig(undefined, {}).config.collector.leases).toEqual({ ttl: 15_000, renewInterval: 5_000 });
    expect(loadConfig(undefined, {}).config.delivery.claimTimeout).toBe(60_000);
  });

  it.each([
    // renewed less often than every half ttl: one late round would move the jobs
    ['collector:\n  leases: { ttl: 10s, renewInterval: 6s }\n', /tripline\.yaml:2:\d+: collector\.leases\.renewInterval: must be at most half of collector\.leases\.ttl \(10s\), got 6s/],
    // a ttl below the floor
    ['collector:\n  leases: { ttl: 500ms, renewInterval: 100ms }\n', /tripline\.yaml:2:\d+: collector\.leases\.ttl: .*outside 1s\.\.600s/],
    // an outbox claim that a slow desk call could outlive: another collector would call again meanwhile
    [
      'desks:\n  - { type: webhook, name: ops, url: "http://127.0.0.1:1/h", timeout: 20s }\n  - { type: webhook, name: slow, url: "http://127.0.0.1:1/h", timeout: 40s }\ndelivery:\n  claimTimeout: 1m\n',
      /tripline\.yaml:5:\d+: delivery\.claimTimeout: must be at least twice the longest desk timeout \(desk "slow": 40s\), got 60s/,
    ],
  ])('refuses %j with its line', (text, message) => {
    expect(() => loadConfig(write(text), {})).toThrow(message);
  });
});
