/** Parser of `/proc/net/dev` (proc(5)): per-interface traffic counters. */
import { ProcParseError } from './procParseError.js';

/** The counters of one direction of one interface. */
export interface DirectionCounters {
  bytes: number;
  packets: number;
  errors: number;
  drops: number;
}

/** Counters of one network interface since it came up. */
export interface InterfaceCounters {
  interface: string;
  receive: DirectionCounters;
  transmit: DirectionCounters;
}

/**
 * Parses the table after its two header lines. Receive columns are bytes packets errs drop fifo
 * frame compressed multicast; transmit columns follow in the same order for the first four.
 * Large counters can touch the colon (`eth0:12345`), so the name is split at the first colon.
 */
export function parseProcNetDev(text: string): InterfaceCounters[] {
  const lines = text.split('\n');
  if (!lines[0]?.includes('|') || !lines[1]?.includes('|')) throw new ProcParseError('net/dev', 'missing the two header lines');
  const interfaces: InterfaceCounters[] = [];
  // Indexed, and only the 8 counters used converted: the agent runs this interpreted every cycle.
  for (let l = 2; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new ProcParseError('net/dev', `no "name:" in line "${line.trim()}"`);
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    let valid = fields.length >= 16;
    for (let i = 0; valid && i < fields.length; i++) valid = Number.isFinite(Number(fields[i]));
    if (!valid) throw new ProcParseError('net/dev', `expected 16 counters for ${line.slice(0, colon).trim()}`);
    interfaces.push({
      interface: line.slice(0, colon).trim(),
      receive: direction(fields, 0),
      transmit: direction(fields, 8),
    });
  }
  return interfaces;
}

function direction(fields: readonly string[], offset: number): DirectionCounters {
  return { bytes: Number(fields[offset]), packets: Number(fields[offset + 1]), errors: Number(fields[offset + 2]), drops: Number(fields[offset + 3]) };
}
