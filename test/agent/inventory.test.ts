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
import type { InventoryDocument } from '../../agent/inventory/inventoryWorker.js';
import { smartHealth } from '../../agent/inventory/smartHealth.js';
import { loadConfig } from '../../config/loadConfig.js';
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
