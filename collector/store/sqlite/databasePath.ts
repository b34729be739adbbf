/**
 * Where the embedded engine keeps its file under a data directory. Its own module so that the CLI's
 * operator commands can find the database without loading the collector's HTTP server.
 */
import { join } from 'node:path';

/** The database file under a data directory. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'tripline.db');
}
