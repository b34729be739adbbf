/**
 * The warnings the collector prints at start: an API beyond loopback without TLS, a webhook desk
 * without a secret; none for a loopback listener, a TLS one, or a signed webhook.
 */
import { describe, expect, it } from 'vitest';
import { isLoopback, startupWarnings } from '../../collector/startupWarnings.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';

function configWith(host: string, options: { tls?: boolean; secret?: string } = {}) {
  const { config } = loadConfig(undefined, {});
  config.collector.listen.host = host;
  if (options.tls) config.collector.tls = { certFile: '/etc/tripline/cert.pem', keyFile: '/etc/tripline/key.pem' };
  config.desks = [{ type: 'webhook', name: 'ops-desk', url: 'https://desk.example.org/hook', timeout: parseDurationMs('5s'), headers: {}, rateLimitPerMinute: 60, ...(options.secret === undefined ? {} : { secret: options.secret }) }];
  return config;
}

describe('startup warnings', () => {
  // Each row: the listen host, TLS or not, the webhook's secret, and the warnings expected.
  const rows: Array<[string, { tls?: boolean; secret?: string }, string[]]> = [
    ['127.0.0.1', { secret: 's3cret' }, []],
    ['::1', { secret: 's3cret' }, []],
    ['localhost', { secret: 's3cret' }, []],
    ['0.0.0.0', { secret: 's3cret' }, ['listening-without-tls']],
    ['::', { secret: 's3cret' }, ['listening-without-tls']],
    ['192.0.2.10', { secret: 's3cret' }, ['listening-without-tls']],
    ['0.0.0.0', { tls: true, secret: 's3cret' }, []],
    ['127.0.0.1', {}, ['webhook-desk-unsigned']],
    ['127.0.0.1', { secret: '' }, ['webhook-desk-unsigned']],
    ['0.0.0.0', {}, ['listening-without-tls', 'webhook-desk-unsigned']],
  ];
  it.each(rows)('listening on %s with %o warns %o', (host, options, events) => {
    expect(startupWarnings(configWith(host, options)).map((w) => w.event)).toEqual(events);
  });

  it('says what to do, and names the env variable of the desk secret, without any secret', () => {
    const [tls, unsigned] = startupWarnings(configWith('0.0.0.0'));
    expect(tls!.text).toMatch(/listens on 0\.0\.0\.0, beyond this machine, without TLS.*set collector\.tls/);
    expect(unsigned!.text).toContain('TRIPLINE_DESK_OPS_DESK_SECRET');
    expect(JSON.stringify(startupWarnings(configWith('0.0.0.0', { secret: 'do-not-print-me' })))).not.toContain('do-not-print-me');
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'collector.example.org', '128.0.0.1'].some(isLoopback)).toBe(false);
  });
});
