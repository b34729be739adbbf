/**
 * The canonical text of a label set: the one spelling of "these labels" that the collector's store
 * keys series by and the rules engine hashes into fingerprints. Defined once, next to the Labels of
 * the wire contract, so that neither depends on the other for what a series is.
 */

/**
 * The labels as a JSON object with its names in sorted order, e.g. `{"host":"web-1","mount":"/"}`.
 * The order the labels arrive in does not matter, and JSON escaping keeps two different label sets
 * from ever sharing a text. It equals `JSON.stringify` of the object rebuilt in sorted order,
 * except that a label named `__proto__` (which such an object would swallow) is kept like any
 * other; it is built by hand because it runs for every sample.
 *
 * Persisted: series rows and rule fingerprints are derived from it, so its output must never change.
 */
export function canonicalLabels(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  // Joined, not concatenated: `+=` leaves a tree of string pieces (32 bytes a node) that the rules
  // engine's fingerprint memo kept for every series; join makes one flat string.
  const parts = new Array<string>(names.length * 4 + 1);
  parts[0] = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    parts[4 * i + 1] = i === 0 ? '' : ',';
    parts[4 * i + 2] = JSON.stringify(name);
    parts[4 * i + 3] = ':';
    parts[4 * i + 4] = JSON.stringify(labels[name]);
  }
  parts.push('}');
  return parts.join('');
}
