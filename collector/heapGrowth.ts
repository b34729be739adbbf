/**
 * How far a collector process lets V8's heap run ahead of its live objects (config
 * `collector.heapGrowthPercent`). After each full collection V8 sets the next one's threshold at
 * the live size times a growing factor it picks itself, up to 4 when the process allocates fast
 * and collects quickly, which is what a collector taking reports does: at 10,000 agents its heap
 * ran to about 500 MB around 125 MB of live objects (session 27's code). `--heap-growing-percent` fixes the factor
 * (1 + percent / 100). V8 reads the flag at every full collection, so setting it at run time
 * takes effect from the next one; it is not one of the flags Node accepts in NODE_OPTIONS, and
 * `tripline start` / `tripline collector` run as plain `node` commands, hence here and not on a
 * command line. test/collector/heapGrowth.test.ts checks that the running Node still knows the flag and
 * takes it at run time without a word (V8 ignores an unknown flag with a message on stderr, so a V8
 * that dropped it would otherwise go unnoticed); its effect is measured by bench:ingest
 * (`--heap-growth N`), not asserted.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * V8's allocation-site pretenuring off for a collector process (`--no-allocation-site-pretenuring`,
 * read by V8 when it judges its allocation sites during collections, so taken at run time like the
 * growth above). Measured, not understood: bench:ingest's collector falls, in about one run of three
 * or four at 10,000 agents, into a state where its scavenges take twice as long and it runs three
 * times the full collections, at 0.37-0.43 ms a report against 0.22-0.26 (session 37: 5 of 17 runs
 * of 217d07b, 4 of 12 after that session's cuts); with pretenuring off none of 10 runs fell into
 * it and the RSS was no higher (docs/performance-history.md, "CPU per report", session 37).
 */
export function applyNoPretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/** Applies `percent` (0: leave V8's own choice) to this process, before the collector starts. */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth must be a whole number of percent, 0 or more (got ${percent})`);
  if (percent === 0) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
