#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt --no-sparkplug
/**
 * `tripline-agent [--config <file>]`: `tripline agent` with the Node flags the agent is measured
 * and shipped with (`npm run bench:agent` reads them from the first line of this file; the
 * self-contained executable sets those it can at run time, agentExecutableFlags.ts):
 *
 * - `--max-semi-space-size=1`: a 1 MB young generation instead of 16 MB. The agent's garbage is
 *   short-lived and small; frequent small scavenges cost less CPU and far less RSS (peak 89 -> 76 MB).
 * - `--no-opt --no-sparkplug`: V8 without its optimising and baseline compilers (the interpreter
 *   only). The agent runs a few milliseconds of JavaScript a second, too little for compiled code
 *   to pay back its memory (RSS -8 MB) and its compilation. (Not `--lite-mode`, which has the same
 *   effect but also removes WebAssembly, which undici, the HTTP check probe's client, needs.)
 *
 * Not `--predictable`, with which the agent was shipped before (it kept the young generation's
 * pages committed between scavenges): it is V8's testing mode. It fixes the string hash seed (a
 * process hashing strangers' strings is open to hash flooding), runs garbage collection on the
 * main thread only and turns V8's memory reducer off (which then needed an exposed `gc()` and a
 * compacting collection after start-up, whose evacuation added 5 MB to the start-up peak). Without
 * it V8 uncommits the young generation's from-space after each scavenge when the process allocates
 * little (less than 1 MB/s), so every page a cycle allocates in is a fresh page fault: about 37 per
 * cycle at the time it was dropped, fewer as the cycle allocates less. Measured with bench:agent
 * (docs/performance-history.md).
 *
 * The collector keeps Node's defaults: it is throughput-bound, the opposite trade.
 */
const configFile = plainAgentRun(process.argv.slice(2));
if (configFile === false) {
  // Anything else (--help, --version, `metrics`, a wrong option): the full command line, commander's messages.
  process.argv.splice(2, 0, 'agent');
  await import('./main.js');
} else {
  // The agent as a service runs it: no command-line library loaded (commander, 2 MB of RSS), and the config read with the
  // code generated at build time, which this build has, so no TypeBox either (3-6 MB; `npm run bench:agent`), and that
  // code released once the config is read (config/releasedConfigCode.ts: 3 MB).
  const [{ serveCommand }, { loadGeneratedConfigReleasingCode }, { YamlValidationError }] = await Promise.all([
    import('./commands/serveCommand.js'),
    import('../config/releasedConfigCode.js'),
    import('../config/yamlDocument.js'),
  ]);
  // As cli/main.ts reports a failure to start.
  serveCommand('agent', configFile, (file) => loadGeneratedConfigReleasingCode(file)).catch((error: unknown) => {
    process.stderr.write(error instanceof YamlValidationError ? `tripline: invalid configuration\n${error.message}\n` : `tripline: ${(error as Error).message}\n`);
    process.exit(1);
  });
}

/**
 * The config file of a plain run (no arguments, `-c FILE`, `--config FILE`, `--config=FILE`; else
 * TRIPLINE_CONFIG, as `tripline agent` reads it), or false for any other command line.
 */
function plainAgentRun(args: string[]): string | undefined | false {
  const fromEnv = process.env.TRIPLINE_CONFIG || undefined;
  if (args.length === 0) return fromEnv;
  const [first, second] = args;
  if (args.length === 1 && first!.startsWith('--config=') && first!.length > '--config='.length) return first!.slice('--config='.length);
  if (args.length === 2 && (first === '-c' || first === '--config') && second !== '' && !second!.startsWith('-')) return second;
  return false;
}
