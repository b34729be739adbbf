#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt --no-sparkplug --predictable --expose-gc --compact-on-every-full-gc
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
 * - `--predictable`: keeps the young generation's pages committed. By default V8 shrinks the young
 *   generation after every scavenge when little is allocated, which an agent waking once a second
 *   always is: it releases the pages (madvise DONTNEED) and commits them again, so every page the
 *   next cycles allocate in is a fresh page fault, 37 per cycle, about 0.6 ms of a 3.5 ms cycle on
 *   the development VM (bench:agent; with this flag: 0 faults, 2.9 ms). V8 has no narrower switch
 *   for it. What else the flag does, and why it is acceptable here:
 *   - garbage collection runs on the main thread only (no GC helper threads to wake; for a 10 MB
 *     heap that is no slower);
 *   - V8's memory reducer is off: `agent/lifecycle/heapCompactor.ts` gives start-up's garbage back instead,
 *     with the next two flags;
 *   - `Math.random` and V8's string hash seed start from a fixed seed. The agent does not use
 *     `Math.random` (identifiers and tokens come from node:crypto, which is unaffected), and what it
 *     hashes comes from its own config, /proc, /sys and its authenticated collector's short
 *     answers, never from strangers.
 * - `--expose-gc --compact-on-every-full-gc`: let heapCompactor.ts run a full, compacting collection
 *   after the first cycle and after large growth (RSS 65 -> 56 MB after start-up).
 *
 * The collector keeps Node's defaults: it is throughput-bound, the opposite trade.
 */
process.argv.splice(2, 0, 'agent');
await import('./main.js');
