/**
 * The inventory runner of the self-contained agent executable: the same short-lived child as
 * agent/inventory/collectInventory.ts (execFile, no shell, a timeout that kills it, an output cap, a
 * minimal environment, the result checked against the contract), but the child is this executable
 * run with INVENTORY_WORKER_ARGUMENT, since a single executable has no separate worker script.
 */
import { execFile } from 'node:child_process';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { InventorySchema } from '../contract/report.js';
import type { InventoryDocument } from '../agent/inventory/inventoryWorker.js';
import { INVENTORY_WORKER_ARGUMENT } from './agentExecutableFlags.js';

const inventoryCheck = TypeCompiler.Compile(InventorySchema);

/** Runs this executable as the inventory worker and returns what it printed, checked. */
export function collectInventoryFromSelf({ timeoutSeconds = 120 }: { timeoutSeconds?: number } = {}): Promise<InventoryDocument> {
  return new Promise((resolve, reject) => {
    const options = { timeout: timeoutSeconds * 1000, killSignal: 'SIGKILL' as const, maxBuffer: 4 * 1024 * 1024, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } };
    execFile(process.execPath, [INVENTORY_WORKER_ARGUMENT], options, (error, stdout, stderr) => {
      if (error) return reject(new Error(`inventory worker failed: ${stderr.trim() || error.message}`));
      try {
        const document = JSON.parse(stdout) as InventoryDocument;
        if (!inventoryCheck.Check(document.inventory)) throw new Error(`inventory does not match the contract: ${[...inventoryCheck.Errors(document.inventory)][0]?.message}`);
        resolve(document);
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}
