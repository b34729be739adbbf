/**
 * What the checks of the `agent:` section beyond its schema find: a stable code, the path of the
 * offending value and a message. Config loading turns each into a located `YamlIssue`
 * (`file:line:column: agent.ping.targets[1].host: ...`), so an agent setting is refused like any
 * other config error, before anything starts.
 */
import type { ErrorCodeOf } from '../contract/errorCatalogue.js';

/** Stable codes of the ways an agent configuration can be unusable, from the error catalogue. */
export type AgentConfigIssueCode = ErrorCodeOf<'AgentConfigIssue'>;

/** One problem of the agent section. */
export interface AgentConfigIssue {
  code: AgentConfigIssueCode;
  /** Path of the offending value from the document root, e.g. `['agent', 'ping', 'targets', 1, 'host']`. */
  path: Array<string | number>;
  message: string;
}
