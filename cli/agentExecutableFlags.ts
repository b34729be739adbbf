/**
 * What the self-contained `tripline-agent` executable (agentExecutableMain.ts) needs to know before
 * anything else loads. A leaf module with no imports, so that the entry point can apply the V8
 * flags before the rest of the bundle is evaluated.
 */

/**
 * The V8 flags of cli/agentMain.ts's first line that the executable sets at run time with
 * `v8.setFlagsFromString`, first thing. A Node 20 single executable application takes no Node
 * options from its command line (every argument goes to the program), and `NODE_OPTIONS` refuses
 * these; functions compiled after this stay in the interpreter (everything of the agent's: the
 * bundle is compiled lazily, after this runs).
 */
export const RUNTIME_V8_FLAGS = ['--no-opt', '--no-sparkplug'] as const;

/**
 * The shipped flags the executable goes without, and why (measured with `npm run bench:agent --
 * --executable FILE`; README, "Self-contained agent"):
 * - `--max-semi-space-size=1`: read only when the heap is created, so only `NODE_OPTIONS` could give
 *   it (Node 20 allows this one there); with it the executable's resident size was the same (65.4 MB
 *   with and without, 25 s runs), and it made V8 reject the executable's code cache (built without
 *   it) with a warning on every start, so the unit does not set it.
 */
export const V8_FLAGS_NOT_APPLIED = ['--max-semi-space-size=1'] as const;

/**
 * First argument with which the executable runs the inventory worker instead of the agent: the
 * agent collects inventory in a short-lived child, and inside a single executable the only program
 * there is to run is the executable itself.
 */
export const INVENTORY_WORKER_ARGUMENT = '--tripline-inventory-worker';
