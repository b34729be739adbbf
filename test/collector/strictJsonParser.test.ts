import { describe, expect, it } from 'vitest';
import { nestingDeeperThan } from '../../collector/http/strictJsonParser.js';

/** The check character by character, as it was written first: what the indexOf version must agree with. */
function reference(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

describe('nestingDeeperThan', () => {
  // Each row: a text and the limit; the expected answer is stated and the reference must agree.
  const rows: Array<{ name: string; text: string; limit: number; deeper: boolean }> = [
    // Exactly at the limit is allowed; one more is not.
    { name: 'arrays at the limit', text: `${'['.repeat(3)}1${']'.repeat(3)}`, limit: 3, deeper: false },
    { name: 'arrays past the limit', text: `${'['.repeat(4)}1${']'.repeat(4)}`, limit: 3, deeper: true },
    { name: 'objects past the limit', text: '{"a":{"b":{"c":{}}}}', limit: 3, deeper: true },
    // Brackets inside strings do not count.
    { name: 'brackets in a string', text: '{"a":"[[[[{{{{"}', limit: 1, deeper: false },
    // An escaped quote does not end the string; the brackets after it are still inside it.
    { name: 'an escaped quote', text: '{"a":"x\\"[[[["}', limit: 1, deeper: false },
    // An escaped backslash before a quote: the quote ends the string, the brackets after it count.
    { name: 'an escaped backslash then a quote', text: '{"a":"x\\\\",[[[[1]]]]}', limit: 2, deeper: true },
    // Three backslashes: an escaped backslash and an escaped quote; still inside the string.
    { name: 'three backslashes then a quote', text: '{"a":"x\\\\\\"[[[["}', limit: 1, deeper: false },
    // A string that never closes: nothing after its quote counts.
    { name: 'an unterminated string', text: '["abc[[[[', limit: 1, deeper: false },
    // Keys are strings too.
    { name: 'brackets in a key', text: '{"[[[[":1}', limit: 1, deeper: false },
    // Empty text and a bare value.
    { name: 'empty', text: '', limit: 0, deeper: false },
    { name: 'a bare string', text: '"[["', limit: 0, deeper: false },
  ];
  it.each(rows)('$name', ({ text, limit, deeper }) => {
    expect(nestingDeeperThan(text, limit)).toBe(deeper);
    expect(reference(text, limit)).toBe(deeper);
  });

  it('agrees with the character-by-character check on random texts of quotes, backslashes and brackets', () => {
    const alphabet = ['"', '\\', '[', ']', '{', '}', 'a', ',', ':'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 5_000; n++) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
      const limit = Math.floor(random() * 4);
      expect(nestingDeeperThan(text, limit), JSON.stringify(text)).toBe(reference(text, limit));
    }
  });
});
