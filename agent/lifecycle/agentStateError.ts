import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';

/**
 * Thrown when `<dataDir>/agent/state.json` exists but cannot be used. The agent refuses to start
 * rather than invent a new sequence: a reused sequence number would be acknowledged by the
 * collector as a duplicate and its report silently lost.
 */
export class AgentStateError extends Error {
  readonly code: ErrorCodeOf<'AgentStateError'> = 'TRIPLINE_AGENT_STATE_UNUSABLE';
  override readonly name = 'AgentStateError';

  constructor(readonly file: string, detail: string) {
    super(`agent state file ${file} is unusable (${detail}); restore it, or delete it to give this agent a new identity`);
  }
}
