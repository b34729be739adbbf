/**
 * Which proxy the agent uses for its collector, read from the environment as curl reads it.
 */
import { describe, expect, it } from 'vitest';
import { bypasses, proxyRouteFor } from '../../agent/transport/proxyRoute.js';

const route = (url: string, env: NodeJS.ProcessEnv) => proxyRouteFor(new URL(url), env);

describe('proxyRouteFor', () => {
  it.each([
    // https collectors: https_proxy before HTTPS_PROXY before all_proxy
    ['https://c.example.com', { https_proxy: 'http://p1:3128', HTTPS_PROXY: 'http://p2:3128' }, 'http://p1:3128', 'https_proxy'],
    ['https://c.example.com', { HTTPS_PROXY: 'http://p2:3128', ALL_PROXY: 'http://p3:3128' }, 'http://p2:3128', 'HTTPS_PROXY'],
    ['https://c.example.com', { all_proxy: 'http://p3:8080' }, 'http://p3:8080', 'all_proxy'],
    // an http collector: only lower-case http_proxy, as curl (HTTP_PROXY is a request header under CGI)
    ['http://c.example.com:8080', { HTTP_PROXY: 'http://evil:1' }, undefined, undefined],
    ['http://c.example.com:8080', { http_proxy: 'http://p4:3128', https_proxy: 'http://p5:3128' }, 'http://p4:3128', 'http_proxy'],
    // a proxy without scheme is http, without port curl's 1080; an explicit :80 stays 80
    ['https://c.example.com', { https_proxy: 'p6' }, 'http://p6:1080', 'https_proxy'],
    ['https://c.example.com', { https_proxy: 'http://p7:80' }, 'http://p7:80', 'https_proxy'],
    // nothing set: direct
    ['https://c.example.com', {}, undefined, undefined],
    // loopback targets always go direct (the agent of `tripline start`)
    ['http://127.0.0.1:8080', { http_proxy: 'http://p:3128' }, undefined, undefined],
    ['https://localhost:8443', { https_proxy: 'http://p:3128' }, undefined, undefined],
    ['http://[::1]:8080', { http_proxy: 'http://p:3128' }, undefined, undefined],
  ])('%s with %o goes through %s', (url, env, display, variable) => {
    const chosen = route(url, env);
    expect(chosen?.display).toBe(display);
    expect(chosen?.variable).toBe(variable);
  });

  it('sends the proxy URL user and password as Basic proxy-authorization, decoded, and keeps them out of display', () => {
    const chosen = route('https://c.example.com', { https_proxy: 'http://ops%40site:s3cr%3At@proxy.example.com:3128' });
    expect(chosen?.authorization).toBe(`Basic ${Buffer.from('ops@site:s3cr:t').toString('base64')}`);
    expect(chosen?.display).toBe('http://proxy.example.com:3128');
    expect(JSON.stringify({ display: chosen?.display, variable: chosen?.variable })).not.toContain('s3cr');
  });

  it.each([
    ['https://proxy:3128', /HTTPS_PROXY uses https:\/\/; the agent speaks to proxies over http:\/\//],
    ['socks5://proxy:1080', /uses socks5:\/\//],
    ['http://[bad', /HTTPS_PROXY is not a URL/],
  ])('refuses HTTPS_PROXY=%s with TRIPLINE_PROXY_INVALID', (value, message) => {
    expect(() => route('https://c.example.com', { HTTPS_PROXY: value })).toThrow(expect.objectContaining({ code: 'TRIPLINE_PROXY_INVALID', message: expect.stringMatching(message) }));
  });

  it('never quotes a malformed proxy value (it may hold a password)', () => {
    try {
      route('https://c.example.com', { HTTPS_PROXY: 'http://user:hunter2@[bad' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('no_proxy', () => {
  it.each([
    // entry, host, port, goes direct
    ['*', 'c.example.com', 443, true],
    ['example.com', 'c.example.com', 443, true], // a domain covers its subdomains
    ['.example.com', 'c.example.com', 443, true], // with or without the leading dot
    ['example.com', 'example.com', 443, true],
    ['example.com', 'badexample.com', 443, false], // a suffix only at a dot
    ['example.com:8443', 'c.example.com', 443, false], // a port limits the entry
    ['example.com:8443', 'c.example.com', 8443, true],
    ['10.0.0.0/8', '10.1.2.3', 443, true], // CIDR ranges
    ['10.0.0.0/8', '11.1.2.3', 443, false],
    ['fd00::/8', 'fd12::1', 443, true],
    ['192.168.1.5', '192.168.1.5', 443, true], // one address
    ['192.168.1.5', '192.168.1.50', 443, false],
    ['other.org, example.com', 'c.example.com', 443, true], // comma- and space-separated lists
    ['other.org example.com', 'c.example.com', 443, true],
    ['EXAMPLE.COM', 'c.example.com', 443, true], // case-insensitive
    ['10.0.0.0/99', '10.1.2.3', 443, false], // a bad range matches nothing
    ['', 'c.example.com', 443, false],
  ])('%j for %s:%d is direct: %s', (entry, host, port, direct) => {
    expect(bypasses(entry, host, port)).toBe(direct);
  });

  it('no_proxy wins over a proxy variable, and NO_PROXY is read when no_proxy is not set', () => {
    expect(route('https://c.example.com', { https_proxy: 'http://p:3128', no_proxy: 'example.com' })).toBeUndefined();
    expect(route('https://c.example.com', { https_proxy: 'http://p:3128', NO_PROXY: 'example.com' })).toBeUndefined();
    expect(route('https://c.example.org', { https_proxy: 'http://p:3128', NO_PROXY: 'example.com' })?.display).toBe('http://p:3128');
  });
});
