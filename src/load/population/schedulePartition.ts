/**
 * One share of a run's schedule, so that several workers (threads of one process) or shards
 * (processes, on one machine or many) together offer exactly the load one process would.
 *
 * The schedule's sessions are numbered in the order the plan creates them: the k-th login of a
 * ramp, the j-th arrival of a login-rate stage. Partition `index` of `count` owns the numbers
 * k with (k - 1) mod count = index, and nothing else; each session's own randomness comes from
 * its number (SessionSeeds), never from a stream shared with other sessions, so a session does
 * the same things whichever partition runs it. A session that replaces an ended one is the
 * ended one's successor and stays in its partition.
 */
export interface SchedulePartition {
  readonly index: number;
  readonly count: number;
}

export const wholeSchedule: SchedulePartition = { index: 0, count: 1 };

/** Whether the partition owns the session numbered `ordinal` (1-based). */
export function ownsOrdinal(p: SchedulePartition, ordinal: number): boolean {
  return (ordinal - 1) % p.count === p.index;
}

/** How many of the sessions numbered 1..total the partition owns. */
export function shareOf(p: SchedulePartition, total: number): number {
  return total <= p.index ? 0 : Math.floor((total - p.index - 1) / p.count) + 1;
}

/** The number, in the whole schedule, of the partition's own `count`-th session (1-based). */
export function ordinalOf(p: SchedulePartition, count: number): number {
  return (count - 1) * p.count + p.index + 1;
}

/** Share `inner` of the share `outer`: shard I of N run by W workers gives worker w the partition I + N·w of N·W. */
export function subPartition(outer: SchedulePartition, inner: SchedulePartition): SchedulePartition {
  return { index: outer.index + outer.count * inner.index, count: outer.count * inner.count };
}

/** "I/N" as a person writes a shard (0-based I), or why it is not one. */
export function parsePartition(text: string): SchedulePartition | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `expected I/N (shard I of N, I counted from 0), got "${text}"`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) return `N must be at least 1, got "${text}"`;
  if (index >= count) return `I must be below N (shards are counted from 0), got "${text}"`;
  return { index, count };
}

export function partitionLabel(p: SchedulePartition): string {
  return `${p.index}/${p.count}`;
}
