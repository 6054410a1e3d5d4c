import { RandomSource } from './randomSource.js';
import type { SchedulePartition } from './population/schedulePartition.js';

/** Tells the send-time draws of a session from its schedule draws. */
const sendStream = 0x5e4d;

/** MurmurHash3's mixing of one 32-bit word into a hash, and its finaliser. */
function mixIn(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed from several numbers (each taken as an unsigned 32-bit word). */
export function seedOf(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) h = mixIn(h, w >>> 0);
  return finish(h ^ words.length);
}

/**
 * One session's own random stream: draw n is a hash of (seed, n). Counter-based rather than one
 * more mulberry32 state: mulberry32 streams from different seeds are shifted copies of one cycle,
 * so among tens of thousands of sessions some would repeat each other's draws (and tokens); hashed
 * draws of different seeds are independent.
 */
export class SessionRandom extends RandomSource {
  private drawn = 0;
  private drawnAtSend = 0;

  constructor(readonly seed: number) {
    super(seed);
  }

  override next(): number {
    return finish(mixIn(this.seed, this.drawn++)) / 4294967296;
  }

  /**
   * A draw made when an operation is sent (a rotated token, a nonce, a replay), from a stream of
   * its own: an action that waits behind its session's previous reply is sent after later
   * dispatches drew their think times, so one stream would let reply timing change the schedule.
   */
  nextAtSend(): number {
    return finish(mixIn(mixIn(this.seed, this.drawnAtSend++), sendStream)) / 4294967296;
  }
}

/** Kinds of session in the schedule, each numbered on its own. */
const planned = 1;
const arrival = 2;
const successor = 3;
const unplanned = 4;

/**
 * The seed of every session of a run, from the run's seed and the session's place in the
 * schedule: the same session gets the same seed whichever partition runs it. Only a replacement
 * the plan cannot name (a ramp short of its count with no ended session to succeed) is numbered
 * within its partition.
 */
export class SessionSeeds {
  constructor(
    private readonly runSeed: number,
    private readonly partition: SchedulePartition,
  ) {}

  /** The `ordinal`-th login a ramp (stage) plans. */
  planned(stage: number, ordinal: number): number {
    return seedOf(this.runSeed, planned, stage, ordinal);
  }

  /** The `j`-th arrival (0-based) of a login-rate stage. */
  arrival(stage: number, j: number): number {
    return seedOf(this.runSeed, arrival, stage, j);
  }

  /** The session that replaces the one seeded `ended`. */
  successor(ended: number): number {
    return seedOf(this.runSeed, successor, ended);
  }

  /** The k-th replacement without an ended session to succeed, in this partition. */
  unplanned(stage: number, k: number): number {
    return seedOf(this.runSeed, unplanned, stage, this.partition.index, this.partition.count, k);
  }
}
