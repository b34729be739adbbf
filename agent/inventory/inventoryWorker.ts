/**
 * Runs in a short-lived child process of the agent, on the slow inventory schedule: asks
 * systeminformation for the OS, CPU, memory, disks (with SMART when smartctl is installed) and
 * network interfaces, and prints one JSON document. Only argument-less systeminformation calls are
 * made, so no configured string ever reaches a function with a command-injection history; the child
 * keeps systeminformation's memory and its own child processes out of the agent.
 */
import si from 'systeminformation';
import type { Inventory } from '../../contract/report.js';
import { smartHealth, type SmartHealth } from './smartHealth.js';

/** What the worker prints. */
export interface InventoryDocument {
  inventory: Inventory;
  smart: SmartHealth[];
}

const text = (value: unknown, max = 200) => String(value ?? '').slice(0, max);

async function main(): Promise<void> {
  const [os, cpu, mem, disks, interfaces] = await Promise.all([si.osInfo(), si.cpu(), si.mem(), si.diskLayout(), si.networkInterfaces()]);
  const nics = Array.isArray(interfaces) ? interfaces : [interfaces];
  const document: InventoryDocument = {
    inventory: {
      os: text(`${os.distro} ${os.release}`.trim()),
      kernel: text(os.kernel),
      architecture: text(os.arch, 64),
      cpuModel: text(`${cpu.manufacturer} ${cpu.brand}`.trim()),
      cpuCores: cpu.cores,
      memoryBytes: mem.total,
      disks: disks.slice(0, 256).map((d) => ({ device: text(d.device), model: text(d.name), type: text(d.type, 64), sizeBytes: d.size, smartStatus: text(d.smartStatus, 64) })),
      interfaces: nics
        .filter((n) => !n.internal)
        .slice(0, 256)
        .map((n) => ({ name: text(n.iface, 64), mac: text(n.mac, 64), speedBitsPerSecond: typeof n.speed === 'number' && n.speed > 0 ? n.speed * 1e6 : null })),
    },
    smart: disks.filter((d) => d.device).map((d) => smartHealth(d.device, (d as { smartData?: unknown }).smartData, d.smartStatus)),
  };
  process.stdout.write(JSON.stringify(document));
}

main().catch((error: unknown) => {
  process.stderr.write(`inventory failed: ${(error as Error).message}\n`);
  process.exit(1);
});
