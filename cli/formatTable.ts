import { terminalText } from './terminalText.js';

/** Plain-text columns for the CLI's list commands; the last column is not padded. Control characters in cells are escaped (terminalText). */
export function formatTable(header: string[], cells: string[][]): string {
  const rows = cells.map((row) => row.map(terminalText));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
