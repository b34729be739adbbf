/**
 * The agent's durable identity and report sequence, kept in `<dataDir>/agent/state.json`.
 *
 * A sequence number is reserved (and a successor persisted) before a report is built, so a number
 * is never used twice across restarts or crashes; a crash can only leave a gap, which the collector
 * tolerates. With a lease of N, the file is written once per N numbers (it holds the lease's end),
 * which saves an fsync per report; a graceful stop (`save`) writes the exact next number, so only a
 * crash leaves a gap, of at most N. Writes are atomic: temporary file, fsync, rename, fsync of the directory.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AgentStateError } from './agentStateError.js';

/** The persisted identity and sequence. */
export interface AgentState {
  /** Random UUID generated on first start; the report identity unless `agent.id` is configured. */
  readonly agentId: string;
  /** Returns the next sequence number once it is covered by the persisted lease. */
  reserveSequence(): Promise<number>;
  /**
   * The next sequence number when the persisted lease covers it and no write is under way (every
   * cycle but one in a lease), without a promise; undefined when `reserveSequence` must write first.
   */
  reserveSequenceNow(): number | undefined;
  /** The number the next `reserveSequence` returns. */
  nextSequence(): number;
  /** Writes the state again (idempotent); resolves once earlier writes have finished too. */
  save(): Promise<void>;
}

interface StateFile {
  agentId: string;
  nextSequence: number;
}

/**
 * A copy of `state` (fields a newer agent wrote kept) with `nextSequence`. Not `{ ...state,
 * nextSequence }`: a spread that goes on makes a hidden class a cycle (README, Development).
 */
function withNextSequence(state: StateFile, nextSequence: number): StateFile {
  const next = Object.assign({}, state);
  next.nextSequence = nextSequence;
  return next;
}

/** Where the state of an agent with this data directory lives. */
export function agentStateFile(dataDir: string): string {
  return join(dataDir, 'agent', 'state.json');
}

/** Loads the state, creating it (with a fresh UUID, `newId`'s in tests) when the file does not exist yet. */
export async function openAgentState({ dataDir, newId = randomUuid, leaseSize = 1 }: { dataDir: string; newId?: () => string | Promise<string>; leaseSize?: number }): Promise<AgentState> {
  const file = agentStateFile(dataDir);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const loaded = await readState(file);
  let current: StateFile = loaded ?? { agentId: await newId(), nextSequence: 0 };
  if (loaded === undefined) await writeAtomically(file, current);
  /** Numbers below this are covered by what the file says. */
  let persistedUpTo = current.nextSequence;
  let queue: Promise<unknown> = Promise.resolve();
  /** Operations queued by `serially` and not finished. */
  let queued = 0;

  /** Serialises writes so that a later state never lands before an earlier one. */
  function serially<T>(work: () => Promise<T>): Promise<T> {
    queued += 1;
    const run = queue.then(work).finally(() => {
      queued -= 1;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    agentId: current.agentId,
    reserveSequence: () =>
      serially(async () => {
        const reserved = current.nextSequence;
        if (reserved + 1 > persistedUpTo) {
          const leaseEnd = reserved + Math.max(1, leaseSize);
          await writeAtomically(file, withNextSequence(current, leaseEnd));
          persistedUpTo = leaseEnd;
        }
        current = withNextSequence(current, reserved + 1);
        return reserved;
      }),
    reserveSequenceNow() {
      const reserved = current.nextSequence;
      if (queued > 0 || reserved + 1 > persistedUpTo) return undefined;
      current = withNextSequence(current, reserved + 1);
      return reserved;
    },
    nextSequence: () => current.nextSequence,
    save: () =>
      serially(async () => {
        await writeAtomically(file, current);
        persistedUpTo = current.nextSequence;
      }),
  };
}

async function readState(file: string): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentStateError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AgentStateError(file, 'not valid JSON');
  }
  const state = parsed as Partial<StateFile> | null;
  if (typeof state?.agentId !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(state.agentId)) {
    throw new AgentStateError(file, 'agentId is missing or malformed');
  }
  if (!Number.isSafeInteger(state.nextSequence) || (state.nextSequence as number) < 0) {
    throw new AgentStateError(file, 'nextSequence is not a non-negative integer');
  }
  return { agentId: state.agentId, nextSequence: state.nextSequence as number };
}

async function writeAtomically(file: string, state: StateFile): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const directory = await open(dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * A random (version 4) UUID from 16 bytes of the kernel's random source: what crypto.randomUUID
 * returns, without node:crypto, which costs an agent 1 MB of RSS for this one call on its first
 * start (`npm run bench:agent`). Reads of up to 256 bytes from /dev/urandom are never short.
 */
export async function randomUuid(): Promise<string> {
  const bytes = Buffer.alloc(16);
  const handle = await open('/dev/urandom', 'r');
  try {
    await handle.read(bytes, 0, 16, null);
  } finally {
    await handle.close();
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // the RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
