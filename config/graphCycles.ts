/**
 * The cycles of a directed graph given by names and their edges (services' `dependsOn`, hosts'
 * `parents`), each once, as the names along it starting from the alphabetically first, so that a
 * cycle is reported once however many of its members lead into it. A name fully explored is not
 * explored again (every cycle through it was found then), so a large graph is walked once; at
 * least one cycle of each tangle is named.
 */
export function graphCycles(names: Iterable<string>, next: (name: string) => readonly string[] | undefined): string[][] {
  const cycles = new Map<string, string[]>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    const at = path.indexOf(name);
    if (at >= 0) {
      const cycle = path.slice(at);
      const start = cycle.indexOf([...cycle].sort()[0]!);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      cycles.set(rotated.join('>'), rotated);
      return;
    }
    if (done.has(name)) return;
    for (const target of next(name) ?? []) if (next(target) !== undefined) visit(target, [...path, name]);
    done.add(name);
  };
  for (const name of names) visit(name, []);
  return [...cycles.values()];
}
