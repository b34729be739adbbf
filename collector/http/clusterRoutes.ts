/**
 * `GET /api/v1/cluster`: this collector's place in a cluster of collectors sharing one store (the
 * once-only jobs it runs, the lease table, store reachability, outbox depth and lag). Read-only,
 * for viewers; it holds no secret (holder ids are `hostname:pid:nonce`).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ClusterStatus } from '../clusterStatus.js';

const Timestamp = Type.String({ format: 'date-time' });
const ClusterSchema = Type.Object({
  holder: Type.String({ description: "This collector's holder id" }),
  storeReachable: Type.Boolean({ description: 'Whether the last lease round reached the store' }),
  leaseTtlSeconds: Type.Number(),
  renewIntervalSeconds: Type.Number(),
  failoverSeconds: Type.Number({ description: 'The longest a once-only job waits for another collector after its holder dies: ttl + renew interval' }),
  jobs: Type.Array(
    Type.Object({
      job: Type.String(),
      leader: Type.Boolean(),
      holder: Type.Union([Type.String(), Type.Null()]),
      runAgeSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'Where the job runs here: seconds since its last pass ended (or since it started here); null elsewhere' }),
    }),
  ),
  leases: Type.Array(Type.Object({ name: Type.String(), holder: Type.String(), acquiredAt: Timestamp, expiresAt: Timestamp, expired: Type.Boolean() })),
  outbox: Type.Object({ pending: Type.Integer(), dead: Type.Integer(), oldestDueSeconds: Type.Number({ description: 'How long the longest-due pending delivery has waited past its due time' }) }),
  historyPassAgeSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds since the last history pass ended on this collector; null where it has not run here' }),
});

export function registerClusterRoutes(app: FastifyInstance, cluster: () => ClusterStatus): void {
  app.get('/api/v1/cluster', { schema: { summary: "This collector's once-only jobs, the lease table of every collector, store reachability, outbox depth and lag", response: { 200: ClusterSchema } } }, async () => cluster());
}
