/**
 * `tripline migrate --from FILE --to URL`: copies a collector's SQLite file into a PostgreSQL store
 * (collector/store/migrateToPostgres.ts), printing progress per table and, at the end, each table's
 * row count in both; resumable (run it again after a stop). The password comes from env
 * TRIPLINE_POSTGRES_PASSWORD, never from the URL.
 */
import { resolve } from 'node:path';
import { migrateToPostgres } from '../../collector/store/migrateToPostgres.js';
import { describeServer } from '../../collector/store/postgres/postgresBridge.js';
import { formatTable } from '../formatTable.js';
import { CliError } from './withOperations.js';

export async function migrateCommand(options: { from: string; to: string; batch?: string }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let url: URL;
  try {
    url = new URL(options.to);
  } catch {
    throw new CliError('--to must be a postgres://user@host:port/database URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new CliError(`--to must be a postgres:// URL, not ${url.protocol}`);
  if (url.password !== '') throw new CliError('--to holds a password: remove it from the URL and set env TRIPLINE_POSTGRES_PASSWORD instead');
  const batchRows = options.batch === undefined ? undefined : Number(options.batch);
  if (batchRows !== undefined && (!Number.isInteger(batchRows) || batchRows < 1)) throw new CliError(`--batch must be a whole number of rows, got ${options.batch}`);
  const from = resolve(options.from);
  const password = env.TRIPLINE_POSTGRES_PASSWORD;
  process.stdout.write(`migrating ${from} to ${describeServer(options.to)}\n`);
  let lastTable = '';
  let tableRows = 0;
  const result = await migrateToPostgres({
    from,
    to: options.to,
    ...(password ? { password } : {}),
    ...(batchRows === undefined ? {} : { batchRows }),
    progress: (table, rows) => {
      if (table !== lastTable) tableRows = 0;
      lastTable = table;
      tableRows += rows;
      process.stdout.write(`  ${table}: ${tableRows} rows copied\n`);
    },
  });
  const mismatched = result.counts.filter((count) => count.sqlite !== count.postgres);
  process.stdout.write(`\ncopied ${result.copied} rows in this run\n\n`);
  process.stdout.write(formatTable(['TABLE', 'SQLITE', 'POSTGRES', 'CHECK'], result.counts.map((c) => [c.table, String(c.sqlite), String(c.postgres), c.sqlite === c.postgres ? 'ok' : 'DIFFERS'])));
  if (mismatched.length > 0) {
    process.stdout.write(`\n${mismatched.length} table(s) differ: ${mismatched.map((c) => c.table).join(', ')} (rows written to the file after the copy began, or to PostgreSQL by a collector already using it)\n`);
    return 1;
  }
  process.stdout.write('\nevery table matches\n');
  return 0;
}
