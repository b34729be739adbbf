/**
 * Facts about the installed Tripline package (its root and version), found from this file's
 * location so that it works from source under tsx/vitest and from compiled dist/.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../rules/loadRules.js';

/** The directory holding Tripline's package.json. */
export function packageRoot(): string {
  return findPackageRoot(dirname(fileURLToPath(import.meta.url)));
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
