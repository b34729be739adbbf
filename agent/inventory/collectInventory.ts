/**
 * Runs the inventory worker as a child process (execFile, no shell, a timeout that kills it, an
 * output cap) and checks what it printed against the contract's schema.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { InventorySchema } from '../../contract/report.js';
import type { InventoryDocument } from './inventoryWorker.js';

/** The contract's inventory check, compiled on the first inventory run (not when the agent starts). */
let inventoryCheck: ReturnType<typeof TypeCompiler.Compile<typeof InventorySchema>> | undefined;

/** The worker next to this module: compiled JavaScript, or TypeScript through tsx under tests. */
function workerCommand(): string[] {
  const js = fileURLToPath(new URL('./inventoryWorker.js', import.meta.url));
  if (import.meta.url.endsWith('.ts')) return ['--import', 'tsx', fileURLToPath(new URL('./inventoryWorker.ts', import.meta.url))];
  return [js];
}

export function collectInventory({ timeoutSeconds = 120 }: { timeoutSeconds?: number } = {}): Promise<InventoryDocument> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, workerCommand(), { timeout: timeoutSeconds * 1000, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`inventory worker failed: ${stderr.trim() || error.message}`));
      try {
        const document = JSON.parse(stdout) as InventoryDocument;
        inventoryCheck ??= TypeCompiler.Compile(InventorySchema);
        if (!inventoryCheck.Check(document.inventory)) throw new Error(`inventory does not match the contract: ${[...inventoryCheck.Errors(document.inventory)][0]?.message}`);
        resolve(document);
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}
