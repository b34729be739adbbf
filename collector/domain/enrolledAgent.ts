/** An agent enrolled with the shared enrollment token; its credential is kept only as a SHA-256 digest. */
export interface EnrolledAgent {
  agentId: string;
  hostname: string;
  enrolledAtMs: number;
  revokedAtMs: number | null;
}
