/**
 * Validation shared by the probes that take configured targets (ping, TCP): every host must pass
 * `explainInvalidTargetHost`, and every target's series label must be unique.
 */
import { AgentConfigError } from './agentConfigError.js';
import { explainInvalidTargetHost } from './targetHost.js';

/** The part of a configured target that names it. */
export interface NamedTarget {
  name?: string | undefined;
  host: string;
}

/**
 * Throws an `AgentConfigError` naming the first invalid host or duplicate label. `configPath` is the
 * targets' place in the config (e.g. `agent.ping.targets`); `labelOf` gives the `target` label.
 */
export function validateTargets<T extends NamedTarget>(targets: readonly T[], configPath: string, kind: string, labelOf: (target: T) => string): void {
  const labels = new Set<string>();
  targets.forEach((target, index) => {
    const reason = explainInvalidTargetHost(target.host);
    if (reason !== undefined) {
      throw new AgentConfigError('TRIPLINE_AGENT_INVALID_TARGET', `${configPath}[${index}].host`, `${kind} target ${JSON.stringify(target.host)} ${reason}`);
    }
    const label = labelOf(target);
    if (labels.has(label)) {
      throw new AgentConfigError('TRIPLINE_AGENT_DUPLICATE_TARGET', `${configPath}[${index}]`, `${kind} target "${label}" is configured twice; give one a distinct name`);
    }
    labels.add(label);
  });
}
