/** `tripline silences add|list|expire` and `tripline maintenance add|list|remove`. */
import { maintenanceView, silenceView } from '../../collector/http/incidentRoutes.js';
import { validateCron } from '../../collector/incidents/suppression.js';
import { parseDurationSeconds } from '../../config/duration.js';
import { LabelMatcherError, parseLabelMatcher } from '../../rules/index.js';
import { formatTable } from '../formatTable.js';
import { CliError, withOperatorStore } from './withDatabase.js';

interface Common {
  config?: string;
  json?: boolean;
}

export function silencesAddCommand(matcherTexts: string[], options: Common & { duration: string; comment?: string; by?: string }): number {
  const matchers = matcherTexts.map((text, index) => {
    try {
      return parseLabelMatcher(text);
    } catch (error) {
      throw new CliError(`matcher ${index + 1} (${text}): ${error instanceof LabelMatcherError ? error.message : String(error)}`);
    }
  });
  const seconds = parseDurationSeconds(options.duration);
  return withOperatorStore(options.config, false, (store) => {
    const nowMs = Date.now();
    const silence = store.transaction((tx) =>
      tx.insertSilence({ matchers, comment: options.comment ?? '', createdBy: options.by ?? process.env.USER ?? 'cli', startsAtMs: nowMs, expiresAtMs: nowMs + seconds * 1000, createdAtMs: nowMs }),
    );
    process.stdout.write(options.json ? `${JSON.stringify(silenceView(silence))}\n` : `silence ${silence.id} until ${silenceView(silence).expiresAt}\n`);
    return 0;
  });
}

export function silencesListCommand(options: Common & { expired?: boolean }): number {
  return withOperatorStore(options.config, true, (store) => {
    const silences = store.listSilences(options.expired ? undefined : Date.now()).map(silenceView);
    if (options.json) process.stdout.write(`${JSON.stringify(silences, null, 2)}\n`);
    else if (silences.length === 0) process.stdout.write('no silences\n');
    else process.stdout.write(formatTable(['ID', 'STARTS', 'EXPIRES', 'BY', 'MATCHERS'], silences.map((s) => [String(s.id), s.startsAt, s.expiresAt, s.createdBy, s.matchers.join(', ')])));
    return 0;
  });
}

export function silencesExpireCommand(idText: string, options: Common): number {
  const id = Number(idText);
  return withOperatorStore(options.config, false, (store) => {
    if (!Number.isInteger(id) || !store.transaction((tx) => tx.expireSilence(id, Date.now()))) throw new CliError(`silence ${idText} does not exist`);
    process.stdout.write(`silence ${id} expired\n`);
    return 0;
  });
}

export function maintenanceAddCommand(options: Common & { cron: string; duration: string; host?: string; group?: string; comment?: string }): number {
  if ((options.host === undefined) === (options.group === undefined)) throw new CliError('give exactly one of --host and --group');
  try {
    validateCron(options.cron);
  } catch (error) {
    throw new CliError(`--cron "${options.cron}" is not a valid cron expression: ${(error as Error).message}`);
  }
  const durationSeconds = parseDurationSeconds(options.duration);
  return withOperatorStore(options.config, false, (store) => {
    const window = store.transaction((tx) =>
      tx.insertMaintenance({ cron: options.cron, durationSeconds, host: options.host ?? null, group: options.group ?? null, comment: options.comment ?? '', createdAtMs: Date.now() }),
    );
    const view = maintenanceView(window, Date.now());
    process.stdout.write(options.json ? `${JSON.stringify(view)}\n` : `maintenance window ${window.id}; next starts ${view.nextStart}\n`);
    return 0;
  });
}

export function maintenanceListCommand(options: Common): number {
  return withOperatorStore(options.config, true, (store) => {
    const windows = store.listMaintenance().map((w) => maintenanceView(w, Date.now()));
    if (options.json) process.stdout.write(`${JSON.stringify(windows, null, 2)}\n`);
    else if (windows.length === 0) process.stdout.write('no maintenance windows\n');
    else process.stdout.write(formatTable(['ID', 'CRON', 'DURATION', 'TARGET', 'NEXT START', 'COMMENT'], windows.map((w) => [String(w.id), w.cron, w.duration, w.host ? `host ${w.host}` : `group ${w.group}`, w.nextStart ?? '-', w.comment])));
    return 0;
  });
}

export function maintenanceRemoveCommand(idText: string, options: Common): number {
  const id = Number(idText);
  return withOperatorStore(options.config, false, (store) => {
    if (!Number.isInteger(id) || !store.transaction((tx) => tx.deleteMaintenance(id))) throw new CliError(`maintenance window ${idText} does not exist`);
    process.stdout.write(`maintenance window ${id} removed\n`);
    return 0;
  });
}
