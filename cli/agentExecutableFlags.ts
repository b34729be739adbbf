/**
 * What the self-contained `tripline-agent` executable (agentExecutableMain.ts) needs to know before
 * anything else loads. A leaf module with no imports, so that the entry point can apply the V8
 * flags before the rest of the bundle is evaluated.
 */

/**
 * The V8 flags of cli/agentMain.ts's first line that the executable sets at run time with
 * `v8.setFlagsFromString`, first thing. A Node 20 single executable application takes no Node
 * options from its command line (every argument goes to the program), and `NODE_OPTIONS` refuses
 * all of these; they take effect when set before the code they govern runs:
 * - `--no-opt --no-sparkplug`: functions compiled after this stay in the interpreter (everything
 *   of the agent's: the bundle is compiled lazily, after this runs);
 * - `--compact-on-every-full-gc`: read by each full collection;
 * - `--expose-gc`: makes `gc` available to contexts created after it (the entry takes it from a
 *   new `vm` context and hands it to the heap compactor).
 */
export const RUNTIME_V8_FLAGS = ['--no-opt', '--no-sparkplug', '--compact-on-every-full-gc', '--expose-gc'] as const;

/**
 * The shipped flags the executable goes without, and why (measured with `npm run bench:agent --
 * --executable FILE`; README, "Self-contained agent"):
 * - `--predictable`: set at run time, V8 aborts at the next full collection (its single-threaded-GC
 *   implications change under a concurrent marker already running: "Check failed:
 *   concurrent_marking_handle_"), and nothing else stops V8 from uncommitting the young
 *   generation's pages after each scavenge. The cost: about 60 page faults per cycle instead of 0.
 * - `--max-semi-space-size=1`: read only when the heap is created, so only `NODE_OPTIONS` could give
 *   it (Node 20 allows this one there); with it the executable's resident size was the same (65.4 MB
 *   with and without, 25 s runs), and it made V8 reject the executable's code cache (built without
 *   it) with a warning on every start, so the unit does not set it.
 */
export const V8_FLAGS_NOT_APPLIED = ['--predictable', '--max-semi-space-size=1'] as const;

/**
 * First argument with which the executable runs the inventory worker instead of the agent: the
 * agent collects inventory in a short-lived child, and inside a single executable the only program
 * there is to run is the executable itself.
 */
export const INVENTORY_WORKER_ARGUMENT = '--tripline-inventory-worker';
