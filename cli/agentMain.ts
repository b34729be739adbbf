#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt --no-sparkplug
/**
 * `tripline-agent [--config <file>]`: `tripline agent` with the Node flags the agent is measured
 * and shipped with (the systemd unit runs node with the same flags; `npm run bench:agent` reads
 * them from the first line of this file):
 *
 * - `--max-semi-space-size=1`: a 1 MB young generation instead of 16 MB. The agent's garbage is
 *   short-lived and small; frequent small scavenges cost less CPU and far less RSS (peak 89 -> 76 MB).
 * - `--no-opt --no-sparkplug`: V8 without its optimising and baseline compilers (the interpreter
 *   only). The agent runs a few milliseconds of JavaScript a second, too little for compiled code
 *   to pay back its memory (RSS -8 MB) and its compilation. (Not `--lite-mode`, which has the same
 *   effect but also removes WebAssembly, which undici, the HTTP check probe's client, needs.)
 *
 * The collector keeps Node's defaults: it is throughput-bound, the opposite trade.
 */
process.argv.splice(2, 0, 'agent');
await import('./main.js');
