/** Non-empty buckets as plain data: their indexes, and per column (count and each summed part) the values. */
export interface TailBuckets {
  index: number[];
  columns: Record<string, number[]>;
}

/** Buckets 0.1 % wide on a log scale, from 1 µs to 600 s: within HdrHistogram's 3 significant digits. */
const perE = 1 / Math.log1p(0.001);
const buckets = Math.ceil(Math.log(600_000_000) * perE) + 2;

export interface TailShare {
  /** Operations it is the mean of: those in the bucket that holds the asked latency (`at`), or all at or above it (`above`). */
  samples: number;
  latencyMs: number;
  /**
   * Intended start to ready: waiting behind the session's previous action, whose reply had not
   * come (one tab does one thing at a time): the target's time, carried over.
   */
  waitMs: number;
  /** Ready to send: the generator's own queueing (a late timer, the in-flight limit). */
  queueMs: number;
  /** Send to reply: network, proxy, server, and the generator reading the reply. */
  replyMs: number;
}

/** The mean parts of `n` operations from their summed parts (µs); null for none. */
function meanShare(n: number, waitUs: number, queueUs: number, replyUs: number): TailShare | null {
  if (n === 0) return null;
  const w = waitUs / n / 1000;
  const q = queueUs / n / 1000;
  const r = replyUs / n / 1000;
  return { samples: n, latencyMs: w + q + r, waitMs: w, queueMs: q, replyMs: r };
}

/**
 * Where an operation's latency went, for any percentile: operations are bucketed by latency
 * (0.1 % wide), and each bucket sums the three parts every latency is made of: intended ->
 * ready (behind the session's previous action), ready -> sent (the generator) and sent ->
 * reply. For the bucket that holds the p99, the mean parts add up to the bucket's mean latency,
 * within the bucket's width of the p99 itself. One log and four adds per operation; no
 * allocation.
 */
export class TailAttribution {
  private readonly count = new Float64Array(buckets);
  private readonly waitUs = new Float64Array(buckets);
  private readonly queueUs = new Float64Array(buckets);
  private readonly replyUs = new Float64Array(buckets);

  record(latencyUs: number, waitUs: number, queueUs: number, replyUs: number): void {
    const b = Math.floor(Math.log(latencyUs) * perE);
    if (b < 0 || b >= buckets) return;
    this.count[b]!++;
    this.waitUs[b]! += waitUs;
    this.queueUs[b]! += queueUs;
    this.replyUs[b]! += replyUs;
  }

  /**
   * The mean parts of the operations whose latency falls in the same bucket as `latencyMs`, or in
   * one of the two below: a percentile HdrHistogram reports is the highest value equivalent to
   * the recorded ones (3 significant digits), up to about 0.1 % above any operation's latency.
   */
  at(latencyMs: number): TailShare | null {
    const top = Math.floor(Math.log(Math.max(1, latencyMs * 1000)) * perE);
    let b = top;
    while (b > top - 3 && b > 0 && (this.count[b] ?? 0) === 0) b--;
    return meanShare(this.count[b] ?? 0, this.waitUs[b] ?? 0, this.queueUs[b] ?? 0, this.replyUs[b] ?? 0);
  }

  /**
   * The mean parts of every operation at or above `latencyMs` (its bucket included): the
   * operations that make a p99 breach of that budget. Unlike one bucket at the p99, which may
   * hold a single operation on a short run, these are all of them.
   */
  above(latencyMs: number): TailShare | null {
    const from = Math.max(0, Math.floor(Math.log(Math.max(1, latencyMs * 1000)) * perE));
    let n = 0;
    let w = 0;
    let q = 0;
    let r = 0;
    for (let b = from; b < buckets; b++) {
      n += this.count[b]!;
      w += this.waitUs[b]!;
      q += this.queueUs[b]!;
      r += this.replyUs[b]!;
    }
    return meanShare(n, w, q, r);
  }

  /** Every per-bucket column (the count and each summed part), whatever parts the attribution keeps. */
  private columns(): Array<[string, Float64Array]> {
    return Object.entries(this).filter((e): e is [string, Float64Array] => e[1] instanceof Float64Array);
  }

  /** The non-empty buckets, to be added into the attribution of another worker or shard (sums add exactly). */
  buckets(): TailBuckets {
    const columns = this.columns();
    const out: TailBuckets = { index: [], columns: Object.fromEntries(columns.map(([name]) => [name, []])) };
    for (let b = 0; b < buckets; b++) {
      if (this.count[b] === 0) continue;
      out.index.push(b);
      for (const [name, column] of columns) out.columns[name]!.push(column[b]!);
    }
    return out;
  }

  /** Adds buckets taken with `buckets()` (columns it does not keep are refused: another gauntlet version). */
  addBuckets(from: TailBuckets): void {
    const columns = new Map(this.columns());
    for (const name of Object.keys(from.columns)) if (!columns.has(name)) throw new Error(`tail attribution column ${name} is not one of ${[...columns.keys()].join(', ')}`);
    from.index.forEach((b, k) => {
      for (const [name, values] of Object.entries(from.columns)) columns.get(name)![b]! += values[k]!;
    });
  }
}
