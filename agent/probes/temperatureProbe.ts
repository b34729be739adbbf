/**
 * Temperatures from the kernel's hwmon sensors (`/sys/class/hwmon/hwmonN/tempM_input`, in
 * millidegrees), falling back to thermal zones (`/sys/class/thermal/thermal_zoneN/temp`) when there
 * is no hwmon. A machine without sensors (most VMs) reports nothing, which is not an error.
 *
 * Which sensors exist (directory listings, chip names and labels) is looked up again only every
 * few minutes, or at once when a sensor file fails: sensors come with drivers and hardware, not
 * from one cycle to the next. Every cycle reads only the sensors' values.
 */
import type { Observation } from '../../contract/report.js';
import type { ProcReader } from '../procfs/procReader.js';
import { observation, type Probe } from './probe.js';

/** One sensor file and the labels its value is reported under. */
interface Sensor {
  file: string;
  chip: string;
  sensor: string;
}

/** Dependencies of the temperature probe; `sys` reads below `/sys`. */
export interface TemperatureProbeDeps {
  sys: ProcReader;
  /** How long the sensor list is kept; 5 minutes by default. */
  discoveryTtlMs?: number;
  monotonicMs?: () => number;
}

const DISCOVERY_TTL_MS = 300_000;

/** Creates the temperature probe. */
export function createTemperatureProbe({ sys, discoveryTtlMs = DISCOVERY_TTL_MS, monotonicMs = () => performance.now() }: TemperatureProbeDeps): Probe {
  const optional = (path: string): string | undefined => {
    try {
      return sys.readOnce(path).trim();
    } catch {
      return undefined;
    }
  };
  const list = (path: string): string[] => {
    try {
      return sys.list(path);
    } catch {
      return [];
    }
  };

  function hwmonSensors(): Sensor[] {
    const sensors: Sensor[] = [];
    for (const chip of list('class/hwmon')) {
      const base = `class/hwmon/${chip}`;
      const chipName = optional(`${base}/name`) ?? chip;
      for (const file of list(base)) {
        const match = /^temp(\d+)_input$/.exec(file);
        if (match === null) continue;
        sensors.push({ file: `${base}/${file}`, chip: chipName, sensor: optional(`${base}/temp${match[1]}_label`) ?? `temp${match[1]}` });
      }
    }
    return sensors;
  }

  function thermalSensors(): Sensor[] {
    const sensors: Sensor[] = [];
    for (const zone of list('class/thermal')) {
      if (!zone.startsWith('thermal_zone')) continue;
      sensors.push({ file: `class/thermal/${zone}/temp`, chip: 'thermal', sensor: `${zone}:${optional(`class/thermal/${zone}/type`) ?? zone}` });
    }
    return sensors;
  }

  let sensors: Sensor[] = [];
  let discoveredAtMs = -Infinity;

  return {
    name: 'temperature',
    collect(now) {
      const atMs = monotonicMs();
      if (atMs - discoveredAtMs >= discoveryTtlMs) {
        const fromHwmon = hwmonSensors();
        sensors = fromHwmon.length > 0 ? fromHwmon : thermalSensors();
        discoveredAtMs = atMs;
      }
      const observations: Observation[] = [];
      for (const { file, chip, sensor } of sensors) {
        let text: string;
        try {
          text = sys.read(file).trim();
        } catch {
          // A sensor that went away (a driver unloaded): look again next cycle.
          discoveredAtMs = -Infinity;
          continue;
        }
        // A sensor that cannot be read right now (ENODATA, garbage) is skipped, not reported as 0.
        const milli = Number(text);
        if (text === '' || !Number.isFinite(milli)) continue;
        observations.push(observation('temperature_celsius', milli / 1000, { chip, sensor }, now));
      }
      return { observations };
    },
  };
}
