/**
 * Preloaded into the agent under `bench:agent` (`node --import`): counts every child process the
 * agent starts, whichever child_process function it uses, and answers the count over the IPC
 * channel. Async spawns (spawn, execFile, exec, fork) all go through ChildProcess.prototype.spawn;
 * the synchronous ones are wrapped, and the ESM named exports re-synced.
 */
import childProcess, { ChildProcess } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const spawned: string[] = [];
const prototype = ChildProcess.prototype as unknown as { spawn: (this: ChildProcess, options: { file?: string }) => unknown };
const asyncSpawn = prototype.spawn;
prototype.spawn = function countedSpawn(options) {
  spawned.push(String(options?.file ?? '?'));
  return asyncSpawn.call(this, options);
};
const mutable = childProcess as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
  const original = mutable[name]!;
  mutable[name] = (...args: unknown[]) => {
    spawned.push(String(args[0]));
    return original(...args);
  };
}
syncBuiltinESMExports();

process.on('message', (message: unknown) => {
  if (message === 'spawned?') process.send?.({ spawned: [...spawned] });
});
// The IPC channel must not keep the agent alive after SIGTERM.
process.channel?.unref();
