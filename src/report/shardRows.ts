import type { Summary } from './summarySchema.js';

/** Bytes as the reports print them. */
export function fmtBytes(b: number | null): string {
  return b === null ? '?' : `${(b / 1048576).toFixed(1)} MiB`;
}

export const shardColumns = ['shard', 'operations', 'errors', 'p99 ms', 'master memory (start -> peak)', 'EVALSHA server time per call', 'master(s)', 'missed readings'];

/**
 * A Cluster run's per-shard figures as rows (the columns above): the load's (shards.byShard)
 * beside each shard's master memory (memory.byShard) and server time (attribution.server.byShard),
 * joined by shard name, so a hot or slow shard shows in one line. Null for other targets.
 */
export function shardRows(s: Summary): Array<Array<string | number>> | null {
  if (!s.shards) return null;
  return s.shards.byShard.map((x) => {
    const mem = s.memory.byShard?.find((m) => m.name === x.name);
    const server = s.attribution?.server.byShard?.find((m) => m.name === x.name);
    const evalsha = server?.perCommand.find((c) => c.command === 'evalsha');
    const missed = [mem?.missedSamples ? `memory ${mem.missedSamples} (${mem.missedWhy ?? ''})` : '', server?.missedSamples ? `server time ${server.missedSamples} (${server.missedWhy ?? ''})` : ''].filter(Boolean);
    return [
      x.name,
      x.ops,
      x.errors,
      x.latencyMs.p99,
      mem ? `${fmtBytes(mem.usedBytesStart)} -> ${fmtBytes(mem.usedBytesPeak)}` : 'not measured',
      evalsha ? `${evalsha.usecPerCall} µs (${evalsha.calls} calls)` : server ? '-' : 'not measured',
      server?.masters.join(' then ') ?? '',
      missed.join('; ') || (mem || server ? 0 : ''),
    ];
  });
}
