/**
 * The ping probe: its mapping from the `ping` package's responses to observations (with a fake
 * pinger, to reach answers loopback cannot give, and to check the arguments), and the real system
 * ping against 127.0.0.1 (iputils-ping, installed by scripts/install-system-packages.sh).
 */
import { existsSync } from 'node:fs';
import type { PingConfig, PingResponse } from 'ping';
import { describe, expect, it } from 'vitest';
import { createPingProbe, pingObservations } from '../../agent/probes/pingProbe.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');

function response(overrides: Partial<PingResponse>): PingResponse {
  return { inputHost: 'h', host: 'h', alive: true, output: '', time: 1, times: [1], min: '1', max: '1', avg: '1', stddev: '0', packetLoss: '0.000', ...overrides };
}

describe('pingObservations', () => {
  it.each([
    // All replies: loss 0, rtt is avg in seconds.
    { given: { avg: '12.500', stddev: '1.500', packetLoss: '0.000' }, expected: { ping_loss_ratio: 0, ping_rtt_seconds: 0.0125, ping_jitter_seconds: 0.0015 } },
    // Half the requests lost.
    { given: { avg: '2.000', packetLoss: '50.000' }, expected: { ping_loss_ratio: 0.5, ping_rtt_seconds: 0.002, ping_jitter_seconds: 0 } },
    // A ping that printed no mdev: no jitter series.
    { given: { avg: '2.000', stddev: 'unknown', packetLoss: '0.000' }, expected: { ping_loss_ratio: 0, ping_rtt_seconds: 0.002 } },
    // Nothing came back: loss 1 and no rtt.
    { given: { alive: false, avg: 'unknown', packetLoss: '100.000' }, expected: { ping_loss_ratio: 1 } },
  ])('$given', ({ given, expected }) => {
    const observations = pingObservations(response(given), 'gw', NOW);
    expect(Array.isArray(observations)).toBe(true);
    const values = Object.fromEntries((observations as { metric: string; value: number }[]).map((o) => [o.metric, o.value]));
    expect(values).toEqual(expected);
    expect((observations as { labels: object }[]).every((o) => JSON.stringify(o.labels) === '{"target":"gw"}')).toBe(true);
  });

  it('returns the reason, not a fake loss, when ping printed no statistics', () => {
    const outcome = pingObservations(response({ alive: false, avg: 'unknown', packetLoss: 'unknown', output: 'ping: nowhere.invalid: Name or service not known' }), 'x', NOW);
    expect(outcome).toBe('ping: nowhere.invalid: Name or service not known');
  });
});

describe('createPingProbe', () => {
  it('pings each target with count, timeout and "--" before the host, labelled by name or host', async () => {
    const calls: Array<[string, PingConfig]> = [];
    const probe = createPingProbe({
      targets: [{ name: 'gw', host: '192.0.2.1' }, { host: 'example.com' }],
      count: 3,
      timeoutSeconds: 1.5,
      pinger: async (host, config) => {
        calls.push([host, config]);
        return response({ avg: '10', packetLoss: host === 'example.com' ? '100.000' : '0.000', alive: host !== 'example.com' });
      },
    });
    const result = await probe.collect(NOW);
    expect(calls).toEqual([
      ['192.0.2.1', { numeric: true, timeout: 2, min_reply: 3, extra: ['--'] }],
      ['example.com', { numeric: true, timeout: 2, min_reply: 3, extra: ['--'] }],
    ]);
    expect(result.observations.map((o) => `${o.metric}{${o.labels.target}}=${o.value}`)).toEqual([
      'ping_loss_ratio{gw}=0',
      'ping_rtt_seconds{gw}=0.01',
      'ping_jitter_seconds{gw}=0',
      'ping_loss_ratio{example.com}=1',
    ]);
    expect(result.checks).toEqual([]);
  });

  it('reports a target whose ping cannot run as an unknown check and keeps the others', async () => {
    const probe = createPingProbe({
      targets: [{ name: 'a', host: '192.0.2.1' }, { name: 'b', host: '192.0.2.2' }],
      count: 1,
      timeoutSeconds: 1,
      pinger: async (host) => {
        if (host === '192.0.2.2') throw new Error('spawn ping ENOENT');
        return response({});
      },
    });
    const result = await probe.collect(NOW);
    expect(result.observations.map((o) => o.labels.target)).toEqual(['a', 'a', 'a']);
    expect(result.checks).toEqual([expect.objectContaining({ name: 'ping:b', status: 'unknown', output: 'ping could not run: spawn ping ENOENT' })]);
  });

  it.skipIf(!['/bin/ping', '/usr/bin/ping', '/sbin/ping'].some(existsSync))('measures 127.0.0.1 with the real system ping', async () => {
    const probe = createPingProbe({ targets: [{ name: 'loopback', host: '127.0.0.1' }], count: 2, timeoutSeconds: 1 });
    const result = await probe.collect(NOW);
    expect(result.checks).toEqual([]);
    const values = Object.fromEntries(result.observations.map((o) => [`${o.metric}{${o.labels.target}}`, o.value]));
    expect(values['ping_loss_ratio{loopback}']).toBe(0);
    expect(values['ping_rtt_seconds{loopback}']).toBeGreaterThan(0);
    expect(values['ping_rtt_seconds{loopback}']).toBeLessThan(0.1);
  });
});
