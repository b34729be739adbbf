/**
 * A CONNECT tunnel through an HTTP proxy to `host:port`: the socket it resolves with carries bytes
 * straight to the target, and TLS to the collector is started on it by the caller, so the proxy sees
 * only the target's name and port. Made once per connection (the agent keeps its connection open),
 * so node:http's cost is paid once, not per report; and imported on the first tunnel, so that an
 * agent without a proxy never loads it (2 MB of RSS with what it brings; `npm run bench:agent`).
 */
import type { Socket } from 'node:net';
import { CollectorConnectionError } from './collectorConnectionError.js';
import type { ProxyRoute } from './proxyRoute.js';

/** Opens the tunnel, or rejects with the proxy's refusal (its status, never its body) or the socket's error. */
export async function openProxyTunnel(proxy: ProxyRoute, host: string, port: number, signal: AbortSignal): Promise<Socket> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const connect = request({
      host: proxy.host,
      port: proxy.port,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) },
      signal,
      agent: false,
    });
    connect.once('connect', (response, socket, head) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        socket.destroy();
        // 407 is the standard answer; some proxies (tinyproxy) answer a CONNECT with bad credentials 401.
        const reason = status === 407 || status === 401 ? ' (proxy authentication required: check the user and password in the proxy variable)' : '';
        return reject(new CollectorConnectionError('TRIPLINE_PROXY_REFUSED', `proxy ${proxy.display} (from ${proxy.variable}) answered CONNECT ${authority} with ${status}${reason}`));
      }
      if (head.length > 0) {
        socket.destroy();
        return reject(new CollectorConnectionError('TRIPLINE_PROXY_REFUSED', `proxy ${proxy.display} sent bytes before the tunnel was used`));
      }
      resolve(socket);
    });
    connect.once('error', (error: NodeJS.ErrnoException) => {
      // Node's own socket errors keep their codes (ECONNREFUSED is a collector-or-proxy-down retry).
      reject(signal.aborted ? new CollectorConnectionError('ETIMEDOUT', `proxy ${proxy.display} did not open a tunnel in time`) : error);
    });
    connect.end();
  });
}
