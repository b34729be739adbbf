/**
 * Reads what a systemd service unit would run, for tests that start an installed service's command
 * where systemd is not running (containers, CI): its ExecStart argument vector, its Environment= and
 * EnvironmentFile= settings, its User= and its LimitNOFILE=.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface UnitService {
  execStart: string[];
  user: string | undefined;
  /** Environment= assignments, then those of each EnvironmentFile= that exists. */
  environment: Record<string, string>;
  /** LimitNOFILE= (soft and hard), when the unit sets one. */
  limitNofile: number | undefined;
}

/** Parses the [Service] section of `file` (no quoting or specifiers: Tripline's units use none). */
export function readUnitService(file: string): UnitService {
  const service: UnitService = { execStart: [], user: undefined, environment: {}, limitNofile: undefined };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(ExecStart|User|Environment|EnvironmentFile|LimitNOFILE)=(.*)$/.exec(line);
    if (match === null) continue;
    const [, key, value] = match as unknown as [string, string, string];
    if (key === 'ExecStart') service.execStart = value.split(' ').filter(Boolean);
    if (key === 'User') service.user = value;
    if (key === 'LimitNOFILE') service.limitNofile = Number(value);
    if (key === 'Environment') Object.assign(service.environment, assignments(value.split(' ')));
    if (key === 'EnvironmentFile') {
      const path = value.replace(/^-/, '');
      if (existsSync(path)) Object.assign(service.environment, assignments(readFileSync(path, 'utf8').split('\n')));
      else if (!value.startsWith('-')) throw new Error(`${file}: EnvironmentFile ${path} does not exist`);
    }
  }
  if (service.execStart.length === 0) throw new Error(`${file} has no ExecStart=`);
  return service;
}

function assignments(lines: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of lines) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) result[match[1]!] = match[2]!;
  }
  return result;
}
