import type { Redis } from 'ioredis';
import { auditClient, connectAudit, type AuditedServer, type AuditSubject } from './auditSubject.js';
import { runClusterAudit } from './runClusterAudit.js';
import { auditAclUser, auditNodeConfig, auditSentinel, auditWriteFence, sentinelPeerOnSentinels, sentinelUserOnNodes, type AclExpectation, type Finding, type NodeConfig } from './auditChecks.js';
import { firstLine } from '../errors.js';

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

/** Connects without credentials and tries PING and AUTH as the default user; a connection that fails is a probe not run, said why. */
async function probeUnauthenticated(s: AuditedServer, kind: 'node' | 'sentinel', subject: AuditSubject, notChecked: string[]): Promise<Finding[] | null> {
  const out: Finding[] = [];
  const c = auditClient(s, { username: undefined, password: undefined, tls: subject.tls });
  const fix = kind === 'sentinel' ? 'user default off in every sentinel\'s ACL, and sentinel credentials (sentinelUsername/sentinelPasswordEnv) in the clients' : 'user default off (ACL file)';
  try {
    await connectAudit(c);
    const r = await refused(() => c.ping(), /NOAUTH/);
    if (r) out.push({ id: 'unauthenticated-access', severity: 'critical', where: s.name, problem: `${kind === 'sentinel' ? 'sentinel without authentication: ' : ''}PING without credentials was ${r}`, fix });
    const d = await refused(() => c.call('AUTH', 'default', ''), /WRONGPASS|invalid|disabled/i);
    if (d) out.push({ id: 'default-user-on', severity: 'critical', where: s.name, problem: `AUTH as the default user was ${d}`, fix });
    return out;
  } catch (e) {
    notChecked.push(`unauthenticated access on ${s.name}: could not connect (${firstLine(e)})`);
    return null;
  } finally {
    c.disconnect();
  }
}


/**
 * Security probes from a client's position (the addresses the auth service uses) and a
 * configuration audit where the subject has rights to read it. Our own topologies, target files
 * through Sentinel, plain endpoints and Redis Clusters go through the same checks
 * (auditSubject.ts); a cluster adds its own (runClusterAudit.ts). A probe
 * that cannot run (a server that does not answer, a read that is refused) is listed as not
 * checked, with why; the audit as a whole always reports.
 */
export async function runAudit(subject: AuditSubject): Promise<AuditReport> {
  const findings: Finding[] = [];
  const checked: string[] = [];
  const notChecked = [...subject.limits];
  const found = await subject.nodes().catch((e: Error) => {
    notChecked.push(`the nodes, their configuration and the app user's confinement: cannot find the nodes ${subject.cluster ? 'from CLUSTER NODES' : 'through the sentinels'} (${firstLine(e)})`);
    return null;
  });
  const { master, all: nodes } = found ?? { master: null, all: [] };

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
  let probed = 0;
  for (const [s, kind] of [...nodes.map((n) => [n, 'node'] as const), ...subject.sentinels.map((x) => [x, 'sentinel'] as const)]) {
    const f = await probeUnauthenticated(s, kind, subject, notChecked);
    if (!f) continue;
    probed++;
    findings.push(...f);
  }
  if (probed) checked.push(`unauthenticated access refused and the default user cannot authenticate (${probed} of ${nodes.length + subject.sentinels.length} servers: ${nodes.length} nodes, ${subject.sentinels.length} sentinels)`);

  // 2. The app user is confined to session keys and session commands.
  if (master) {
    const app = auditClient(master, { ...subject.app, tls: subject.tls });
    try {
      await connectAudit(app);
      for (const [what, run] of confinementProbes) {
        const r = await refused(() => run(app), /NOPERM/);
        if (r) findings.push({ id: 'app-not-confined', severity: 'high', where: master.name, problem: `app user: ${what} was ${r}`, fix: 'app ACL: only session key prefixes and session commands (compose/users.acl.tmpl)' });
      }
      checked.push('app user confined (dangerous commands and foreign keys get NOPERM)');
    } catch (e) {
      notChecked.push(`app user confinement on ${master.name}: could not connect as the app user (${firstLine(e)})`);
    } finally {
      app.disconnect();
    }
  } else if (found && !subject.cluster) findings.push({ id: 'no-master', severity: 'critical', where: subject.masterName, problem: 'the sentinels name no master', fix: 'check sentinel quorum and the master name' });

  // 3. Configuration of every node (where the audit may read it) and every sentinel.
  const configs: NodeConfig[] = [];
  const partial: string[] = [];
  for (const n of nodes) {
    const settings = await subject.nodeConfig(n).catch((e: Error) => {
      notChecked.push(`configuration of ${n.name}: ${firstLine(e)} (give the audit user +config|get or +info)`);
      return null;
    });
    if (!settings) continue;
    if (settings.note) partial.push(`${n.name}: ${settings.note}`);
    const config = settings.config;
    const node: NodeConfig = { name: n.name, config, complete: settings.complete };
    configs.push(node);
    findings.push(...auditNodeConfig(node));
    // The probes reach the ports gauntlet knows; a plaintext port opened beside them shows here only.
    if (subject.tls && config.port !== undefined && config.port !== '0' && !findings.some((f) => f.id === 'plaintext-open' && f.where === n.name)) {
      findings.push({ id: 'plaintext-open', severity: 'critical', where: n.name, problem: `TLS is expected but the plaintext port ${config.port} is open`, fix: 'port 0 with tls-port set (compose/tls.conf.tmpl)' });
    }
  }
  const configsRead = configs.length;
  if (configsRead) checked.push(`appendonly/appendfsync, AOF timestamps, maxmemory and policy, min-replicas, slow log, protected mode${subject.tls ? ', plaintext port 0' : ''} (${configsRead} nodes)`);
  if (partial.length) notChecked.push(`settings INFO does not show (appendfsync, AOF timestamps, min-replicas, slow log, protected mode): ${partial.join('; ')}`);
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
      notChecked.push(`sentinel timings on ${s.name}: SENTINEL MASTER failed (${firstLine(e)})`);
    }
  }
  if (downAfters.length) checked.push(`sentinel timings against the 30 s failover goal, quorum, sentinel discovery (${downAfters.length} sentinels)`);
  if (configsRead && downAfters.length) {
    const downAfterMs = Math.min(...downAfters);
    for (const c of configs) findings.push(...auditWriteFence(c, downAfterMs));
    checked.push('min-replicas-max-lag against the sentinels\' down-after (split-brain window)');
  }

  // 4. A cluster: its settings, its view of itself and the same ACL users everywhere.
  if (subject.cluster) {
    const part = await runClusterAudit(subject.cluster, nodes, configs);
    findings.push(...part.findings);
    checked.push(...part.checked);
    notChecked.push(...part.notChecked);
  }

  // 5. Least privilege of the users the servers log in with (Sentinel's users: a cluster has none).
  const aclChecks: Array<[string, AuditedServer[], 'node' | 'sentinel', AclExpectation]> = subject.cluster ? [] : [
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
        notChecked.push(`the ${expectation.user} user's ACL on ${server.name}: ${firstLine(e)} (ACL GETUSER and ACL DRYRUN need Redis 7 and a user allowed to run them)`);
      }
    }
    if (read) checked.push(`${what}: what Sentinel sends, nothing more (${read} of ${servers.length})`);
    else notChecked.push(`${what} (the audit user may not ACL GETUSER / ACL DRYRUN)`);
  }
  return { subject: subject.id, findings, checked, notChecked };
}
