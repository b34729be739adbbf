/** A known agent/host, as its last report described it. */
export interface HostRecord {
  hostId: number;
  agentId: string;
  hostname: string;
  labels: Record<string, string>;
  version: string;
  intervalSeconds: number;
  lastSequence: number;
  firstSeenAtMs: number;
  lastReportAtMs: number;
  /** The host's primary non-loopback IP addresses as last reported; empty when the agent sent none. */
  addresses: string[];
  /** The host's default gateway as last reported, or null. */
  defaultGateway: string | null;
  /** Hardware and OS inventory as last reported, or null. */
  inventory: Record<string, unknown> | null;
  /**
   * When an operator decommissioned the host, or reset its agent (a reimage): no longer expected to
   * report, so its silence opens nothing; its history is kept (reports that still come are stored).
   * Enrolling this agent id again clears it.
   */
  decommissionedAtMs: number | null;
}
