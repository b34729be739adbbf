/**
 * Inventory and SMART on their slow schedule: runs the collector (a systeminformation child process
 * by default) every interval and hands each result to the next report once: SMART observations every
 * run, the inventory only when it changed since it was last sent.
 */
import type { Logger } from 'pino';
import type { Inventory, Observation } from '../../contract/report.js';
import { observation } from '../probes/probe.js';
import { nodeCron } from '../../config/cronLibrary.js';
import { DEFAULT_TIME_ZONE } from '../../config/timeZone.js';
import { createTicker, type Ticker } from '../lifecycle/ticker.js';
import type { InventoryDocument } from './inventoryWorker.js';
import type { SmartHealth } from './smartHealth.js';

export interface InventorySchedule {
  start(): void;
  stop(): Promise<void>;
  /** What the next report carries; with `runNow` (before start) collects on the spot. */
  take(now: Date, runNow: boolean): Promise<{ observations: Observation[]; inventory?: Inventory }>;
  /** Whether a collected inventory waits to be taken: without one, a running agent's report needs no `take`. */
  ready(): boolean;
}

export interface InventoryScheduleOptions {
  run: () => Promise<InventoryDocument>;
  intervalSeconds: number;
  /** A cron expression: runs on the wall clock with node-cron (e.g. nightly) instead of every interval. */
  cron?: string;
  /** The IANA time zone `cron` is read in; UTC by default (config: the top-level `timeZone`). */
  timeZone?: string;
  log: Logger;
}

export function createInventorySchedule({ run, intervalSeconds, cron, timeZone = DEFAULT_TIME_ZONE, log }: InventoryScheduleOptions): InventorySchedule {
  let latest: InventoryDocument | undefined;
  let sentHash: string | undefined;
  const collect = async () => {
    latest = await run();
  };
  const timer = cron === undefined ? createTicker({ name: 'inventory', intervalSeconds, onTick: collect, log }) : createCronTimer(cron, timeZone, collect, log);
  return {
    start: () => timer.start(),
    stop: () => timer.stop(),
    ready: () => latest !== undefined,
    async take(now, runNow) {
      if (runNow && latest === undefined) {
        latest = await run().catch((error: unknown) => {
          log.warn({ reason: (error as Error).message }, 'inventory failed');
          return undefined;
        });
      }
      const document = latest;
      latest = undefined;
      if (document === undefined) return { observations: [] };
      const { createHash } = await import('node:crypto');
      const hash = createHash('sha256').update(JSON.stringify(document.inventory)).digest('hex');
      const changed = hash !== sentHash;
      sentHash = hash;
      return { observations: document.smart.flatMap((disk) => smartObservations(disk, now)), ...(changed ? { inventory: document.inventory } : {}) };
    },
  };
}

/**
 * A wall-clock schedule (node-cron, loaded only by an agent that has one). Unlike the report
 * cycle's start-anchored grid, a nightly or hourly inventory is what cron expresses best; runs never overlap.
 */
function createCronTimer(expression: string, timeZone: string, task: () => Promise<void>, log: Logger): Ticker {
  let running: Promise<void> | undefined;
  const cronTask = nodeCron().createTask(
    expression,
    () => {
      running = task()
        .catch((error: unknown) => log.warn({ reason: (error as Error).message }, 'inventory failed'))
        .finally(() => {
          running = undefined;
        });
      return running;
    },
    { name: 'inventory', noOverlap: true, timezone: timeZone },
  );
  return {
    start() {
      void cronTask.start();
    },
    async stop() {
      await cronTask.destroy();
      await running;
    },
  };
}

function smartObservations(disk: SmartHealth, now: Date): Observation[] {
  const labels = { device: disk.device };
  const list: Observation[] = [];
  if (disk.healthy !== undefined) list.push(observation('smart_healthy', disk.healthy ? 1 : 0, labels, now));
  if (disk.reallocatedSectors !== undefined) list.push(observation('smart_reallocated_sectors', disk.reallocatedSectors, labels, now));
  if (disk.pendingSectors !== undefined) list.push(observation('smart_pending_sectors', disk.pendingSectors, labels, now));
  if (disk.wearRatio !== undefined) list.push(observation('smart_wear_ratio', disk.wearRatio, labels, now));
  return list;
}
