/**
 * A build of the agent named on bench:agent-builds' command line (agentSideBySide.ts): a package
 * root, optionally with extra Node flags for its agent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One build to run, as given on the command line. */
export interface SideBySideBuild {
  /** Its package root. */
  root: string;
  /** Node flags after its shipped ones. */
  extraFlags: string[];
  /** The argument as given, to name it in the output. */
  label: string;
}

/** `ROOT` or `ROOT|FLAGS`, checked: the root must hold dist/cli/agentMain.js, the flags must be Node options. */
export function parseBuild(argument: string): SideBySideBuild {
  const bar = argument.indexOf('|');
  const root = resolve(bar === -1 ? argument : argument.slice(0, bar));
  const extraFlags = bar === -1 ? [] : argument.slice(bar + 1).split(' ').filter(Boolean);
  if (!existsSync(join(root, 'dist/cli/agentMain.js'))) throw new Error(`${argument}: no dist/cli/agentMain.js under ${root} (npm run build there)`);
  const notFlag = extraFlags.find((flag) => !flag.startsWith('--'));
  if (notFlag !== undefined) throw new Error(`${argument}: "${notFlag}" is not a Node option (extra flags start with --)`);
  return { root, extraFlags, label: argument };
}
