/**
 * Creates the agent of a `tripline agent`, `tripline start` or `tripline-agent` process from its
 * loaded config. Shared by the CLI (serveCommand.ts) and the self-contained executable
 * (agentExecutableMain.ts), which must not load the rest of the CLI.
 */
import type { Logger } from 'pino';
import { createAgent, type Agent, type AgentOptions } from '../agent/agent.js';
import type { Config } from '../config/configSchema.js';

/** What a program may give the agent beyond its config: the executable brings its own inventory runner. */
export type AgentOverrides = Pick<AgentOptions, 'inventory' | 'onEnrollmentRefused'>;

/** The exit status of an agent whose enrolment the collector refused (sysexits' EX_CONFIG; systemd shows it failed). */
export const EXIT_ENROLLMENT_REFUSED = 78;

/** Stops `agent` and exits EXIT_ENROLLMENT_REFUSED: what the programs do when enrolment was refused for good. */
export function exitOnRefusal(agent: () => Agent | undefined, log: Logger): (reason: string) => void {
  return (reason) => {
    log.error({ reason, exitCode: EXIT_ENROLLMENT_REFUSED }, 'agent exits: the collector refused its enrolment');
    const stopped = agent()?.stop() ?? Promise.resolve();
    void stopped.finally(() => {
      log.flush();
      setImmediate(() => process.exit(EXIT_ENROLLMENT_REFUSED));
    });
  };
}

/** Creates (not starts) the agent; throws with a clear message when it has no way to authenticate. */
export function createAgentFromConfig(config: Config, log: Logger, version: string, overrides: AgentOverrides = {}): Agent {
  if (!config.agent.token && !config.agent.enrollmentToken) {
    throw new Error('the agent has no token: set agent.token (TRIPLINE_AGENT_TOKEN) or agent.enrollmentToken (TRIPLINE_ENROLLMENT_TOKEN)');
  }
  return createAgent({ config: config.agent, dataDir: config.dataDir, log: log.child({ process: 'agent' }), version, env: process.env, ...overrides });
}
