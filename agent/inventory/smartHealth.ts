/**
 * SMART health from smartctl's JSON (as systeminformation's diskLayout passes it through when
 * smartctl is installed): overall verdict, reallocated and pending sectors (ATA attributes 5 and
 * 197), and wear as a ratio (NVMe percentage_used, or ATA 177/231/233 normalised values).
 */

/** What one disk's SMART data says; fields are absent when the disk does not report them. */
export interface SmartHealth {
  device: string;
  healthy?: boolean;
  reallocatedSectors?: number;
  pendingSectors?: number;
  /** 0 new .. 1 worn out. */
  wearRatio?: number;
}

interface SmartctlJson {
  smart_status?: { passed?: boolean };
  ata_smart_attributes?: { table?: Array<{ id?: number; value?: number; raw?: { value?: number } }> };
  nvme_smart_health_information_log?: { percentage_used?: number };
}

const WEAR_ATTRIBUTES = [177, 231, 233];

export function smartHealth(device: string, data: unknown, smartStatus?: string): SmartHealth {
  const json = (data ?? {}) as SmartctlJson;
  const health: SmartHealth = { device };
  if (typeof json.smart_status?.passed === 'boolean') health.healthy = json.smart_status.passed;
  else if (smartStatus === 'Ok') health.healthy = true;
  else if (smartStatus === 'Predicted Failure') health.healthy = false;
  const table = json.ata_smart_attributes?.table ?? [];
  const raw = (id: number) => table.find((a) => a.id === id)?.raw?.value;
  const reallocated = raw(5);
  const pending = raw(197);
  if (typeof reallocated === 'number') health.reallocatedSectors = reallocated;
  if (typeof pending === 'number') health.pendingSectors = pending;
  const percentageUsed = json.nvme_smart_health_information_log?.percentage_used;
  if (typeof percentageUsed === 'number') health.wearRatio = Math.min(1, percentageUsed / 100);
  else {
    const normalised = table.find((a) => a.id !== undefined && WEAR_ATTRIBUTES.includes(a.id))?.value;
    if (typeof normalised === 'number') health.wearRatio = Math.max(0, Math.min(1, 1 - normalised / 100));
  }
  return health;
}
