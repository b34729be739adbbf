/**
 * Inventory and SMART: the real systeminformation worker in a child process produces an inventory
 * the contract accepts; SMART JSON fixtures become health, sectors and wear; the agent sends the
 * inventory only when it changed, and SMART observations once per inventory run.
 */
import { mkdtempSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAgent } from '../../agent/agent.js';
import { collectInventory } from '../../agent/inventory/collectInventory.js';
import { createInventorySchedule } from '../../agent/inventory/inventorySchedule.js';
import type { InventoryDocument } from '../../agent/inventory/inventoryWorker.js';
import { smartHealth } from '../../agent/inventory/smartHealth.js';
import { loadConfig } from '../../config/loadConfig.js';
import { agentConfigIssues } from './agentConfigFile.js';
import { reportSchemaErrors } from './reportValidator.js';

describe('SMART health', () => {
  // Each row: smartctl JSON (or systeminformation's smartStatus), and what it means.
  it.each([
    ['ATA disk with reallocated and pending sectors', { smart_status: { passed: true }, ata_smart_attributes: { table: [{ id: 5, value: 100, raw: { value: 8 } }, { id: 197, value: 100, raw: { value: 2 } }, { id: 177, value: 93, raw: { value: 40 } }] } }, undefined, { healthy: true, reallocatedSectors: 8, pendingSectors: 2, wearRatio: expect.closeTo(0.07, 9) }],
    ['failing NVMe disk, 120% used', { smart_status: { passed: false }, nvme_smart_health_information_log: { percentage_used: 120 } }, undefined, { healthy: false, wearRatio: 1 }],
    ['no smartctl: only systeminformation status', undefined, 'Predicted Failure', { healthy: false }],
    ['nothing reported', undefined, 'unknown', {}],
  ])('%s', (_name, data, status, expected) => {
    expect(smartHealth('/dev/sda', data, status)).toEqual({ device: '/dev/sda', ...expected });
  });
});

describe('inventory', () => {
  it('the systeminformation worker reports this machine within the contract', async () => {
    const document = await collectInventory({ timeoutSeconds: 60 });
    expect(document.inventory.kernel).toBe(release());
    expect(document.inventory.memoryBytes).toBeGreaterThan(0);
    expect(document.inventory.interfaces.every((i) => i.name !== 'lo')).toBe(true);
  }, 70_000);

  it('is sent when it changes, SMART once per run', async () => {
    let document: InventoryDocument = {
      inventory: { os: 'Debian 12', kernel: '6.1.0', architecture: 'x64', cpuModel: 'AMD EPYC', cpuCores: 2, memoryBytes: 1e9, disks: [], interfaces: [] },
      smart: [{ device: '/dev/sda', healthy: true, reallocatedSectors: 0 }],
    };
    const { config } = loadConfig(undefined, {});
    config.agent.ping.gateway = false;
    const agent = createAgent({ config: config.agent, dataDir: mkdtempSync(join(tmpdir(), 'tripline-inv-')), log: pino({ level: 'silent' }), version: 't', inventory: async () => document });
    const first = await agent.collectOnce();
    expect(reportSchemaErrors(first)).toEqual([]);
    expect(first.inventory?.kernel).toBe('6.1.0');
    expect(first.observations.filter((o) => o.metric.startsWith('smart_')).map((o) => [o.metric, o.value])).toEqual([['smart_healthy', 1], ['smart_reallocated_sectors', 0]]);
    // The same inventory again: not re-sent.
    const second = await agent.collectOnce();
    expect(second.inventory).toBeUndefined();
    // A kernel upgrade: sent again.
    document = { ...document, inventory: { ...document.inventory, kernel: '6.1.1' } };
    expect((await agent.collectOnce()).inventory?.kernel).toBe('6.1.1');
    await agent.stop();
  });
});

describe('inventory on a wall-clock schedule (node-cron)', () => {
  const document: InventoryDocument = {
    inventory: { os: 'Debian 12', kernel: '6.1.0', architecture: 'x64', cpuModel: 'AMD EPYC', cpuCores: 2, memoryBytes: 1e9, disks: [], interfaces: [] },
    smart: [{ device: '/dev/sda', healthy: true }],
  };

  it('runs on the cron expression instead of the interval, never overlapping, and stops', async () => {
    let runs = 0;
    const schedule = createInventorySchedule({
      run: async () => {
        runs++;
        await new Promise((ok) => setTimeout(ok, 1500)); // longer than the 1 s schedule: must not overlap
        return document;
      },
      intervalSeconds: 3600,
      cron: '* * * * * *',
      log: pino({ level: 'silent' }),
    });
    schedule.start();
    await new Promise((ok) => setTimeout(ok, 3300));
    await schedule.stop();
    const afterStop = runs;
    expect(afterStop).toBeGreaterThanOrEqual(1);
    expect(afterStop).toBeLessThanOrEqual(2); // 1 s ticks, 1.5 s runs, no overlap: at most 2 in 3.3 s
    expect((await schedule.take(new Date(), false)).inventory).toEqual(document.inventory);
    await new Promise((ok) => setTimeout(ok, 1200));
    expect(runs).toBe(afterStop);
  }, 15_000);

  it('refuses an invalid cron expression when the config is loaded, naming the config path', () => {
    const issues = agentConfigIssues((agent) => {
      agent.token = 'x'.repeat(20);
      agent.inventory.schedule = 'every night';
    });
    expect(issues).toContainEqual(expect.objectContaining({ code: 'TRIPLINE_AGENT_INVALID_SCHEDULE', path: 'agent.inventory.schedule' }));
  });
});
