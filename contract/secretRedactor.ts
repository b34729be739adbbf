/**
 * Takes credentials out of text that is about to become an error message or a log field: a desk's,
 * a proxy's or the collector's answer may echo back what it was sent (an Authorization header, a
 * URL with a key in it), and that text must not carry the credential on. Shared by the agent and
 * the collector, as the error catalogue is, so both redact the same spellings.
 */

/** Replaces every known credential in a text with `[redacted]`. */
export type Redact = (text: string) => string;

/** What a credential becomes. */
export const REDACTED = '[redacted]';

/** Shorter values are not taken for credentials: replacing them would garble every message. */
const MIN_SECRET_LENGTH = 4;

/**
 * The spellings of `secret` a peer may echo: as is, base64 (Basic auth, SMTP AUTH), percent-encoded
 * (a URL or form) and JSON-escaped (a JSON body quoting it).
 */
function spellingsOf(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
}

/**
 * A redactor for `secrets` (values shorter than 4 characters are ignored). Longer spellings are
 * replaced first, so that no part of one survives the replacement of another it contains. Redact
 * before cutting a text short: a cut through a credential would leave its start unmatched.
 */
export function createSecretRedactor(secrets: Iterable<string>): Redact {
  const spellings = [...new Set([...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH).flatMap(spellingsOf))].sort((a, b) => b.length - a.length);
  if (spellings.length === 0) return (text) => text;
  return (text) => spellings.reduce((out, spelling) => out.split(spelling).join(REDACTED), text);
}

/**
 * The credentials in an Authorization-style header value: the value itself and, for
 * `<scheme> <credential>` (`Bearer …`, `Basic …`, `token …`), the credential alone.
 */
export function headerCredentials(value: string): string[] {
  const credential = /^[A-Za-z][A-Za-z0-9._~+-]*\s+(\S.*)$/.exec(value.trim())?.[1];
  return credential === undefined ? [value] : [value, credential];
}
