/** Every CLI table escapes control characters: a host name with ESC sequences cannot rewrite the operator's terminal. */
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../cli/formatTable.js';
import { terminalText } from '../../cli/terminalText.js';

describe('terminal text', () => {
  it('escapes C0 and C1 controls and DEL, and keeps printable text', () => {
    expect(terminalText('evil\u001b[2J\u001b]0;pwned\u0007host\r\n\u009b\u007f')).toBe('evil\\x1b[2J\\x1b]0;pwned\\x07host\\r\\n\\x9b\\x7f');
    expect(terminalText('web-1 ünïcode ✓')).toBe('web-1 ünïcode ✓');
  });

  it('is applied to every cell of a table', () => {
    const table = formatTable(['HOST', 'SUMMARY'], [['a\u001b[31mb', 'disk\u001b]2;x\u0007 full']]);
    expect(table).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(table).toContain('a\\x1b[31mb');
  });
});
