/** `tripline silences add|list|expire` and `tripline maintenance add|list|remove`. */
import type { OperationError } from '../../collector/operations/operationError.js';
import { parseDurationMs } from '../../config/duration.js';
import { formatTable } from '../formatTable.js';
import { CliError, reworded, withOperations } from './withOperations.js';

interface Common {
  config?: string;
  json?: boolean;
}

export function silencesAddCommand(matcherTexts: string[], options: Common & { duration: string; comment?: string; by?: string }): number {
  const durationMs = parseDurationMs(options.duration);
  return withOperations(options.config, false, (operations) => {
    const nowMs = Date.now();
    const silence = reworded(
      () => operations.addSilence({ matchers: matcherTexts, startsAtMs: nowMs, expiresAtMs: nowMs + durationMs, comment: options.comment ?? '', createdBy: options.by ?? process.env.USER ?? 'cli' }),
      (error) => silenceWording(error, matcherTexts, options.duration),
    );
    process.stdout.write(options.json ? `${JSON.stringify(silence)}\n` : `silence ${silence.id} until ${silence.expiresAt}\n`);
    return 0;
  });
}

/** A refused silence in the words of the command line: the matcher by its position, the duration by its flag. */
function silenceWording(error: OperationError, matcherTexts: readonly string[], duration: string): string {
  const index = /^matchers\/(\d+)$/.exec(error.field?.path ?? '')?.[1];
  if (index !== undefined) return `matcher ${Number(index) + 1} (${matcherTexts[Number(index)]}): ${error.message}`;
  if (error.field?.path === 'expiresAt') return `--duration ${duration} must be longer than 0s`;
  return error.message;
}

export function silencesListCommand(options: Common & { expired?: boolean }): number {
  return withOperations(options.config, true, (operations) => {
    const silences = operations.listSilences({ includeExpired: options.expired === true });
    if (options.json) process.stdout.write(`${JSON.stringify(silences, null, 2)}\n`);
    else if (silences.length === 0) process.stdout.write('no silences\n');
    else process.stdout.write(formatTable(['ID', 'STARTS', 'EXPIRES', 'BY', 'MATCHERS'], silences.map((s) => [String(s.id), s.startsAt, s.expiresAt, s.createdBy, s.matchers.join(', ')])));
    return 0;
  });
}

export function silencesExpireCommand(idText: string, options: Common): number {
  const id = Number(idText);
  return withOperations(options.config, false, (operations) => {
    if (!Number.isInteger(id)) throw new CliError(`silence ${idText} does not exist`);
    operations.expireSilence(id);
    process.stdout.write(`silence ${id} expired\n`);
    return 0;
  });
}

export function maintenanceAddCommand(options: Common & { cron: string; duration: string; host?: string; group?: string; comment?: string }): number {
  return withOperations(options.config, false, (operations) => {
    const { cron, host, group, comment } = options;
    const durationMs = parseDurationMs(options.duration);
    const view = reworded(() => operations.addMaintenance({ cron, durationMs, host, group, comment }), (error) => maintenanceWording(error, cron));
    process.stdout.write(options.json ? `${JSON.stringify(view)}\n` : `maintenance window ${view.id}; next starts ${view.nextStart}\n`);
    return 0;
  });
}

/** A refused window in the words of the command line: its flags. */
function maintenanceWording(error: OperationError, cron: string): string {
  if (error.field?.path === 'cron') return `--cron "${cron}" ${error.message}`;
  if (error.field?.path === 'host') return 'give exactly one of --host and --group';
  return error.message;
}

export function maintenanceListCommand(options: Common): number {
  return withOperations(options.config, true, (operations) => {
    const windows = operations.listMaintenance();
    if (options.json) process.stdout.write(`${JSON.stringify(windows, null, 2)}\n`);
    else if (windows.length === 0) process.stdout.write('no maintenance windows\n');
    else process.stdout.write(formatTable(['ID', 'CRON', 'DURATION', 'TARGET', 'NEXT START', 'COMMENT'], windows.map((w) => [String(w.id), w.cron, w.duration, w.host ? `host ${w.host}` : `group ${w.group}`, w.nextStart ?? '-', w.comment])));
    return 0;
  });
}

export function maintenanceRemoveCommand(idText: string, options: Common): number {
  const id = Number(idText);
  return withOperations(options.config, false, (operations) => {
    if (!Number.isInteger(id)) throw new CliError(`maintenance window ${idText} does not exist`);
    operations.removeMaintenance(id);
    process.stdout.write(`maintenance window ${id} removed\n`);
    return 0;
  });
}
