/**
 * node-cron, the one library of cron expressions (cronSchedule.ts, the agent's inventory schedule),
 * loaded on first use: an agent without `agent.inventory.schedule` never loads it (2 MB of RSS,
 * `npm run bench:agent`). Synchronously, because the config check that reads an expression is.
 */
import { createRequire } from 'node:module';

type NodeCron = typeof import('node-cron');

let library: NodeCron | undefined;

/** node-cron's exports, loaded now if they were not yet. */
export function nodeCron(): NodeCron {
  // In ES modules there is no `require`: node-cron's CommonJS build, by a require of our own. The
  // self-contained agent is one CommonJS bundle (packaging/buildAgentExecutable.ts) whose own
  // `require` holds node-cron (esbuild bundles this call and runs it only when it is reached).
  library ??= (typeof require === 'function' ? require('node-cron') : createRequire(import.meta.url)('node-cron')) as NodeCron;
  return library;
}
