/**
 * Which HTTP proxy, if any, the agent's connections to the collector go through, read from the
 * environment the way curl reads it, so a host already set up for curl needs nothing more:
 *
 * | target   | variables, first set wins                                  |
 * |----------|------------------------------------------------------------|
 * | https:// | `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`     |
 * | http://  | `http_proxy` (curl ignores upper-case `HTTP_PROXY`: in CGI it is a request header), `all_proxy`, `ALL_PROXY` |
 *
 * `no_proxy` (or `NO_PROXY`) lists hosts that go direct, comma- or space-separated: `*` (every
 * host), a name that matches itself and its subdomains (`example.com` and `.example.com` both match
 * `a.example.com`), an IP address, or an IP range in CIDR form (`10.0.0.0/8`, `fd00::/8`). A port
 * after a name (`example.com:8443`) limits the entry to that port. One difference from curl: a
 * loopback target (`localhost`, 127.0.0.0/8, ::1) always goes direct, as in Go's net/http, so the
 * agent of `tripline start` never sends its reports out to a site proxy.
 *
 * Proxies are `http://` (a missing scheme means `http://`, as for curl); an https URL through one is
 * tunnelled with CONNECT, so TLS runs end to end between agent and collector. Credentials in the proxy
 * URL (`http://user:pass@proxy:3128`) are sent as Basic `proxy-authorization`, and never logged.
 */
import { BlockList, isIP } from 'node:net';
import { CollectorConnectionError } from './collectorConnectionError.js';

/** A proxy chosen for one collector URL. */
export interface ProxyRoute {
  host: string;
  port: number;
  /** `Basic …` from the proxy URL's user and password; absent without them. */
  authorization?: string;
  /** The proxy for logs: `http://host:port`, no credentials; and the variable that named it. */
  display: string;
  variable: string;
}

const VARIABLES: Record<'https:' | 'http:', readonly string[]> = {
  'https:': ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'],
  'http:': ['http_proxy', 'all_proxy', 'ALL_PROXY'],
};

/**
 * The proxy for `target` under `env`, or undefined for a direct connection. Throws
 * TRIPLINE_PROXY_INVALID for a proxy variable that is not an http URL (curl would fail too; a typo
 * must not quietly send reports direct, where a firewall drops them).
 */
export function proxyRouteFor(target: URL, env: NodeJS.ProcessEnv): ProxyRoute | undefined {
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return undefined;
  const host = bareHost(target.hostname);
  if (isLoopback(host)) return undefined;
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  if (bypasses(noProxy, host, port)) return undefined;
  for (const variable of VARIABLES[target.protocol]) {
    const value = env[variable]?.trim();
    if (value) return parseProxy(value, variable);
  }
  return undefined;
}

function parseProxy(value: string, variable: string): ProxyRoute {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CollectorConnectionError('TRIPLINE_PROXY_INVALID', `${variable} is not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:') {
    throw new CollectorConnectionError('TRIPLINE_PROXY_INVALID', `${variable} uses ${url.protocol.slice(0, -1)}://; the agent speaks to proxies over http:// (https collectors are tunnelled through them with CONNECT)`);
  }
  if (url.hostname === '') throw new CollectorConnectionError('TRIPLINE_PROXY_INVALID', `${variable} names no proxy host`);
  // URL drops a scheme's default port (:80), which for a proxy is not the default: curl's is 1080.
  const written = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(text);
  const port = written ? Number(written[1]) : 1080;
  const route: ProxyRoute = { host: bareHost(url.hostname), port, display: `http://${url.hostname}:${port}`, variable };
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    route.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  }
  return route;
}

/** Whether `no_proxy` sends `host`:`port` direct. */
export function bypasses(noProxy: string, host: string, port: number): boolean {
  const hostIsIp = isIP(host) !== 0;
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (hostIsIp && inRange(entry, host)) return true;
      continue;
    }
    const { name, entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (hostIsIp || isIP(name) !== 0) {
      if (name === host.toLowerCase()) return true;
      continue;
    }
    const domain = name.replace(/^\*?\./, '');
    const lower = host.toLowerCase().replace(/\.$/, '');
    if (lower === domain || lower.endsWith(`.${domain}`)) return true;
  }
  return false;
}

function splitPort(entry: string): { name: string; entryPort?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, ...(bracketed[2] ? { entryPort: Number(bracketed[2]) } : {}) };
  if (isIP(entry) === 6) return { name: entry };
  const withPort = /^(.*):(\d+)$/.exec(entry);
  return withPort ? { name: withPort[1]!, entryPort: Number(withPort[2]) } : { name: entry };
}

function inRange(cidr: string, address: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const family = isIP(network ?? '');
  const bits = Number(bitsText);
  if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) return false;
  if (isIP(address) !== family) return false;
  const list = new BlockList();
  list.addSubnet(network!, bits, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function isLoopback(host: string): boolean {
  const lower = host.toLowerCase().replace(/\.$/, '');
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  return lower === '::1';
}

/** A URL's hostname without the brackets of an IPv6 address, as sockets and TLS take it. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}
