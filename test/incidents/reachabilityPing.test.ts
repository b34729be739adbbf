/**
 * Host down versus agent down with the real system ping: 127.0.0.1 answers; an address inside a
 * network namespace this test creates answers until the test takes its link down. Needs root and
 * `ip netns`; skipped with the reason when they are missing (and CI is not set).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAddress, systemPinger } from '../../collector/incidents/reachabilityProber.js';
import { ALL_RULES, disk } from './lifecycleRules.js';
import { createLifecycleHarness } from '../support/lifecycleHarness.js';

const tag = (process.pid % 10_000).toString();
const NS = `tl-ping-${tag}`;
const HOST_IF = `tlh${tag}`;
const NS_IF = `tln${tag}`;
const SUBNET = `10.250.${process.pid % 250}`;
const NS_ADDRESS = `${SUBNET}.2`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function namespacesUsable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    ip('netns', 'add', NS);
    return null;
  } catch (error) {
    return `ip netns unavailable: ${(error as Error).message.split('\n')[0]}`;
  }
}

const unusable = namespacesUsable();
if (unusable && process.env.CI) throw new Error(`CI is set but network namespaces are unusable: ${unusable}`);

describe.skipIf(unusable !== null)(`reachability with the real ping${unusable ? ` (skipped: ${unusable})` : ''}`, () => {
  beforeAll(() => {
    ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
    ip('link', 'set', NS_IF, 'netns', NS);
    ip('addr', 'add', `${SUBNET}.1/30`, 'dev', HOST_IF);
    ip('link', 'set', HOST_IF, 'up');
    ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${NS_ADDRESS}/30`, 'dev', NS_IF);
    ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'up');
    ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  });
  afterAll(() => {
    try {
      ip('netns', 'del', NS); // removes the veth pair with it
    } catch {
      // already gone
    }
  });

  it('127.0.0.1 answers: the agent is down, not the host', async () => {
    expect(await probeAddress(systemPinger, '127.0.0.1', 2000)).toMatchObject({ verdict: 'agent-down', address: '127.0.0.1' });
  });

  it('a namespace host answers while its link is up and is "host down" once the link is down', async () => {
    expect((await probeAddress(systemPinger, NS_ADDRESS, 2000)).verdict).toBe('agent-down');
    ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'down');
    expect(await probeAddress(systemPinger, NS_ADDRESS, 1000)).toMatchObject({ verdict: 'host-down', detail: `no reply from ${NS_ADDRESS} within 1000ms` });
  });

  it('the collector path: a silent agent on a crashed host becomes "Host down", on a live host "Agent down"', async () => {
    ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'down');
    const topology = { hosts: { alive: { address: '127.0.0.1', parents: [] }, crashed: { address: NS_ADDRESS, parents: [] } } };
    const h = createLifecycleHarness({ rules: ALL_RULES, incidents: { topology }, pinger: systemPinger });
    for (const host of ['alive', 'crashed']) h.at(0).report(host, [disk(0.5)]);
    h.at(60).tick();
    await h.probe();
    expect(h.incidents().map((i) => [i.host, i.summary.split(':')[0]])).toEqual([
      ['alive', 'Agent down'],
      ['crashed', 'Host down'],
    ]);
    h.close();
  });

  it('refuses anything but an IP literal', async () => {
    expect(await probeAddress(systemPinger, '127.0.0.1; reboot', 1000)).toMatchObject({ verdict: 'unknown', address: null });
    await expect(systemPinger('localhost', 1000)).rejects.toThrow('not an IP literal');
  });
});
