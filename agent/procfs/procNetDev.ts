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
  for (const line of lines.slice(2)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new ProcParseError('net/dev', `no "name:" in line "${line.trim()}"`);
    const values = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (values.length < 16 || values.some((v) => !Number.isFinite(v))) {
      throw new ProcParseError('net/dev', `expected 16 counters for ${line.slice(0, colon).trim()}`);
    }
    interfaces.push({
      interface: line.slice(0, colon).trim(),
      receive: direction(values, 0),
      transmit: direction(values, 8),
    });
  }
  return interfaces;
}

function direction(values: number[], offset: number): DirectionCounters {
  return { bytes: values[offset]!, packets: values[offset + 1]!, errors: values[offset + 2]!, drops: values[offset + 3]! };
}
