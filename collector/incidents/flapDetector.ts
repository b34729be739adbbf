/**
 * Flap detection as Nagios does it, over transitions instead of check results: the last 21
 * transitions of a problem give 20 state changes; each change that happened within the flap window
 * counts with a weight rising linearly from 0.8 (oldest) to 1.2 (newest); the percent state change
 * is the counted weight over the total weight. A problem starts flapping at or above the high
 * threshold and stops below the low one (hysteresis), so it cannot chatter between the two.
 */
import type { FlapTransition } from '../domain/flapTransition.js';

export const FLAP_HISTORY_LENGTH = 21;
const CHANGES = FLAP_HISTORY_LENGTH - 1;

/** Appends a transition, keeping the last 21. */
export function recordTransition(history: readonly FlapTransition[], transition: FlapTransition): FlapTransition[] {
  return [...history, transition].slice(-FLAP_HISTORY_LENGTH);
}

/** Percent state change (0-100) at `nowMs`; the oldest entry only anchors the first change. */
export function percentStateChange(history: readonly FlapTransition[], nowMs: number, windowMs: number): number {
  const changes = history.slice(1);
  let counted = 0;
  let total = 0;
  for (let slot = 0; slot < CHANGES; slot++) {
    const weight = 0.8 + (0.4 * slot) / (CHANGES - 1);
    total += weight;
    // Slot CHANGES-1 is the newest change; changes are right-aligned to it.
    const change = changes[changes.length - CHANGES + slot];
    if (change && nowMs - change.atMs <= windowMs) counted += weight;
  }
  return (counted / total) * 100;
}

/** Whether the problem flaps now, given whether it flapped before (hysteresis). */
export function isFlapping(wasFlapping: boolean, percent: number, thresholds: { highPercent: number; lowPercent: number }): boolean {
  return wasFlapping ? percent >= thresholds.lowPercent : percent >= thresholds.highPercent;
}
