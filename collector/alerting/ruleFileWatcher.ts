/**
 * Watches the configured rule files and directories and calls `onChange` once a burst of changes
 * has settled, so that the collector reloads its rules on save (SIGHUP does the same by hand).
 * Files are watched through their directory, because editors save by writing a new file and
 * renaming it over the old one, which a watch on the old file would miss. Only `*.yaml` / `*.yml`
 * names count in a watched directory; a named file counts whatever its name.
 */
import { watch, statSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';

export interface RuleFileWatcher {
  close(): void;
}

export interface RuleFileWatcherOptions {
  /** The rule paths as configured: files or directories. */
  paths: readonly string[];
  onChange(): void;
  log: Logger;
  /** Quiet time after the last change before `onChange` runs; default 300 ms. */
  debounceMs?: number;
}

const YAML_FILE = /\.ya?ml$/i;

/** Starts watching; a path that cannot be watched is logged and skipped, the others still work. */
export function watchRuleFiles(options: RuleFileWatcherOptions): RuleFileWatcher {
  const debounceMs = options.debounceMs ?? 300;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const changed = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      options.onChange();
    }, debounceMs);
  };
  for (const [dir, accepts] of watchTargets(options.paths)) {
    try {
      const watcher = watch(dir, (_event, name) => {
        if (name !== null && accepts(name.toString())) changed();
      });
      watcher.on('error', (error) => options.log.warn({ dir, err: error.message }, 'rule file watch failed'));
      watchers.push(watcher);
    } catch (error) {
      options.log.warn({ dir, err: (error as Error).message }, 'cannot watch rule files; reload with SIGHUP');
    }
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** The directories to watch, each with the test of which file names in it matter. */
function watchTargets(paths: readonly string[]): Map<string, (name: string) => boolean> {
  const targets = new Map<string, Array<(name: string) => boolean>>();
  const add = (dir: string, accepts: (name: string) => boolean) => targets.set(dir, [...(targets.get(dir) ?? []), accepts]);
  for (const path of paths.map((p) => resolve(p))) {
    if (isDirectory(path)) add(path, (name) => YAML_FILE.test(name));
    else add(dirname(path), (name) => name === basename(path));
  }
  return new Map([...targets].map(([dir, tests]) => [dir, (name: string) => tests.some((test) => test(name))]));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
