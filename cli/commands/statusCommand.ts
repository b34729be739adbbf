/** `tripline status show|notice set TEXT|notice clear`: the status page as the public sees it, and its notice (audited as cli:<user>). */
import { cliActor, reworded, withOperations } from './withOperations.js';

export function statusShowCommand(options: { config?: string; json?: boolean }): number {
  return withOperations(options.config, true, (operations) => {
    const page = operations.statusPage();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return 0;
    }
    const lines = [`overall: ${page.overall}`, page.notice ? `notice (${page.notice.at}): ${page.notice.text}` : 'notice: none'];
    for (const service of page.services) {
      const unwell = service.history.filter((day) => day.state !== 'operational').length;
      lines.push(`${service.name}: ${service.state}  (${unwell} of the last ${service.history.length} days not operational)`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

export function statusNoticeSetCommand(text: string, options: { config?: string }): number {
  return withOperations(options.config, false, (operations) => {
    const notice = reworded(() => operations.setStatusNotice({ text }, cliActor()), (error) => `notice ${error.message}`);
    process.stdout.write(`status notice set by ${notice.setBy} at ${notice.setAt}\n`);
    return 0;
  });
}

export function statusNoticeClearCommand(options: { config?: string }): number {
  return withOperations(options.config, false, (operations) => {
    reworded(() => operations.clearStatusNotice(), (error) => error.message);
    process.stdout.write('status notice cleared\n');
    return 0;
  });
}
