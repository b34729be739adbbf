/**
 * What the checks of the `agent:` section beyond its schema find: a stable code, the path of the
 * offending value and a message. Config loading turns each into a located `YamlIssue`
 * (`file:line:column: agent.ping.targets[1].host: ...`), so an agent setting is refused like any
 * other config error, before anything starts.
 */

/** Stable codes of the ways an agent configuration can be unusable. */
export type AgentConfigIssueCode =
  | 'TRIPLINE_AGENT_INVALID_TARGET'
  | 'TRIPLINE_AGENT_DUPLICATE_TARGET'
  | 'TRIPLINE_AGENT_INVALID_DURATION'
  | 'TRIPLINE_AGENT_INVALID_URL'
  | 'TRIPLINE_AGENT_INVALID_PATTERN'
  | 'TRIPLINE_AGENT_INVALID_PLUGIN'
  | 'TRIPLINE_AGENT_INVALID_CA'
  | 'TRIPLINE_AGENT_INVALID_SCHEDULE';

/** One problem of the agent section. */
export interface AgentConfigIssue {
  code: AgentConfigIssueCode;
  /** Path of the offending value from the document root, e.g. `['agent', 'ping', 'targets', 1, 'host']`. */
  path: Array<string | number>;
  message: string;
}
