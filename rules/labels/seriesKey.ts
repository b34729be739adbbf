/**
 * The canonical form of a label set, used to group samples by series within one evaluation;
 * JSON-escaped so that no two label sets share a key.
 */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) key += `${JSON.stringify(name)}:${JSON.stringify(labels[name])},`;
  return key;
}
