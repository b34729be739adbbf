/**
 * Whether V8 gives two objects one hidden class (its "map": their property names, order and
 * field layout), through V8's own %HaveSameMap with natives syntax switched on for this process.
 * Objects made per report or per cycle should: one made with a hidden class of its own costs a
 * runtime call, about 80 bytes of map and a descriptor array each, which only a full collection
 * frees (see labelsWithHost in collector/ingest/reportToRecord.ts).
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set: the natives call is syntax only with it.
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b);') as (a: object, b: object) => boolean;

export function sameHiddenClass(a: object, b: object): boolean {
  return haveSameMap(a, b);
}
