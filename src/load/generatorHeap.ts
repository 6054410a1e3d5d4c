/**
 * Room in the generator's heap for one run, made before its clock starts.
 *
 * V8 collects the old generation (a mark-compact, whose final pause took 6-16 ms here, on a
 * generator that must dispatch within 1 ms) whenever the old generation reaches a limit it sets
 * after the last full collection: the live size times a factor it picks from recent GC speed
 * (about 1.1 to 4). A run grows the old generation by a few hundred megabytes (sessions, the
 * ledger, what survives the young generation), so with V8's limits several full collections fell
 * inside every steady-50k run, in the ramp and at the failover.
 *
 * So, before the clock starts: a full collection to see what is live (the set-up's garbage goes
 * with it, outside the measurement), and a second one with V8's growing factor set for a limit
 * `headroomMb` above that, then the factor back to what it was for every later collection.
 * Nothing is allocated: only the run's first full collection comes later. A run that fills the
 * room is collected as usual, and V8 may lower the limit itself (it can after a long spell of
 * little allocation); the run's GC figures show any full collection that still falls inside it.
 * V8's flags are the process's, so the caller keeps this to one thread.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How far the old generation may grow in a run before its first full collection. */
export const runHeadroomMb = 512;

export function makeHeapRoomForRun(headroomMb = runHeadroomMb): void {
  const gc = exposedGc();
  gc();
  const liveMb = Math.max(1, getHeapStatistics().used_heap_size / 1048576);
  setFlagsFromString(`--heap-growing-percent=${Math.ceil((headroomMb / liveMb) * 100)}`);
  try {
    gc();
  } finally {
    setFlagsFromString(`--heap-growing-percent=${givenGrowingPercent()}`);
  }
}

/** The growing percent node's command line gave (NODE_OPTIONS may not carry it), else V8's default 0: its factor chosen per collection. */
function givenGrowingPercent(): number {
  const given = process.execArgv.map((a) => /^--heap[-_]growing[-_]percent=(\d+)$/.exec(a)?.[1]).filter((v) => v !== undefined);
  return given.length ? Number(given.at(-1)) : 0;
}

/** `gc()`, as --expose-gc gives it, without requiring that flag on the command line. */
function exposedGc(): () => void {
  const given = (globalThis as { gc?: () => void }).gc;
  if (given) return given;
  setFlagsFromString('--expose-gc');
  try {
    // Only the new context gets `gc`; the process's global object does not.
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
