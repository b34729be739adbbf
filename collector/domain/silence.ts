import type { LabelMatcher } from '../../rules/index.js';

/** An operator's silence: incidents whose labels match all matchers get no ticket while it is active. */
export interface SilenceRecord {
  id: number;
  matchers: LabelMatcher[];
  comment: string;
  createdBy: string;
  startsAtMs: number;
  expiresAtMs: number;
  createdAtMs: number;
}
