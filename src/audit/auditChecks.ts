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
    add('min-replicas', 'low', 'min-replicas-to-write is 0: an isolated master keeps accepting writes that a failover will discard', 'min-replicas-to-write 1 with min-replicas-max-lag at most the sentinels\' down-after in seconds (and WAIT for writes that must survive)');
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

/**
 * The split-brain window: a master cut off from its replicas refuses writes once no replica has
 * acknowledged within min-replicas-max-lag (checked once a second, in whole seconds). If that
 * lag is longer than the sentinels' down-after, the old master keeps acknowledging writes after
 * the failover has begun, and the failover discards them.
 */
export function auditWriteFence(n: NodeConfig, downAfterMs: number): Finding[] {
  if (n.complete === false && !('min-replicas-max-lag' in n.config && 'min-replicas-to-write' in n.config)) return [];
  const toWrite = Number(n.config['min-replicas-to-write'] ?? 0);
  const lagS = Number(n.config['min-replicas-max-lag'] ?? 10);
  if (toWrite < 1 || lagS * 1000 <= downAfterMs) return [];
  return [
    {
      id: 'replica-lag-above-down-after',
      severity: 'medium',
      where: n.name,
      problem: `min-replicas-max-lag ${lagS} s is above the sentinels' down-after ${downAfterMs} ms: cut off from its replicas, this master keeps acknowledging writes for up to ${lagS + 1} s while a failover starts after about ${(downAfterMs / 1000).toFixed(0)} s, and the failover discards them`,
      fix: `min-replicas-max-lag ${Math.max(1, Math.floor(downAfterMs / 1000) - 1)} (at most down-after in seconds; reference: 2 with down-after 3000)`,
    },
  ];
}

/**
 * What a user may do, as the server answers it: its rules (ACL GETUSER) and ACL DRYRUN verdicts
 * for the probe commands. The server's own answer, not a parse of the rule string: categories
 * differ between a node and a sentinel (a sentinel prints `+ping +publish` as `+@fast -role ...`).
 */
export interface AclUserFacts {
  where: string;
  user: string;
  /** false when the server has no such user. */
  exists: boolean;
  commands: string;
  keys: string;
  channels: string;
  /** Probe command line (space-joined) to whether ACL DRYRUN allowed it. */
  permits: Readonly<Record<string, boolean>>;
}

export interface AclExpectation {
  user: string;
  /** What the servers themselves send with this user (sentinel.c): refused, failover breaks. */
  required: readonly string[];
  /** Rights an attacker with the password would want, grouped by what they amount to. */
  forbidden: ReadonlyArray<{ id: string; severity: Severity; what: string; probes: readonly string[] }>;
  fix: string;
}

/** The `sentinel` user on data nodes: what Sentinel sends (sentinel.c, redis.io ACL docs), nothing more. */
export const sentinelUserOnNodes: AclExpectation = {
  user: 'sentinel',
  required: ['PING', 'INFO', 'ROLE', 'CLIENT SETNAME sentinel-audit', 'SUBSCRIBE __sentinel__:hello', 'PUBLISH __sentinel__:hello audit', 'MULTI', 'SLAVEOF NO ONE', 'CONFIG REWRITE', 'CLIENT KILL TYPE normal', 'EXEC', 'SCRIPT KILL'],
  forbidden: [
    { id: 'sentinel-user-config-set', severity: 'high', what: 'CONFIG SET (a leaked sentinel password can set appendonly no, or move dir)', probes: ['CONFIG SET appendonly no'] },
    { id: 'sentinel-user-broad-client', severity: 'medium', what: 'CLIENT subcommands beyond SETNAME and KILL (it can pause every client or list their addresses)', probes: ['CLIENT PAUSE 1', 'CLIENT LIST', 'CLIENT NO-EVICT on'] },
    { id: 'sentinel-user-data', severity: 'high', what: 'data commands (read or destroy sessions)', probes: ['GET sess:audit', 'FLUSHALL ASYNC'] },
  ],
  fix: 'user sentinel ... resetkeys resetchannels &__sentinel__:hello -@all +ping +info +role +subscribe +publish +multi +exec +slaveof +config|rewrite +client|setname +client|kill +script|kill (compose/users.acl.tmpl)',
};

/** The `sentinel-peer` user on sentinels: what one sentinel sends another (sentinel.c). */
export const sentinelPeerOnSentinels: AclExpectation = {
  user: 'sentinel-peer',
  required: ['PING', 'CLIENT SETNAME sentinel-audit', 'PUBLISH __sentinel__:hello audit', 'SENTINEL IS-MASTER-DOWN-BY-ADDR 127.0.0.1 6379 0 *'],
  forbidden: [
    { id: 'sentinel-peer-broad', severity: 'high', what: 'SENTINEL SET, REMOVE, FAILOVER or ACL changes (a leaked peer password can point the sentinels elsewhere or stop failovers)', probes: ['SENTINEL SET audit down-after-milliseconds 1', 'SENTINEL REMOVE audit', 'SENTINEL FAILOVER audit', 'ACL SETUSER audit'] },
  ],
  fix: 'user sentinel-peer ... resetkeys resetchannels &__sentinel__:hello -@all +ping +client|setname +publish +sentinel|is-master-down-by-addr (compose/sentinel.conf.tmpl)',
};

/** A service user against what it must and must not be allowed. */
export function auditAclUser(f: AclUserFacts, e: AclExpectation): Finding[] {
  if (!f.exists) return [{ id: `${e.user}-user-missing`, severity: 'high', where: f.where, problem: `no ${e.user} user: the servers that log in with it are refused`, fix: e.fix }];
  const out: Finding[] = [];
  const missing = e.required.filter((p) => f.permits[p] !== true);
  if (missing.length) {
    out.push({ id: `${e.user}-user-lacks`, severity: 'high', where: f.where, problem: `the ${e.user} user may not ${missing.join(', ')}: sentinels send these, and a refused one stops discovery, voting or failover`, fix: e.fix });
  }
  for (const g of e.forbidden) {
    const allowed = g.probes.filter((p) => f.permits[p] === true);
    if (allowed.length) out.push({ id: g.id, severity: g.severity, where: f.where, problem: `the ${e.user} user may run ${g.what}: allowed ${allowed.join(', ')} (rules: ${[f.keys, f.channels, f.commands].filter(Boolean).join(' ')})`, fix: e.fix });
  }
  if (f.keys.split(/\s+/).includes('~*') || /(^|\s)(\+@all|allcommands)(\s|$)/.test(f.commands)) {
    if (!out.some((x) => e.forbidden.some((g) => g.id === x.id))) out.push({ id: `${e.user}-user-all`, severity: 'medium', where: f.where, problem: `the ${e.user} user's rules grant everything (${[f.keys, f.commands].filter(Boolean).join(' ')})`, fix: e.fix });
  }
  return out;
}

/** Exit code 1 when any finding reaches `failOn`. */
export function auditFails(findings: readonly Finding[], failOn: Severity): boolean {
  return findings.some((f) => severityOrder.indexOf(f.severity) >= severityOrder.indexOf(failOn));
}
