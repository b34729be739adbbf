/**
 * bench:agent's bare agent (bench/agentBare.ts, as built): the files the bench hands it are read and
 * their numbers taken out as the default probes report them, and POSTed once a second as a report of
 * values; a file it cannot open or an answer that is not 200 ends it with what went wrong. And
 * bareSpecOf, which lists for it what the running agent has open and reports.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bareSpecOf } from '../../bench/agentBareSpec.js';
import type { Report } from '../../contract/report.js';
import { REPO_ROOT } from '../support/processes.js';

const BARE = join(REPO_ROOT, 'dist/bench/agentBare.js');

interface Received {
  sequence: number;
  seriesSet: string;
  values: number[];
  valueTimes: { at: number; count: number }[];
}

let server: Server | undefined;
afterEach(() => server?.close());

/** A server that answers `status` and keeps the JSON bodies it gets. */
async function listen(status: number): Promise<{ port: number; bodies: Received[] }> {
  const bodies: Received[] = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received);
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, bodies };
}

function runBare(port: number, spec: unknown) {
  const child = spawn(process.execPath, [BARE, String(port), '/bench/bare', JSON.stringify(spec)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, stderr: () => stderr };
}

describe('bench/agentBare', () => {
  it('reads the files it is given each second and POSTs their numbers as a report of values', async () => {
    const { port, bodies } = await listen(200);
    const files = ['/proc/stat', '/proc/loadavg', '/proc/meminfo', '/proc/vmstat', '/proc/sys/fs/file-nr', '/proc/uptime', '/proc/diskstats', '/proc/net/dev', '/proc/self/statm', '/proc/self/mounts'];
    const { child } = runBare(port, { files, mounts: ['/'], values: 60 });
    try {
      const deadline = Date.now() + 10_000;
      while (bodies.length < 2 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 100));
    } finally {
      child.kill();
    }
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    const [first, second] = bodies as [Received, Received];
    expect([first.sequence, second.sequence]).toEqual([1, 2]);
    expect(second.valueTimes[0]!.at - first.valueTimes[0]!.at).toBeGreaterThanOrEqual(900);
    for (const body of [first, second]) {
      expect(body.values).toHaveLength(60);
      expect(body.values.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
      expect(body.valueTimes).toEqual([{ at: expect.any(Number), count: 60 }]);
      // /proc/stat's "cpu" line as each state's share of the jiffies: they add up to the whole.
      const cpuStates = (/^cpu +([\d ]+)/.exec(readFileSync('/proc/stat', 'utf8')) as RegExpExecArray)[1]!.trim().split(/ +/).length;
      const shares = body.values.slice(0, cpuStates);
      expect(shares.every((share) => share >= 0 && share <= 1)).toBe(true);
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      // After the three load averages, meminfo's MemTotal in bytes, as Node reads it.
      expect(body.values[cpuStates + 3]).toBe(totalmem());
    }
  });

  it('names a file it cannot open, and ends on an answer that is not 200', async () => {
    const { port } = await listen(400);
    const missing = runBare(port, { files: ['/proc/stat', '/proc/no-such-file'], mounts: [], values: 5 });
    const [missingCode] = (await once(missing.child, 'exit')) as [number];
    expect(missingCode).toBe(2);
    expect(missing.stderr()).toContain('cannot open /proc/no-such-file');

    const refused = runBare(port, { files: ['/proc/stat'], mounts: ['/'], values: 5 });
    const [refusedCode] = (await once(refused.child, 'exit')) as [number];
    expect(refusedCode).toBe(1);
    expect(refused.stderr()).toContain('agentBare: unexpected answer: HTTP/1.1 400');

    const badSpec = runBare(port, { files: ['/proc/stat'], mounts: [], values: 0 });
    const [badCode] = (await once(badSpec.child, 'exit')) as [number];
    expect(badCode).toBe(2);
    expect(badSpec.stderr()).toContain('SPEC.values must be a positive whole number');
  });

  it('lists the /proc and /sys files the agent has open, its own as /proc/self, and the mount points it reports', () => {
    const observation = (metric: string, labels: Record<string, string>) => ({ metric, labels, value: 1, at: '2026-12-07T00:00:00.000Z' });
    const report = {
      observations: [
        observation('cpu_usage_ratio', {}),
        observation('filesystem_size_bytes', { mount: '/var', device: '/dev/sdb1', fstype: 'ext4' }),
        observation('filesystem_used_bytes', { mount: '/var', device: '/dev/sdb1', fstype: 'ext4' }),
        observation('filesystem_size_bytes', { mount: '/', device: '/dev/sda1', fstype: 'ext4' }),
      ],
    } as unknown as Report;
    const links = ['/dev/null', 'socket:[4021]', '/proc/stat', '/proc/4242/net/dev', '/sys/class/net/eth0/operstate', '/proc/stat', 'anon_inode:[eventfd]', '/var/lib/tripline/agent/state.json', '/proc/4243/statm'];
    expect(bareSpecOf(links, 4242, report)).toEqual({
      files: ['/proc/4243/statm', '/proc/self/net/dev', '/proc/stat', '/sys/class/net/eth0/operstate'],
      mounts: ['/', '/var'],
      values: 4,
    });
    expect(() => bareSpecOf(['/dev/null', 'socket:[1]'], 4242, report)).toThrow('the agent (pid 4242) has no /proc or /sys file open');
  });
});
