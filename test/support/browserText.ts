/**
 * Waiting for a page element's text in a real browser. playwright-core has no retrying assertions
 * (those come with @playwright/test), and a page updates after a click in its own time: reading the
 * text once right after the click races the render (the status line can still hold the previous
 * action's message). This polls until the text matches, and on timeout fails with the text last seen.
 */
import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/** How the text must match: a substring, a pattern, or (`exact`) the whole trimmed text. */
export type TextExpectation = string | RegExp | { exact: string };

function matches(text: string, expected: TextExpectation): boolean {
  if (typeof expected === 'string') return text.includes(expected);
  if (expected instanceof RegExp) return expected.test(text);
  return text.trim() === expected.exact;
}

export async function expectText(locator: Locator, expected: TextExpectation, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  for (;;) {
    last = await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null);
    if (last !== null && matches(last, expected)) return;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const text = last ?? '(no such element)';
  if (typeof expected === 'string') expect(text).toContain(expected);
  else if (expected instanceof RegExp) expect(text).toMatch(expected);
  else expect(text.trim()).toBe(expected.exact);
}
