/** Stable codes of the ways an agent configuration can be unusable. */
export type AgentConfigErrorCode =
  | 'TRIPLINE_AGENT_INVALID_TARGET'
  | 'TRIPLINE_AGENT_DUPLICATE_TARGET'
  | 'TRIPLINE_AGENT_INVALID_DURATION'
  | 'TRIPLINE_AGENT_INVALID_URL'
  | 'TRIPLINE_AGENT_INVALID_PATTERN'
  | 'TRIPLINE_AGENT_INVALID_PLUGIN'
  | 'TRIPLINE_AGENT_INVALID_CA'
  | 'TRIPLINE_AGENT_INVALID_SCHEDULE';

/**
 * Thrown by `createAgent` when the agent section of the config cannot work, naming the config path
 * and the offending value so the operator can fix the file.
 */
export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';

  constructor(
    readonly code: AgentConfigErrorCode,
    /** Config path of the offending value, e.g. `agent.ping.targets[1].host`. */
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}
