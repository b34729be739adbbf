/**
 * Temperatures from the kernel's hwmon sensors (`/sys/class/hwmon/hwmonN/tempM_input`, in
 * millidegrees), falling back to thermal zones (`/sys/class/thermal/thermal_zoneN/temp`) when there
 * is no hwmon. A machine without sensors (most VMs) reports nothing, which is not an error.
 */
import type { Observation } from '../../contract/report.js';
import type { ProcReader } from '../procfs/procReader.js';
import { observation, type Probe } from '../probe.js';

/** `sys` reads below `/sys`. */
export function createTemperatureProbe({ sys }: { sys: ProcReader }): Probe {
  const optional = async (path: string) => sys.read(path).then((t) => t.trim(), () => undefined);
  const list = async (path: string) => sys.list(path).catch(() => [] as string[]);

  async function hwmon(now: Date): Promise<Observation[]> {
    const observations: Observation[] = [];
    for (const chip of await list('class/hwmon')) {
      const base = `class/hwmon/${chip}`;
      const chipName = (await optional(`${base}/name`)) ?? chip;
      for (const file of await list(base)) {
        const match = /^temp(\d+)_input$/.exec(file);
        if (match === null) continue;
        const milli = Number(await optional(`${base}/${file}`));
        if (!Number.isFinite(milli)) continue;
        const sensor = (await optional(`${base}/temp${match[1]}_label`)) ?? `temp${match[1]}`;
        observations.push(observation('temperature_celsius', milli / 1000, { chip: chipName, sensor }, now));
      }
    }
    return observations;
  }

  async function thermal(now: Date): Promise<Observation[]> {
    const observations: Observation[] = [];
    for (const zone of await list('class/thermal')) {
      if (!zone.startsWith('thermal_zone')) continue;
      const milli = Number(await optional(`class/thermal/${zone}/temp`));
      if (!Number.isFinite(milli)) continue;
      const type = (await optional(`class/thermal/${zone}/type`)) ?? zone;
      observations.push(observation('temperature_celsius', milli / 1000, { chip: 'thermal', sensor: `${zone}:${type}` }, now));
    }
    return observations;
  }

  return {
    name: 'temperature',
    async collect(now) {
      const fromHwmon = await hwmon(now);
      return { observations: fromHwmon.length > 0 ? fromHwmon : await thermal(now) };
    },
  };
}
