/** The TCP probe against a real listening socket on loopback, then the same port closed. */
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTcpProbe } from '../../agent/probes/tcpProbe.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('tcp probe', () => {
  it('reports up with the connect time, then down once the port is closed', async () => {
    const { server, port } = await listen();
    const probe = createTcpProbe({ targets: [{ name: 'db', host: '127.0.0.1', port, timeoutSeconds: 2 }] });

    const up = await probe.collect(NOW);
    expect(up.observations.map((o) => [o.metric, o.labels])).toEqual([
      ['tcp_up', { target: 'db' }],
      ['tcp_connect_seconds', { target: 'db' }],
    ]);
    expect(up.observations[0]!.value).toBe(1);
    expect(up.observations[1]!.value).toBeGreaterThan(0);
    expect(up.observations[1]!.value).toBeLessThan(2);
    expect(up.checks).toEqual([expect.objectContaining({ name: 'tcp:db', status: 'ok', at: NOW.toISOString() })]);
    expect(up.checks![0]!.output).toMatch(new RegExp(`^connected to 127\\.0\\.0\\.1:${port} in [\\d.]+ ms$`));

    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = await probe.collect(NOW);
    expect(down.observations.map((o) => [o.metric, o.value])).toEqual([['tcp_up', 0]]);
    expect(down.checks).toEqual([
      expect.objectContaining({ name: 'tcp:db', status: 'critical', output: `cannot connect to 127.0.0.1:${port}: ECONNREFUSED` }),
    ]);
  });

  it('labels an unnamed target host:port and probes targets concurrently', async () => {
    const a = await listen();
    const b = await listen();
    const probe = createTcpProbe({
      targets: [
        { host: '127.0.0.1', port: a.port, timeoutSeconds: 1 },
        { host: '127.0.0.1', port: b.port, timeoutSeconds: 1 },
      ],
    });
    const result = await probe.collect(NOW);
    expect(result.observations.filter((o) => o.metric === 'tcp_up').map((o) => [o.labels.target, o.value])).toEqual([
      [`127.0.0.1:${a.port}`, 1],
      [`127.0.0.1:${b.port}`, 1],
    ]);
    a.server.close();
    b.server.close();
  });

  it('declares a probe timeout longer than its slowest target', () => {
    const probe = createTcpProbe({ targets: [{ host: 'a', port: 1, timeoutSeconds: 3 }, { host: 'b', port: 1, timeoutSeconds: 0.5 }] });
    expect(probe.timeoutSeconds).toBe(4);
  });
});
