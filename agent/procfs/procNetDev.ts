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
 * The eight counters the agent reports of one interface, in this order: receive bytes, packets,
 * errors, drops, then transmit bytes, packets, errors, drops.
 */
export interface InterfaceCounterList {
  interface: string;
  counters: number[];
}

/**
 * Parses the table after its two header lines. Receive columns are bytes packets errs drop fifo
 * frame compressed multicast; transmit columns follow in the same order for the first four.
 * Large counters can touch the colon (`eth0:12345`), so the name is split at the first colon.
 */
export function parseProcNetDev(text: string): InterfaceCounters[] {
  return parseProcNetDevCounters(text).map(({ interface: name, counters }) => ({
    interface: name,
    receive: { bytes: counters[0]!, packets: counters[1]!, errors: counters[2]!, drops: counters[3]! },
    transmit: { bytes: counters[4]!, packets: counters[5]!, errors: counters[6]!, drops: counters[7]! },
  }));
}

/**
 * `parseProcNetDev` as flat lists, for the probe: each line's counters converted once, and lines
 * of interfaces `include` refuses (the excluded `lo`) skipped before their counters are read.
 * Indexed loops: the agent runs this interpreted every cycle.
 */
export function parseProcNetDevCounters(text: string, include: (name: string) => boolean = () => true): InterfaceCounterList[] {
  const lines = text.split('\n');
  if (!lines[0]?.includes('|') || !lines[1]?.includes('|')) throw new ProcParseError('net/dev', 'missing the two header lines');
  const interfaces: InterfaceCounterList[] = [];
  for (let l = 2; l < lines.length; l++) {
    const line = lines[l]!;
    const colon = line.indexOf(':');
    if (colon < 0) {
      if (line.trim() === '') continue;
      throw new ProcParseError('net/dev', `no "name:" in line "${line.trim()}"`);
    }
    const name = line.slice(0, colon).trim();
    if (!include(name)) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    let valid = fields.length >= 16;
    // Receive bytes to drops are fields 0-3, transmit bytes to drops 8-11; every field must be a number.
    const counters = new Array<number>(8);
    for (let i = 0; valid && i < fields.length; i++) {
      const value = Number(fields[i]);
      valid = Number.isFinite(value);
      if (i < 4) counters[i] = value;
      else if (i >= 8 && i < 12) counters[i - 4] = value;
    }
    if (!valid) throw new ProcParseError('net/dev', `expected 16 counters for ${name}`);
    interfaces.push({ interface: name, counters });
  }
  return interfaces;
}
