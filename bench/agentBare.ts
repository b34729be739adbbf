/**
 * A bare agent, run by `npm run bench:agent` beside the agent with the agent's own Node flags: what
 * reading this host's data for the default cycle costs a Node process, with nothing of the agent's
 * structure. Once a second it reads the same `/proc` and `/sys` files the agent keeps open (the
 * bench lists them from the agent's own file descriptors), asks statfs, access(W_OK) and stat of
 * the same mount points, takes the numbers the default probes report out of each file with plain
 * loops (counters as rates over the second, ratios and byte rates rounded as the agent reports
 * them), and POSTs them as one report of values against a series set, the agent's number of values,
 * over a kept-open connection as the floor does (agentFloor.ts). No probes, no observation objects,
 * no checks, no series matching, no sequence lease, no self metrics, no spool: what the agent costs
 * above this is its structure; what this costs above the floor is the data.
 *
 * `node <agent flags> dist/bench/agentBare.js PORT PATH SPEC`, SPEC a JSON object
 * `{"files": [...], "mounts": [...], "values": N}`: posts to http://127.0.0.1:PORT/PATH every second
 * until killed. The mount table (`.../mounts`), which the agent reads once a minute, is read once a
 * minute. Exits 1 on a refused answer or a lost connection, 2 on a SPEC it cannot use or a file it
 * cannot open (named), so that the bench fails rather than print the cost of nothing.
 */
import { accessSync, constants, openSync, readSync, statfsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { BareSpec } from './agentBareSpec.js';
import { postEverySecond } from './stubPoster.js';

function fail(message: string): never {
  console.error(`agentBare: ${message}`);
  process.exit(2);
}

function specOf(text: string | undefined): BareSpec {
  let spec: Partial<BareSpec>;
  try {
    spec = JSON.parse(text ?? '') as Partial<BareSpec>;
  } catch {
    fail('usage: agentBare.js PORT PATH \'{"files": [...], "mounts": [...], "values": N}\'');
  }
  const strings = (list: unknown, name: string) => {
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) fail(`SPEC.${name} must be an array of paths`);
    return list as string[];
  };
  if (!Number.isInteger(spec.values) || spec.values! <= 0) fail('SPEC.values must be a positive whole number');
  return { files: strings(spec.files, 'files'), mounts: strings(spec.mounts, 'mounts'), values: spec.values! };
}

const [portText, path] = process.argv.slice(2, 4);
const port = Number(portText);
if (!Number.isInteger(port) || port <= 0 || path === undefined) fail('usage: agentBare.js PORT PATH SPEC');
const spec = specOf(process.argv[4]);

/** How each file's numbers are taken; `other` (a `/sys` attribute) is its first number, or 1 for "up". */
type Kind = 'stat' | 'loadavg' | 'meminfo' | 'vmstat' | 'fileNr' | 'uptime' | 'diskstats' | 'netDev' | 'statm' | 'mounts' | 'other';

function kindOf(file: string): Kind {
  if (file === '/proc/stat') return 'stat';
  if (file.endsWith('/loadavg')) return 'loadavg';
  if (file.endsWith('/meminfo')) return 'meminfo';
  if (file.endsWith('/vmstat')) return 'vmstat';
  if (file.endsWith('/file-nr')) return 'fileNr';
  if (file.endsWith('/uptime')) return 'uptime';
  if (file.endsWith('/diskstats')) return 'diskstats';
  if (file.endsWith('/net/dev')) return 'netDev';
  if (file.endsWith('/statm')) return 'statm';
  if (file.endsWith('/mounts')) return 'mounts';
  return 'other';
}

const files = spec.files.map((file) => {
  try {
    return { kind: kindOf(file), fd: openSync(file, 'r') };
  } catch (error) {
    return fail(`cannot open ${file}: ${(error as Error).message}`);
  }
});
const mounts = spec.mounts;
const cores = availableParallelism();
const buffer = Buffer.alloc(65536);
/** This cycle's numbers, in the order taken; the report sends the first `spec.values` of them (again from the start if fewer). */
const taken = new Float64Array(4096);
/** Counters of the last cycle, by the slot their rate takes in `taken`. */
const counters = new Float64Array(4096);
let count = 0;
let sequence = 0;
let lastCycleMs = 0;
let mountsReadAt = -Infinity;
/** Scratch for one line's numbers. */
const line = new Float64Array(32);

const MEMINFO_KEYS = ['MemTotal:', 'MemFree:', 'MemAvailable:', 'Buffers:', 'Cached:', 'SwapTotal:', 'SwapFree:', 'Dirty:', 'Writeback:', 'Shmem:', 'SReclaimable:', 'SUnreclaim:', 'HugePages_Total:'];
const VMSTAT_KEYS = ['pgmajfault ', 'pswpin ', 'pswpout ', 'oom_kill ', 'pgpgin ', 'pgpgout '];
/** /proc/net/dev's fields after an interface's colon that are taken: bytes, packets, errors and drops, received then sent. */
const NET_FIELDS = [0, 1, 2, 3, 8, 9, 10, 11];

function read(fd: number): string {
  const length = readSync(fd, buffer, 0, buffer.length, 0);
  return buffer.toString('latin1', 0, length);
}

/** The whole numbers of `text` from `from` to the end of its line (at most `max`) into `line`; their count. */
function numbersOfLine(text: string, from: number, max: number): number {
  let k = 0;
  let i = from;
  const n = text.length;
  while (i < n && k < max) {
    const c = text.charCodeAt(i);
    if (c === 10) break;
    if (c >= 48 && c <= 57) {
      let value = 0;
      for (; i < n; i++) {
        const digit = text.charCodeAt(i) - 48;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
      }
      line[k++] = value;
    } else i++;
  }
  return k;
}

function take(value: number): void {
  taken[count++] = value;
}

/** A counter's rate over the seconds since the last cycle, whole, in the slot it takes. */
function takeRate(value: number, seconds: number): void {
  const previous = counters[count]!;
  counters[count] = value;
  take(seconds > 0 ? Math.round((value - previous) / seconds) : 0);
}

/** The value after `key` at the start of a line, or NaN. */
function keyed(text: string, key: string): number {
  const at = text.startsWith(key) ? 0 : text.indexOf(`\n${key}`);
  if (at < 0) return NaN;
  return numbersOfLine(text, at + key.length + (at === 0 ? 0 : 1), 1) === 1 ? line[0]! : NaN;
}

function takeFile(kind: Kind, text: string, seconds: number): void {
  switch (kind) {
    case 'stat': {
      // The "cpu" line: each state's share of the jiffies since the last cycle, to 5 decimals.
      const n = numbersOfLine(text, 3, 10);
      let total = 0;
      for (let k = 0; k < n; k++) total += line[k]! - counters[count + k]!;
      for (let k = 0; k < n; k++) {
        const delta = line[k]! - counters[count + k]!;
        counters[count + k] = line[k]!;
        taken[count + k] = total > 0 ? Math.round((delta / total) * 1e5) / 1e5 : 0;
      }
      count += n;
      return;
    }
    case 'loadavg': {
      let at = 0;
      for (let k = 0; k < 3; k++) {
        const end = text.indexOf(' ', at);
        take(Math.round((Number(text.slice(at, end)) / cores) * 1e5) / 1e5);
        at = end + 1;
      }
      return;
    }
    case 'meminfo':
      for (let k = 0; k < MEMINFO_KEYS.length; k++) take(keyed(text, MEMINFO_KEYS[k]!) * 1024);
      return;
    case 'vmstat':
      for (let k = 0; k < VMSTAT_KEYS.length; k++) takeRate(keyed(text, VMSTAT_KEYS[k]!), seconds);
      return;
    case 'fileNr':
      numbersOfLine(text, 0, 3);
      take(line[0]!);
      take(line[2]!);
      return;
    case 'uptime':
      take(Number.parseFloat(text));
      return;
    case 'diskstats':
      // Whole devices (not loop, ram or partitions of a disk listed before): reads, writes, bytes and busy time as rates.
      for (let at = 0; at < text.length; ) {
        const newline = text.indexOf('\n', at);
        const end = newline < 0 ? text.length : newline;
        // The third field of the line (after major and minor) is the device's name.
        let nameAt = at;
        for (let field = 0; field < 2; field++) {
          while (nameAt < end && text.charCodeAt(nameAt) === 32) nameAt++;
          while (nameAt < end && text.charCodeAt(nameAt) !== 32) nameAt++;
        }
        while (nameAt < end && text.charCodeAt(nameAt) === 32) nameAt++;
        const space = text.indexOf(' ', nameAt);
        const nameEnd = space < 0 || space > end ? end : space;
        const name = text.slice(nameAt, nameEnd);
        const last = name.charCodeAt(name.length - 1);
        const partition = last >= 48 && last <= 57 && !name.startsWith('nvme') && !name.startsWith('md') && !name.startsWith('dm-');
        if (name.length > 0 && !name.startsWith('loop') && !name.startsWith('ram') && !partition) {
          numbersOfLine(text, nameEnd, 11);
          takeRate(line[0]!, seconds);
          takeRate(line[4]!, seconds);
          takeRate(line[2]! * 512, seconds);
          takeRate(line[6]! * 512, seconds);
          takeRate(line[9]!, seconds);
        }
        at = end + 1;
      }
      return;
    case 'netDev': {
      // After the two header lines, each interface: bytes, packets, errors and drops each way, as rates.
      let at = text.indexOf('\n', text.indexOf('\n') + 1) + 1;
      while (at > 0 && at < text.length) {
        const colon = text.indexOf(':', at);
        if (colon < 0) break;
        const newline = text.indexOf('\n', colon);
        const end = newline < 0 ? text.length : newline;
        numbersOfLine(text, colon + 1, 16);
        for (let k = 0; k < NET_FIELDS.length; k++) takeRate(line[NET_FIELDS[k]!]!, seconds);
        at = end + 1;
      }
      return;
    }
    case 'statm':
      numbersOfLine(text, 0, 2);
      take(line[1]! * 4096);
      return;
    case 'mounts':
      return;
    case 'other':
      take(text.startsWith('up') ? 1 : numbersOfLine(text, 0, 1) === 1 ? line[0]! : 0);
      return;
  }
}

/** One cycle: the files read, the mount points asked, the request with its report of values. */
function cycle(): string {
  const nowMs = Date.now();
  const seconds = lastCycleMs === 0 ? 0 : (nowMs - lastCycleMs) / 1000;
  lastCycleMs = nowMs;
  count = 0;
  for (let i = 0; i < files.length; i++) {
    const { kind, fd } = files[i]!;
    if (kind === 'mounts') {
      // As the agent: the table once a minute.
      if (nowMs - mountsReadAt < 60_000) continue;
      mountsReadAt = nowMs;
    }
    takeFile(kind, read(fd), seconds);
  }
  for (let i = 0; i < mounts.length; i++) {
    const mount = mounts[i]!;
    const fs = statfsSync(mount);
    take(fs.blocks * fs.bsize);
    take((fs.blocks - fs.bfree) * fs.bsize);
    take(fs.bavail * fs.bsize);
    take(fs.files);
    take(fs.files - fs.ffree);
    try {
      accessSync(mount, constants.W_OK);
    } catch {
      // Read-only: the agent would look again; the cost is the call.
    }
    statSync(mount);
  }
  let body = `{"sequence":${++sequence},"seriesSet":"bench-bare","values":[`;
  for (let i = 0; i < spec.values; i++) {
    const value = taken[count > 0 ? i % count : 0]!;
    body += i === 0 ? `${Number.isFinite(value) ? value : 0}` : `,${Number.isFinite(value) ? value : 0}`;
  }
  body += `],"valueTimes":[{"at":${nowMs},"count":${spec.values}}]}`;
  return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

postEverySecond('agentBare', port, (socket) => {
  socket.write(cycle());
});
