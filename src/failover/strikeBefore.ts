/** A chaos step's strike: its name and when it struck (ms since the load started). */
export interface Strike {
  name: string;
  atMs: number;
}

/** The latest strike at or before `atMs`: the one a master switch then is attributed to, if any. */
export function strikeBefore(strikes: readonly Strike[], atMs: number): Strike | undefined {
  let latest: Strike | undefined;
  for (const s of strikes) if (s.atMs <= atMs && (latest === undefined || s.atMs >= latest.atMs)) latest = s;
  return latest;
}
