/**
 * Temperatures from the kernel's hwmon sensors (`/sys/class/hwmon/hwmonN/tempM_input`, in
 * millidegrees), falling back to thermal zones (`/sys/class/thermal/thermal_zoneN/temp`) when there
 * is no hwmon. A machine without sensors (most VMs) reports nothing, which is not an error.
 *
 * Beside each temperature, `temperature_headroom_celsius` is how far it is below the sensor's own
 * critical mark (hwmon `tempN_crit`, or a thermal zone's `critical` trip point), or below
 * `criticalCelsius` for a sensor without one, so that one rule covers every sensor at its own mark.
 *
 * Which sensors exist (directory listings, chip names, labels and critical marks) is looked up
 * again only every few minutes, or at once when a sensor file fails: sensors come with drivers and
 * hardware, not from one cycle to the next. Every cycle reads only the sensors' values.
 */
import type { Observation } from '../../contract/report.js';
import type { ProcReader } from '../procfs/procReader.js';
import { observation, type Probe } from './probe.js';

/** One sensor file and the labels its value is reported under. */
interface Sensor {
  file: string;
  /** The sensor's own critical temperature, in degrees; undefined when it reports none. */
  criticalCelsius: number | undefined;
  /** `{ chip, sensor }`, made at discovery: the series' observations share it from cycle to cycle. */
  labels: { chip: string; sensor: string };
}

/** Dependencies of the temperature probe; `sys` reads below `/sys`. */
export interface TemperatureProbeDeps {
  sys: ProcReader;
  /** The critical mark of sensors that report none of their own; none by default. */
  criticalCelsius?: number | undefined;
  /** How long the sensor list is kept; 5 minutes by default. */
  discoveryTtlMs?: number;
  monotonicMs?: () => number;
}

const DISCOVERY_TTL_MS = 300_000;

/** Creates the temperature probe. */
export function createTemperatureProbe({ sys, criticalCelsius, discoveryTtlMs = DISCOVERY_TTL_MS, monotonicMs = () => performance.now() }: TemperatureProbeDeps): Probe {
  const optional = (path: string): string | undefined => {
    try {
      return sys.readOnce(path).trim();
    } catch {
      return undefined;
    }
  };
  /** A file of millidegrees as degrees; undefined when absent, unreadable or not a positive number. */
  const degrees = (path: string): number | undefined => {
    const text = optional(path);
    const milli = text === undefined || text === '' ? NaN : Number(text);
    return Number.isFinite(milli) && milli > 0 ? milli / 1000 : undefined;
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
        const sensor = optional(`${base}/temp${match[1]}_label`) ?? `temp${match[1]}`;
        sensors.push({ file: `${base}/${file}`, criticalCelsius: degrees(`${base}/temp${match[1]}_crit`), labels: Object.freeze({ chip: chipName, sensor }) });
      }
    }
    return sensors;
  }

  function thermalSensors(): Sensor[] {
    const sensors: Sensor[] = [];
    for (const zone of list('class/thermal')) {
      if (!zone.startsWith('thermal_zone')) continue;
      const base = `class/thermal/${zone}`;
      const sensor = `${zone}:${optional(`${base}/type`) ?? zone}`;
      sensors.push({ file: `${base}/temp`, criticalCelsius: criticalTripPoint(base), labels: Object.freeze({ chip: 'thermal', sensor }) });
    }
    return sensors;
  }

  /** The temperature of a thermal zone's trip point of type `critical`, if it has one. */
  function criticalTripPoint(base: string): number | undefined {
    for (const file of list(base)) {
      const match = /^trip_point_(\d+)_type$/.exec(file);
      if (match !== null && optional(`${base}/${file}`) === 'critical') return degrees(`${base}/trip_point_${match[1]}_temp`);
    }
    return undefined;
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
      for (const { file, labels, criticalCelsius: own } of sensors) {
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
        observations.push(observation('temperature_celsius', milli / 1000, labels, now));
        const mark = own ?? criticalCelsius;
        if (mark !== undefined) observations.push(observation('temperature_headroom_celsius', mark - milli / 1000, labels, now));
      }
      return { observations };
    },
  };
}
