/**
 * The host's addresses and default gateway for the report's agent identity (`addresses`,
 * `defaultGateway`), which the collector keeps on the host for topology and suppression. Read from
 * `/proc/net/route`, `/proc/net/ipv6_route` and getifaddrs (os.networkInterfaces): no process.
 */
import { networkInterfaces } from 'node:os';
import { parseDefaultGatewayV4, parseDefaultGatewayV6 } from '../procfs/procNetRoute.js';
import type { ProcReader } from '../procfs/procReader.js';

/** What identifies the host on the network. */
export interface HostAddressing {
  addresses: string[];
  defaultGateway: string | undefined;
}

const MAX_ADDRESSES = 64;

/** Non-loopback, non-link-local addresses, IPv4 first, without duplicates. */
export function primaryAddresses(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const found = new Set<string>();
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv6' && /^fe80:/i.test(entry.address)) continue;
      found.add(entry.address);
    }
  }
  return [...found].sort((a, b) => Number(a.includes(':')) - Number(b.includes(':'))).slice(0, MAX_ADDRESSES);
}

/** The default gateway, IPv4 preferred; undefined when there is none (or /proc/net is not readable). */
export function defaultGateway(proc: ProcReader): string | undefined {
  const v4 = parsedOrUndefined(proc, 'net/route', parseDefaultGatewayV4);
  if (v4 !== undefined) return v4;
  return parsedOrUndefined(proc, 'net/ipv6_route', parseDefaultGatewayV6);
}

function parsedOrUndefined(proc: ProcReader, path: string, parse: (text: string) => string | undefined): string | undefined {
  try {
    return parse(proc.readOnce(path));
  } catch {
    return undefined;
  }
}

/** Both, as the report carries them. */
export function readHostAddressing(proc: ProcReader): HostAddressing {
  return { addresses: primaryAddresses(), defaultGateway: defaultGateway(proc) };
}

/** Addressing read at most once per `ttlMs` (getifaddrs and the route tables change rarely). */
export function cachedHostAddressing(proc: ProcReader, ttlMs = 60_000, nowMs: () => number = () => performance.now()): () => HostAddressing {
  let cached: { atMs: number; value: HostAddressing } | undefined;
  return () => {
    const now = nowMs();
    if (cached === undefined || now - cached.atMs >= ttlMs) {
      let value: HostAddressing;
      try {
        value = readHostAddressing(proc);
      } catch {
        value = { addresses: [], defaultGateway: undefined };
      }
      cached = { atMs: now, value };
    }
    return cached.value;
  };
}
