/**
 * The `aggregates` job on a shared store: the collector holding its lease judges the cross-host
 * rules (aggregate groups) for all, once a second (the engine's SWEEP_MS), over the member states
 * every collector wrote (AlertPipeline.judgeCrossHost). The others only write their hosts' members
 * with each batch, so a group opens and resolves its incident once, wherever its members report.
 * When the lease moves, the new judge reloads the rules' states from the store before its first pass.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { JobControl } from '../leadership.js';
import { createPeriodicLoop, type LoopTimer } from '../periodicLoop.js';
import type { Store } from '../store/store.js';
import type { AlertPipeline } from './alertPipeline.js';

/** How often the judge judges the groups: the engine's sweep interval (rules/engine/sweepRules.ts SWEEP_MS). */
export const CROSS_HOST_JUDGE_INTERVAL_MS = 1000;

export interface CrossHostJudgeOptions {
  store: Store;
  pipeline: AlertPipeline;
  clock: Clock;
  log: Logger;
  timer?: LoopTimer;
}

export interface CrossHostJudge extends JobControl {
  /** One pass now (tests). */
  judge(): void;
}

export function createCrossHostJudge(options: CrossHostJudgeOptions): CrossHostJudge {
  const { store, pipeline, clock } = options;
  const judge = (): void => {
    const { commit } = store.transaction((tx) => pipeline.judgeCrossHost(tx, clock.nowMs()));
    commit();
  };
  const loop = createPeriodicLoop({
    run: judge,
    delayMs: CROSS_HOST_JUDGE_INTERVAL_MS,
    firstDelayMs: 0,
    log: options.log,
    failureMessage: 'judging aggregate rules failed',
    ...(options.timer ? { timer: options.timer } : {}),
  });
  return {
    judge,
    runAgeSeconds: () => loop.runAgeSeconds(),
    start() {
      pipeline.setCrossHostJudge(true);
      loop.start();
    },
    async stop() {
      await loop.stop();
      pipeline.setCrossHostJudge(false);
    },
  };
}
