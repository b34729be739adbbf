/**
 * Text from the database on a terminal: host names, labels, check output and comments come from
 * agents and people, and an ESC sequence in them would move the cursor, rewrite the screen or set
 * the window title. Every CLI table prints its cells through this one function: C0 and C1 control
 * characters and DEL are shown as escapes (`\x1b`, `\n`), never sent to the terminal.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function terminalText(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
