/**
 * Parser of Nagios plugin output (the plugin API of Nagios, Icinga, Checkmk and Sensu): the first
 * line is `TEXT | perfdata`, later lines are long output, and perfdata may continue after a `|` on a
 * later line. Perfdata items are `'label'=value[UOM];[warn];[crit];[min];[max]`.
 *
 * Values are converted to base units so they fit the catalogue's conventions:
 *
 * | UOM              | becomes                 | unit label |
 * |------------------|-------------------------|------------|
 * | s, ms, us        | seconds                 | seconds    |
 * | %                | ratio (value / 100)     | ratio      |
 * | B, KB, MB, GB, TB| bytes (powers of 1024)  | bytes      |
 * | c                | as is (a counter)       | counter    |
 * | none             | as is                   | (empty)    |
 * | anything else    | as is, UOM kept         | the UOM    |
 */
import type { CheckStatus } from '../../contract/report.js';

/** One perfdata item in base units. */
export interface Perfdata {
  label: string;
  value: number;
  /** `seconds`, `ratio`, `bytes`, `counter`, `` or an unknown UOM as given. */
  unit: string;
}

/** What a plugin printed, split. */
export interface NagiosOutput {
  /** The first line's text, before any `|`. */
  summary: string;
  /** Later lines without their perfdata. */
  longOutput: string;
  perfdata: Perfdata[];
}

const UNITS: Record<string, { unit: string; factor: number }> = {
  '': { unit: '', factor: 1 },
  s: { unit: 'seconds', factor: 1 },
  ms: { unit: 'seconds', factor: 1e-3 },
  us: { unit: 'seconds', factor: 1e-6 },
  '%': { unit: 'ratio', factor: 0.01 },
  B: { unit: 'bytes', factor: 1 },
  KB: { unit: 'bytes', factor: 1024 },
  MB: { unit: 'bytes', factor: 1024 ** 2 },
  GB: { unit: 'bytes', factor: 1024 ** 3 },
  TB: { unit: 'bytes', factor: 1024 ** 4 },
  c: { unit: 'counter', factor: 1 },
};

/**
 * Status from a plugin's exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; any other code (and a
 * signal or timeout, which have no code) is UNKNOWN.
 */
export function statusFromExitCode(code: number | null): CheckStatus {
  switch (code) {
    case 0:
      return 'ok';
    case 1:
      return 'warning';
    case 2:
      return 'critical';
    default:
      return 'unknown';
  }
}

/** Splits the output and parses every perfdata item; malformed items are skipped, never fatal. */
export function parseNagiosOutput(stdout: string): NagiosOutput {
  const lines = stdout.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  const [first = '', ...rest] = lines;
  const firstPipe = first.indexOf('|');
  const summary = (firstPipe < 0 ? first : first.slice(0, firstPipe)).trim();
  const perfText: string[] = firstPipe < 0 ? [] : [first.slice(firstPipe + 1)];
  const long: string[] = [];
  let inPerf = false;
  for (const line of rest) {
    if (inPerf) {
      perfText.push(line);
      continue;
    }
    const pipe = line.indexOf('|');
    if (pipe < 0) {
      long.push(line);
      continue;
    }
    long.push(line.slice(0, pipe));
    perfText.push(line.slice(pipe + 1));
    inPerf = true;
  }
  return { summary, longOutput: long.join('\n').trim(), perfdata: perfText.flatMap(parsePerfdata) };
}

/** Parses space-separated perfdata items; labels may be quoted with `'` (a literal `'` doubled). */
export function parsePerfdata(text: string): Perfdata[] {
  const items: Perfdata[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n') i++;
    if (i >= text.length) break;
    let label = '';
    if (text[i] === "'") {
      i++;
      while (i < text.length) {
        if (text[i] === "'" && text[i + 1] === "'") {
          label += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else label += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== '=' && text[i] !== ' ') label += text[i++];
    }
    if (text[i] !== '=') {
      while (i < text.length && text[i] !== ' ') i++;
      continue;
    }
    i++;
    let data = '';
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t' && text[i] !== '\n') data += text[i++];
    const item = perfItem(label, data);
    if (item !== undefined) items.push(item);
  }
  return items;
}

function perfItem(label: string, data: string): Perfdata | undefined {
  const match = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)([a-zA-Z%]*)$/.exec(data.split(';')[0] ?? '');
  if (label === '' || match === null) return undefined;
  const uom = match[2]!;
  const known = UNITS[uom] ?? UNITS[uom.toUpperCase()];
  const value = Number(match[1]) * (known?.factor ?? 1);
  return { label, value, unit: known?.unit ?? uom };
}
