/** Parts' per-second figures lined up on the run clock: grouped by second (in the parts' order), seconds ascending. */
export function groupBySecond<T>(items: Iterable<T>, secondOf: (x: T) => number): Array<[number, T[]]> {
  const byT = new Map<number, T[]>();
  for (const x of items) {
    const t = secondOf(x);
    const group = byT.get(t);
    if (group) group.push(x);
    else byT.set(t, [x]);
  }
  return [...byT.entries()].sort(([a], [b]) => a - b);
}
