/**
 * Configuration audit rules, pure: they take what was read from the servers and return findings.
 * Each finding has a severity and the fix (unit-tested without servers).
 */
export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const severityOrder: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface Finding {
  id: string;
  severity: Severity;
  where: string;
  problem: string;
  fix: string;
}

export interface NodeConfig {
  name: string;
  config: Record<string, string>;
  /**
   * false: only some settings were visible (a managed service that refuses CONFIG GET, read from
   * INFO instead); a rule whose setting is absent is then not judged rather than taken as unset.
   */
  complete?: boolean;
}

/**
 * The settings INFO shows, named as CONFIG GET names them: where CONFIG is refused (ElastiCache
 * and MemoryDB disable it; their parameter groups hold the rest) these are what can be seen.
 */
export function settingsFromInfo(info: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const aof = info.get('aof_enabled');
  if (aof !== undefined) out.appendonly = aof === '1' ? 'yes' : 'no';
  const maxmemory = info.get('maxmemory');
  if (maxmemory !== undefined) out.maxmemory = maxmemory;
  const policy = info.get('maxmemory_policy');
  if (policy !== undefined) out['maxmemory-policy'] = policy;
  return out;
}

export interface SentinelConfig {
  name: string;
  downAfterMs: number;
  failoverTimeoutMs: number;
  quorum: number;
  knownSentinels: number;
}

/** Redis node settings against the reference deployment (docs/deployment-settings.md). */
export function auditNodeConfig(n: NodeConfig): Finding[] {
  const c = n.config;
  const out: Finding[] = [];
  const add = (id: string, severity: Severity, problem: string, fix: string): void => {
    out.push({ id, severity, where: n.name, problem, fix });
  };
  // With every setting read, an absent one is the server's default; with some, it is unknown.
  const seen = (key: string): boolean => n.complete !== false || key in c;
  if (seen('appendonly') && c.appendonly !== 'yes') add('aof-off', 'high', 'appendonly is off: a restart loses every write since the last RDB snapshot', 'CONFIG SET appendonly yes (and in redis.conf)');
  else if (c.appendonly === 'yes' && seen('appendfsync') && !['everysec', 'always'].includes(c.appendfsync ?? '')) add('aof-fsync', 'medium', `appendfsync is ${c.appendfsync}: the OS decides when acknowledged writes reach the disk`, 'appendfsync everysec');
  if (seen('aof-timestamp-enabled') && (c['aof-timestamp-enabled'] ?? 'no') !== 'yes' && c.appendonly === 'yes') add('aof-timestamps', 'low', 'aof-timestamp-enabled is off: no point-in-time restore', 'aof-timestamp-enabled yes');
  if (seen('maxmemory') && Number(c.maxmemory ?? 0) === 0) add('maxmemory-unset', 'high', 'maxmemory is 0: the store grows until the host runs out of memory', 'set maxmemory below the host memory, sized from gauntlet\'s bytes per session');
  if ((c['maxmemory-policy'] ?? '').startsWith('allkeys-')) {
    add('eviction-policy', 'high', `maxmemory-policy ${c['maxmemory-policy']} may evict sessions and refresh-token revocation state`, 'maxmemory-policy noeviction (full store = visible write errors + alert)');
  }
  if (seen('min-replicas-to-write') && Number(c['min-replicas-to-write'] ?? 0) < 1) {
    add('min-replicas', 'low', 'min-replicas-to-write is 0: an isolated master keeps accepting writes that a failover will discard', 'min-replicas-to-write 1 with min-replicas-max-lag 10 (and WAIT for writes that must survive)');
  }
  const slow = Number(c['slowlog-log-slower-than'] ?? -1);
  if (seen('slowlog-log-slower-than') && (slow < 0 || slow > 10_000)) add('slowlog', 'low', `slowlog-log-slower-than is ${slow} µs: commands slower than the 10 ms budget go unrecorded`, 'slowlog-log-slower-than 10000');
  if (seen('protected-mode') && c['protected-mode'] !== 'yes') add('protected-mode', 'medium', 'protected-mode is off', 'protected-mode yes');
  return out;
}

/** Sentinel timing against the 30 s failover goal: down-after plus election and promotion. */
export function auditSentinel(s: SentinelConfig, sentinelCount: number): Finding[] {
  const out: Finding[] = [];
  const add = (id: string, severity: Severity, problem: string, fix: string): void => {
    out.push({ id, severity, where: s.name, problem, fix });
  };
  // Measured: fault to +switch-master took down-after + about 1.3 s (docs/benchmarks.md).
  const estimate = s.downAfterMs + 5000;
  if (estimate > 30_000) add('failover-slow', 'high', `down-after-milliseconds ${s.downAfterMs}: a failover takes at least ${(estimate / 1000).toFixed(0)} s, above the 30 s goal`, 'sentinel down-after-milliseconds <name> 3000-10000');
  else if (s.downAfterMs > 15_000) add('failover-margin', 'medium', `down-after-milliseconds ${s.downAfterMs} leaves little margin under the 30 s goal`, 'sentinel down-after-milliseconds <name> 3000-10000');
  if (s.quorum <= sentinelCount / 2) add('quorum-minority', 'medium', `quorum ${s.quorum} of ${sentinelCount} sentinels is not a majority: a minority can flag the master down`, `quorum ${Math.floor(sentinelCount / 2) + 1}`);
  if (s.knownSentinels + 1 < sentinelCount) add('sentinel-discovery', 'high', `knows ${s.knownSentinels} other sentinels of ${sentinelCount - 1}`, 'check sentinel announce addresses and the __sentinel__:hello channel');
  if (s.failoverTimeoutMs > 60_000) add('failover-timeout', 'low', `failover-timeout ${s.failoverTimeoutMs} ms: a failed failover is retried late`, 'sentinel failover-timeout <name> 10000');
  return out;
}

/** Exit code 1 when any finding reaches `failOn`. */
export function auditFails(findings: readonly Finding[], failOn: Severity): boolean {
  return findings.some((f) => severityOrder.indexOf(f.severity) >= severityOrder.indexOf(failOn));
}
