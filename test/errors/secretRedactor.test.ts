/**
 * The redactor the agent and the collector share: every spelling of a credential a peer may echo is
 * replaced, values too short to be credentials are left alone, and a credential inside a longer one
 * leaves nothing of the longer behind.
 */
import { describe, expect, it } from 'vitest';
import { createSecretRedactor, headerCredentials } from '../../contract/secretRedactor.js';

const SECRET = 'k3y/with+and="quotes"';

describe('createSecretRedactor', () => {
  // Each row: the text a peer answered with, and what is left of it.
  it.each([
    [`token ${SECRET} refused`, 'token [redacted] refused'], // as is
    [`auth ${Buffer.from(SECRET).toString('base64')}`, 'auth [redacted]'], // base64, as Basic auth and SMTP AUTH send it
    [`GET /hook?key=${encodeURIComponent(SECRET)}`, 'GET /hook?key=[redacted]'], // percent-encoded, as in a URL
    [JSON.stringify({ echo: SECRET }), '{"echo":"[redacted]"}'], // JSON-escaped, as a JSON body quotes it
    ['nothing secret here', 'nothing secret here'], // no credential: unchanged
  ])('%s -> %s', (text, redacted) => {
    expect(createSecretRedactor([SECRET, 'ab'])(text)).toBe(redacted);
  });

  it('ignores values shorter than 4 characters, which would garble every message', () => {
    expect(createSecretRedactor(['ab', ''])('a tab and a stab')).toBe('a tab and a stab');
  });

  it('replaces a longer credential whole before a shorter one inside it', () => {
    expect(createSecretRedactor(['abcd', 'Basic abcd-efgh'])('Basic abcd-efgh and abcd')).toBe('[redacted] and [redacted]');
  });
});

describe('headerCredentials', () => {
  // Each row: an Authorization-style value, and the credentials in it.
  it.each([
    ['Bearer abc.def', ['Bearer abc.def', 'abc.def']], // scheme and token
    ['token abc', ['token abc', 'abc']], // Request Tracker's scheme
    ['abc', ['abc']], // a bare key (x-api-key)
  ])('%s -> %j', (value, credentials) => {
    expect(headerCredentials(value)).toEqual(credentials);
  });
});
