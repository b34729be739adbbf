/**
 * The default gateway from `/proc/net/route` (IPv4, addresses as little-endian hex) and
 * `/proc/net/ipv6_route` (big-endian hex), the routes with the lowest metric winning.
 */

/** The IPv4 default gateway, or undefined when there is no default route via a gateway. */
export function parseDefaultGatewayV4(text: string): string | undefined {
  let best: { gateway: string; metric: number } | undefined;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [, destination, gateway, flags, , , metric, mask] = f;
    const up = (parseInt(flags!, 16) & 0x3) === 0x3; // RTF_UP | RTF_GATEWAY
    if (destination !== '00000000' || mask !== '00000000' || !up || !/^[0-9A-Fa-f]{8}$/.test(gateway!)) continue;
    const address = [6, 4, 2, 0].map((i) => parseInt(gateway!.slice(i, i + 2), 16)).join('.');
    if (best === undefined || Number(metric) < best.metric) best = { gateway: address, metric: Number(metric) };
  }
  return best?.gateway;
}

/** The IPv6 default gateway (`::/0` via a next hop), or undefined. */
export function parseDefaultGatewayV6(text: string): string | undefined {
  let best: { gateway: string; metric: number } | undefined;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [destination, prefix, , , nextHop, metric] = f;
    if (!/^0{32}$/.test(destination!) || prefix !== '00' || !/^[0-9a-f]{32}$/i.test(nextHop!) || /^0{32}$/.test(nextHop!)) continue;
    const groups = nextHop!.match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
    const address = compressIpv6(groups);
    const value = parseInt(metric!, 16);
    if (best === undefined || value < best.metric) best = { gateway: address, metric: value };
  }
  return best?.gateway;
}

/** Joins eight hex groups, replacing the longest run of zero groups by `::`. */
function compressIpv6(groups: string[]): string {
  let start = -1;
  let length = 0;
  for (let i = 0; i < groups.length; i++) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > length && j - i > 1) {
      start = i;
      length = j - i;
    }
    i = j;
  }
  if (start < 0) return groups.join(':');
  return `${groups.slice(0, start).join(':')}::${groups.slice(start + length).join(':')}`;
}
