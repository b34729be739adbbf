/**
 * Strict validation of the hosts that ping and TCP targets name. Ping hands the host to the system
 * `ping` binary as an argument, so anything that is not plainly a hostname or an IP literal is
 * refused at construction: nothing may start with `-` (it would be read as an option) and no
 * character outside the hostname alphabet gets through.
 */
import { isIP } from 'node:net';

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const MAX_HOSTNAME_LENGTH = 253;

/**
 * Returns why `host` is not an acceptable target, or undefined when it is an IPv4/IPv6 literal or
 * an RFC 1123 hostname (with an optional trailing dot).
 */
export function explainInvalidTargetHost(host: string): string | undefined {
  if (host === '') return 'is empty';
  if (host.startsWith('-')) return 'starts with "-", which ping would read as an option';
  if (isIP(host) !== 0) return undefined;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > MAX_HOSTNAME_LENGTH) return `is longer than ${MAX_HOSTNAME_LENGTH} characters`;
  const labels = name.split('.');
  if (!labels.every((label) => LABEL.test(label))) {
    return 'is neither an IP address nor a hostname (letters, digits, "-" and "." only; no label may start or end with "-")';
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'looks like an IP address but is not a valid one';
  return undefined;
}
