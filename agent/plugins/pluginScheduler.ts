/**
 * Runs every configured plugin on its own interval, at most `concurrency` at a time, and keeps the
 * results until the next report takes them. A plugin still running when its next turn comes is not
 * started twice. Plugins never run inside the report cycle, so a slow one delays no probe.
 */
import type { Logger } from 'pino';
import type { CheckResult, Observation } from '../../contract/report.js';
import { createTicker, type Ticker } from '../lifecycle/ticker.js';
import type { PluginDefinition } from './pluginDefinition.js';
import { runPlugin } from './runPlugin.js';

/** Schedules plugins and hands their results to reports. */
export interface PluginScheduler {
  start(): void;
  /** Cancels future runs and waits for runs in progress (each is bounded by its timeout). */
  stop(): Promise<void>;
  /** Results since the last call, each plugin's latest only. */
  take(): { observations: Observation[]; checks: CheckResult[] };
  /** Runs every plugin once now and returns the results (for a report built before `start`). */
  runAll(now: Date): Promise<{ observations: Observation[]; checks: CheckResult[] }>;
}

export function createPluginScheduler({ plugins, concurrency, log, clock = () => new Date() }: { plugins: readonly PluginDefinition[]; concurrency: number; log: Logger; clock?: () => Date }): PluginScheduler {
  const latest = new Map<string, { observations: Observation[]; check: CheckResult }>();
  let active = 0;
  const waiting: Array<() => void> = [];

  async function withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await work();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  }

  async function runOne(plugin: PluginDefinition, now: Date) {
    const run = await withSlot(() => runPlugin(plugin, now));
    if (run.check.status === 'unknown') log.warn({ plugin: plugin.name, output: run.check.output }, 'plugin result unknown');
    latest.set(plugin.name, { observations: run.observations, check: run.check });
    return run;
  }

  const tickers: Ticker[] = plugins.map((plugin) =>
    createTicker({ name: `plugin:${plugin.name}`, intervalSeconds: plugin.intervalSeconds, onTick: async () => void (await runOne(plugin, clock())), log }),
  );

  return {
    start: () => tickers.forEach((t) => t.start()),
    stop: async () => void (await Promise.all(tickers.map((t) => t.stop()))),
    take() {
      const results = [...latest.values()];
      latest.clear();
      return { observations: results.flatMap((r) => r.observations), checks: results.map((r) => r.check) };
    },
    async runAll(now) {
      const runs = await Promise.all(plugins.map((plugin) => runOne(plugin, now)));
      latest.clear();
      return { observations: runs.flatMap((r) => r.observations), checks: runs.map((r) => r.check) };
    },
  };
}
