/**
 * Room in the generator's heap for one run, made before its clock starts.
 *
 * V8 collects the old generation (a mark-compact: its final pause took 6-28 ms here, on a
 * generator that must dispatch within 1 ms) whenever the old generation reaches a limit it sets
 * after the last full collection: the live size times a factor it picks from recent GC speed
 * (about 1.1 to 4). A run grows the old generation by a few hundred megabytes (sessions, the
 * ledger, what survives the young generation), so with the default limits two to six full
 * collections fell inside every steady-50k run, during the ramp and at the failover.
 *
 * So, before the clock starts: one full collection (the set-up's garbage goes with it, outside
 * the measurement) with the growing factor set for a limit `headroomMb` above what is live, then
 * the factor back to V8's own for every later collection. The heap is not made bigger; only the
 * first full collection of the run comes later (if the run ever fills the headroom, V8 collects
 * as usual). Process-wide, as V8's heap is; a worker thread's load does the same in its own.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How far the old generation may grow in a run before its first full collection. */
export const runHeadroomMb = 512;

export function makeHeapRoomForRun(headroomMb = runHeadroomMb): { liveMb: number; limitMb: number } {
  const gc = exposedGc();
  gc();
  const liveMb = Math.max(1, getHeapStatistics().used_heap_size / 1048576);
  const percent = Math.ceil((headroomMb / liveMb) * 100);
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  try {
    gc();
  } finally {
    // 0 is V8's default: the factor chosen dynamically again for every later full collection.
    setFlagsFromString('--heap-growing-percent=0');
  }
  return { liveMb: Math.round(liveMb), limitMb: Math.round(liveMb * (1 + percent / 100)) };
}

/** `gc()`, as --expose-gc gives it, without requiring that flag on the command line. */
function exposedGc(): () => void {
  const given = (globalThis as { gc?: () => void }).gc;
  if (given) return given;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
