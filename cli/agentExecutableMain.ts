/**
 * The entry point of the self-contained `tripline-agent` executable: a Node single executable
 * application holding a bundle of the agent's code only (packaging/buildAgentExecutable.ts), so
 * that a host needs neither Node nor npm, and never loads the collector's dependencies.
 *
 * It applies the V8 flags that can be applied at run time before anything else is evaluated (see
 * agentExecutableFlags.ts for which, and why not the others), then loads the program lazily. Run
 * with INVENTORY_WORKER_ARGUMENT first, it is the agent's inventory child instead.
 */
import { setFlagsFromString } from 'node:v8';
import { INVENTORY_WORKER_ARGUMENT, RUNTIME_V8_FLAGS } from './agentExecutableFlags.js';

for (const flag of RUNTIME_V8_FLAGS) setFlagsFromString(flag);

const fail = (error: unknown) => {
  process.stderr.write(`tripline-agent: ${(error as Error).message}\n`);
  process.exit(1);
};

if (process.argv[2] === INVENTORY_WORKER_ARGUMENT) {
  import('../agent/inventory/inventoryWorker.js').catch(fail);
} else {
  import('./agentExecutableProgram.js').then(({ runAgentExecutable }) => runAgentExecutable(process.argv.slice(2))).catch(fail);
}
