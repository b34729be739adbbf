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
 * Not set here: `--predictable` (set at run time, V8 aborts at the next full collection: its
 * single-threaded-GC implication pulls the rug from under the concurrent marker started at heap
 * set-up) and `--max-semi-space-size=1` (read only when the heap is created); the packaged unit
 * passes the latter in `NODE_OPTIONS`, which allows it. What their absence costs is measured by
 * `npm run bench:agent -- --executable FILE` (README, "Self-contained agent").
 */
export const RUNTIME_V8_FLAGS = ['--no-opt', '--no-sparkplug', '--compact-on-every-full-gc', '--expose-gc'] as const;

/** The Node options the packaged unit sets in the environment (`NODE_OPTIONS`), which Node 20 accepts there. */
export const ENVIRONMENT_NODE_OPTIONS = '--max-semi-space-size=1';

/**
 * First argument with which the executable runs the inventory worker instead of the agent: the
 * agent collects inventory in a short-lived child, and inside a single executable the only program
 * there is to run is the executable itself.
 */
export const INVENTORY_WORKER_ARGUMENT = '--tripline-inventory-worker';
