/** Persisted identity and sequence: survives restarts, never repeats a number, refuses a broken file. */
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { createAgent } from '../../agent/agent.js';
import { AgentStateError } from '../../agent/lifecycle/agentStateError.js';
import { agentStateFile, openAgentState, randomUuid } from '../../agent/lifecycle/agentState.js';
import { procFixture } from './procFixture.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'tripline-state-'));

describe('openAgentState', () => {
  it('creates the state with a random UUID, mode 0600, and no temporary file left behind', async () => {
    const dataDir = freshDir();
    const state = await openAgentState({ dataDir });
    expect(state.agentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const file = agentStateFile(dataDir);
    expect(file).toBe(join(dataDir, 'agent', 'state.json'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ agentId: state.agentId, nextSequence: 0 });
    expect(readdirSync(dirname(file))).toEqual(['state.json']);
  });

  it('makes version 4 UUIDs from the kernel random source: the version and variant bits set, the other 122 bits random', async () => {
    const ids = await Promise.all(Array.from({ length: 200 }, () => randomUuid()));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit outside the fixed ones takes more than one value over 200 ids (a stuck byte would not).
    const free = [...Array(36).keys()].filter((i) => ![8, 13, 14, 18, 19, 23].includes(i));
    for (const i of free) expect(new Set(ids.map((id) => id[i])).size, `digit ${i}`).toBeGreaterThan(1);
  });

  it('persists the successor before handing out a sequence number', async () => {
    const dataDir = freshDir();
    const state = await openAgentState({ dataDir });
    expect(await state.reserveSequence()).toBe(0);
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).nextSequence).toBe(1);
    expect(await state.reserveSequence()).toBe(1);
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).nextSequence).toBe(2);
  });

  it('hands out distinct numbers to concurrent reservations and persists the highest', async () => {
    const dataDir = freshDir();
    const state = await openAgentState({ dataDir });
    const numbers = await Promise.all(Array.from({ length: 20 }, () => state.reserveSequence()));
    expect(new Set(numbers).size).toBe(20);
    expect(Math.max(...numbers)).toBe(19);
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).nextSequence).toBe(20);
  });

  it('with a lease writes once per lease; a crash leaves a gap of at most the lease, a graceful save none', async () => {
    const dataDir = freshDir();
    const state = await openAgentState({ dataDir, leaseSize: 10 });
    expect(await state.reserveSequence()).toBe(0);
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).nextSequence).toBe(10);
    for (let i = 1; i < 10; i++) await state.reserveSequence();
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).nextSequence).toBe(10);
    expect(await state.reserveSequence()).toBe(10);
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).nextSequence).toBe(20);
    // A crash now: the next process starts after the lease, never reusing a number.
    expect(await (await openAgentState({ dataDir, leaseSize: 10 })).reserveSequence()).toBe(20);
    // A graceful stop saves the exact next number: no gap.
    const graceful = await openAgentState({ dataDir: freshDir(), leaseSize: 10 });
    await graceful.reserveSequence();
    await graceful.save();
    expect(graceful.nextSequence()).toBe(1);
  });

  it('reserves without a promise only inside the persisted lease and with no write under way, never reusing a number', async () => {
    const dataDir = freshDir();
    const state = await openAgentState({ dataDir, leaseSize: 4 });
    expect(state.reserveSequenceNow()).toBeUndefined(); // nothing persisted beyond 0 yet: a write must come first
    expect(await state.reserveSequence()).toBe(0); // writes the lease [0, 4)
    expect([state.reserveSequenceNow(), state.reserveSequenceNow(), state.reserveSequenceNow()]).toEqual([1, 2, 3]);
    expect(state.reserveSequenceNow()).toBeUndefined(); // the lease is used up
    const writing = state.reserveSequence(); // 4, and a write of the next lease under way
    expect(state.reserveSequenceNow()).toBeUndefined(); // must not overtake that write
    expect(await writing).toBe(4);
    expect(state.reserveSequenceNow()).toBe(5);
    const saving = state.save();
    expect(state.reserveSequenceNow()).toBeUndefined(); // nor a save
    await saving;
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8')).nextSequence).toBe(6);
    expect(state.reserveSequenceNow()).toBeUndefined(); // the save wrote the exact next number: no lease left
    expect(await state.reserveSequence()).toBe(6);
    // A crash now: the next process starts after the lease, never reusing a number.
    expect(await (await openAgentState({ dataDir, leaseSize: 4 })).reserveSequence()).toBe(10);
  });

  it('keeps identity and sequence across reopening', async () => {
    const dataDir = freshDir();
    const first = await openAgentState({ dataDir });
    await first.reserveSequence();
    await first.reserveSequence();
    const second = await openAgentState({ dataDir });
    expect(second.agentId).toBe(first.agentId);
    expect(await second.reserveSequence()).toBe(2);
  });

  it.each([
    ['not JSON', '{"agentId": '],
    ['agentId missing', '{"nextSequence": 3}'],
    ['agentId with a space', '{"agentId": "a b", "nextSequence": 3}'],
    ['negative sequence', '{"agentId": "a", "nextSequence": -1}'],
    ['fractional sequence', '{"agentId": "a", "nextSequence": 1.5}'],
  ])('refuses a state file with %s rather than restart the sequence', async (_why, text) => {
    const dataDir = freshDir();
    mkdirSync(join(dataDir, 'agent'));
    writeFileSync(agentStateFile(dataDir), text);
    await expect(openAgentState({ dataDir })).rejects.toThrow(AgentStateError);
    await expect(openAgentState({ dataDir })).rejects.toThrow(agentStateFile(dataDir));
  });
});

describe('agent sequence across restarts', () => {
  it('continues the sequence and keeps the id across two createAgent instances', async () => {
    const dataDir = freshDir();
    const { config } = loadConfig(undefined, {});
    const proc = procFixture({
      stat: 'cpu  1 0 1 1 0 0 0 0\n',
      loadavg: '0 0 0 1/1 1\n',
      meminfo: 'MemTotal: 1 kB\nMemAvailable: 1 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n',
      'self/mounts': '',
      'net/dev': 'h|\nh|\n',
    });
    const make = () => createAgent({ config: config.agent, dataDir, log: pino({ level: 'silent' }), version: 'test', proc });

    const first = make();
    const a = await first.collectOnce();
    const b = await first.collectOnce();
    await first.stop();

    const second = make();
    const c = await second.collectOnce();
    await second.stop();

    expect([a.sequence, b.sequence, c.sequence]).toEqual([0, 1, 2]);
    expect(c.agent.id).toBe(a.agent.id);
    expect(JSON.parse(readFileSync(agentStateFile(dataDir), 'utf8'))).toEqual({ agentId: a.agent.id, nextSequence: 3 });
  });
});
