import type { Redis } from 'ioredis';
import { TargetError } from '../errors.js';
import { auditClient, type AuditedServer, type AuditSubject } from './auditSubject.js';
import { auditAclUser, auditNodeConfig, auditSentinel, auditWriteFence, sentinelPeerOnSentinels, sentinelUserOnNodes, type AclExpectation, type Finding, type NodeConfig } from './auditChecks.js';

export interface AuditReport {
  subject: string;
  findings: Finding[];
  checked: string[];
  notChecked: string[];
}

/** null when the command was refused with `pattern`; otherwise what happened instead. */
async function refused(run: () => Promise<unknown>, pattern: RegExp): Promise<string | null> {
  try {
    const r = await run();
    return `accepted (replied ${JSON.stringify(r).slice(0, 40)})`;
  } catch (e) {
    const m = (e as Error).message;
    return pattern.test(m) ? null : `permitted (the server ran it and answered: ${m.slice(0, 60)})`;
  }
}

/**
 * What the app user must not be allowed, probed so that nothing happens if it is: ACL checks
 * run before a command parses its arguments, so `FLUSHALL NOT-AN-OPTION` gets NOPERM from a
 * confined user and a syntax error (nothing flushed) from one that is not. Safe on staging.
 */
const confinementProbes: ReadonlyArray<readonly [string, (c: Redis) => Promise<unknown>]> = [
  ['FLUSHALL', (c) => c.call('FLUSHALL', 'GAUNTLET-AUDIT-NOT-AN-OPTION')],
  ['CONFIG GET', (c) => c.call('CONFIG', 'GET', 'maxmemory')],
  ['KEYS', (c) => c.call('KEYS', 'gauntlet-audit:*')],
  ['DEBUG', (c) => c.call('DEBUG', 'GAUNTLET-AUDIT-NOT-A-SUBCOMMAND')],
  ['a key outside the session prefixes', (c) => c.call('GET', 'gauntlet-audit:foreign')],
];

async function probeUnauthenticated(s: AuditedServer, subject: AuditSubject): Promise<Finding[]> {
  const out: Finding[] = [];
  const c = auditClient(s, { username: undefined, password: undefined, tls: subject.tls });
  try {
    await c.connect();
    const r = await refused(() => c.ping(), /NOAUTH/);
    if (r) out.push({ id: 'unauthenticated-access', severity: 'critical', where: s.name, problem: `PING without credentials was ${r}`, fix: 'user default off (ACL file); sentinels need it too' });
    const d = await refused(() => c.call('AUTH', 'default', ''), /WRONGPASS|invalid|disabled/i);
    if (d) out.push({ id: 'default-user-on', severity: 'critical', where: s.name, problem: `AUTH as the default user was ${d}`, fix: 'user default off' });
  } catch (e) {
    out.push({ id: 'probe-failed', severity: 'medium', where: s.name, problem: `could not connect to probe: ${(e as Error).message}`, fix: 'check the address (and natMap for announced addresses)' });
  } finally {
    c.disconnect();
  }
  return out;
}

/**
 * Security probes from a client's position (the addresses the auth service uses) and a
 * configuration audit where the subject has rights to read it. Our own topologies and external
 * target files go through the same checks (auditSubject.ts).
 */
export async function runAudit(subject: AuditSubject): Promise<AuditReport> {
  const findings: Finding[] = [];
  const checked: string[] = [];
  const notChecked = [...subject.limits];
  const { master, all: nodes } = await subject.nodes().catch((e: Error) => {
    throw new TargetError(`audit of ${subject.id}: cannot find the nodes through the sentinels: ${e.message}`);
  });

  // 0. Under TLS no plaintext connection may get an answer.
  for (const p of subject.plaintextProbes) {
    const c = auditClient(p, p.auth);
    try {
      await c.connect();
      const pong = await c.ping();
      findings.push({ id: 'plaintext-open', severity: 'critical', where: p.name, problem: `a plaintext connection got ${pong}`, fix: 'port 0 with tls-port set (compose/tls.conf.tmpl)' });
    } catch {
      // refused or closed: as it should be
    } finally {
      c.disconnect();
    }
  }
  if (subject.plaintextProbes.length) checked.push('plaintext refused under TLS (nodes and sentinels)');

  // 1. Unauthenticated access must be refused on every node and sentinel.
  for (const s of [...nodes, ...subject.sentinels]) findings.push(...(await probeUnauthenticated(s, subject)));
  checked.push(`unauthenticated access refused (${nodes.length} nodes, ${subject.sentinels.length} sentinels)`, 'default user cannot authenticate');

  // 2. The app user is confined to session keys and session commands.
  if (master) {
    const app = auditClient(master, { ...subject.app, tls: subject.tls });
    try {
      await app.connect();
      for (const [what, run] of confinementProbes) {
        const r = await refused(() => run(app), /NOPERM/);
        if (r) findings.push({ id: 'app-not-confined', severity: 'high', where: master.name, problem: `app user: ${what} was ${r}`, fix: 'app ACL: only session key prefixes and session commands (compose/users.acl.tmpl)' });
      }
      checked.push('app user confined (dangerous commands and foreign keys get NOPERM)');
    } catch (e) {
      findings.push({ id: 'probe-failed', severity: 'medium', where: master.name, problem: `could not connect as the app user: ${(e as Error).message}`, fix: 'check the app credentials and the address' });
    } finally {
      app.disconnect();
    }
  } else findings.push({ id: 'no-master', severity: 'critical', where: subject.masterName, problem: 'the sentinels name no master', fix: 'check sentinel quorum and the master name' });

  // 3. Configuration of every node (where the audit may read it) and every sentinel.
  const configs: NodeConfig[] = [];
  for (const n of nodes) {
    const config = await subject.nodeConfig(n).catch((e: Error) => {
      findings.push({ id: 'config-unreadable', severity: 'low', where: n.name, problem: `CONFIG GET refused or failed: ${e.message}`, fix: 'give the audit user +config|get (the reference monitoring user has it)' });
      return null;
    });
    if (!config) continue;
    configs.push({ name: n.name, config });
    findings.push(...auditNodeConfig({ name: n.name, config }));
    if (subject.tls && !subject.plaintextProbes.length && config.port !== '0') {
      findings.push({ id: 'plaintext-open', severity: 'critical', where: n.name, problem: `TLS is expected but the plaintext port ${config.port} is open`, fix: 'port 0 with tls-port set (compose/tls.conf.tmpl)' });
    }
  }
  const configsRead = configs.length;
  if (configsRead) checked.push(`appendonly/appendfsync, AOF timestamps, maxmemory and policy, min-replicas, slow log, protected mode${subject.tls ? ', plaintext port 0' : ''} (${configsRead} nodes)`);
  const downAfters: number[] = [];
  for (const s of subject.sentinels) {
    try {
      const f = await subject.sentinelMaster(s);
      downAfters.push(Number(f.get('down-after-milliseconds')));
      findings.push(
        ...auditSentinel(
          { name: s.name, downAfterMs: Number(f.get('down-after-milliseconds')), failoverTimeoutMs: Number(f.get('failover-timeout')), quorum: Number(f.get('quorum')), knownSentinels: Number(f.get('num-other-sentinels')) },
          subject.sentinels.length,
        ),
      );
    } catch (e) {
      findings.push({ id: 'probe-failed', severity: 'medium', where: s.name, problem: `SENTINEL MASTER failed: ${(e as Error).message}`, fix: 'check the sentinel credentials and the master name' });
    }
  }
  checked.push('sentinel timings against the 30 s failover goal, quorum, sentinel discovery');
  if (configsRead && downAfters.length) {
    const downAfterMs = Math.min(...downAfters);
    for (const c of configs) findings.push(...auditWriteFence(c, downAfterMs));
    checked.push('min-replicas-max-lag against the sentinels\' down-after (split-brain window)');
  }

  // 4. Least privilege of the users the servers log in with.
  const aclChecks: Array<[string, AuditedServer[], 'node' | 'sentinel', AclExpectation]> = [
    ['the sentinel user on the nodes', nodes, 'node', sentinelUserOnNodes],
    ['the sentinel-peer user on the sentinels', subject.sentinels, 'sentinel', sentinelPeerOnSentinels],
  ];
  for (const [what, servers, kind, expectation] of aclChecks) {
    let read = 0;
    for (const server of servers) {
      try {
        const facts = await subject.aclUser(server, kind, expectation.user, [...expectation.required, ...expectation.forbidden.flatMap((g) => g.probes)]);
        if (!facts) continue;
        read++;
        findings.push(...auditAclUser(facts, expectation));
      } catch (e) {
        findings.push({ id: 'probe-failed', severity: 'low', where: server.name, problem: `reading the ${expectation.user} user's ACL failed: ${(e as Error).message}`, fix: 'ACL GETUSER and ACL DRYRUN need Redis 7 and a user allowed to run them' });
      }
    }
    if (read) checked.push(`${what}: what Sentinel sends, nothing more (${read} of ${servers.length})`);
    else notChecked.push(`${what} (the audit user may not ACL GETUSER / ACL DRYRUN)`);
  }
  return { subject: subject.id, findings, checked, notChecked };
}
