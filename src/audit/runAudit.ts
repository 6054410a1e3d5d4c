import { Redis } from 'ioredis';
import type { StartedTopology } from '../topology/startedTopology.js';
import { hostPort } from '../topology/startedTopology.js';
import { fieldsOf } from '../topology/replicationInfo.js';
import { auditNodeConfig, auditSentinel, type Finding } from './auditChecks.js';

export interface AuditReport {
  topologyId: string;
  findings: Finding[];
  checked: string[];
  notChecked: string[];
}

function probeClient(address: string, auth?: { username: string; password: string; tls?: import('node:tls').ConnectionOptions }): Redis {
  const { host, port } = hostPort(address);
  const c = new Redis({ host, port, ...auth, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: () => null, enableReadyCheck: false, protocol: 2 });
  c.on('error', () => undefined);
  return c;
}

async function refused(run: () => Promise<unknown>, pattern: RegExp): Promise<string | null> {
  try {
    const r = await run();
    return `accepted (replied ${JSON.stringify(r).slice(0, 40)})`;
  } catch (e) {
    const m = (e as Error).message;
    return pattern.test(m) ? null : `unexpected error: ${m}`;
  }
}

/**
 * Security probes from a client's position (through the app proxies, as the auth service
 * connects) and a configuration audit over the harness's admin connections.
 */
export async function runAudit(t: StartedTopology): Promise<AuditReport> {
  const findings: Finding[] = [];
  const checked: string[] = [];
  const add = (f: Finding): void => void findings.push(f);

  // 0. Under TLS no plaintext connection may get an answer (plaintext ports are 0).
  const tlsOn = Boolean(t.snapshot.tls);
  if (tlsOn) {
    for (const h of [...t.nodes, ...t.sentinels]) {
      const c = probeClient(`127.0.0.1:${h.controlPort}`, t.credentials.admin);
      try {
        await c.connect();
        const pong = await c.ping();
        add({ id: 'plaintext-open', severity: 'critical', where: h.name, problem: `a plaintext connection got ${pong}`, fix: 'port 0 with tls-port set (compose/tls.conf.tmpl)' });
      } catch {
        // refused or closed: as it should be
      } finally {
        c.disconnect();
      }
    }
    checked.push('plaintext refused under TLS (nodes and sentinels)');
  }

  // 1. Unauthenticated access must be refused on every node and sentinel.
  for (const [name, address] of [...t.nodes.map((n) => [n.name, n.record.appProxy] as const), ...t.sentinels.map((s) => [s.name, s.record.appProxy] as const)]) {
    const c = probeClient(address, tlsOn ? { username: '', password: '', tls: t.adminAuth.tls } : undefined);
    try {
      await c.connect();
      const r = await refused(() => c.ping(), /NOAUTH/);
      if (r) add({ id: 'unauthenticated-access', severity: 'critical', where: name, problem: `PING without credentials was ${r}`, fix: 'user default off (ACL file); sentinels need it too' });
      const d = await refused(() => c.call('AUTH', 'default', ''), /WRONGPASS|invalid|disabled/i);
      if (d) add({ id: 'default-user-on', severity: 'critical', where: name, problem: `AUTH as the default user was ${d}`, fix: 'user default off' });
    } catch (e) {
      add({ id: 'probe-failed', severity: 'medium', where: name, problem: `could not connect to probe: ${(e as Error).message}`, fix: 'check the address' });
    } finally {
      c.disconnect();
    }
  }
  checked.push('unauthenticated access refused (nodes and sentinels)', 'default user cannot authenticate');

  // 2. The app user is confined to session keys and session commands.
  const master = await t.currentMaster();
  if (master) {
    const app = probeClient(master.record.appProxy, { ...t.credentials.app, tls: t.adminAuth.tls });
    try {
      await app.connect();
      for (const [what, run] of [
        ['FLUSHALL', () => app.call('FLUSHALL')],
        ['CONFIG GET', () => app.call('CONFIG', 'GET', 'maxmemory')],
        ['KEYS', () => app.call('KEYS', '*')],
        ['DEBUG', () => app.call('DEBUG', 'SLEEP', '0')],
        ['a key outside the session prefixes', () => app.call('SET', 'gauntlet-audit:foreign', '1')],
      ] as const) {
        const r = await refused(run, /NOPERM/);
        if (r) add({ id: 'app-not-confined', severity: 'high', where: master.name, problem: `app user: ${what} was ${r}`, fix: 'app ACL: only session key prefixes and session commands (compose/users.acl.tmpl)' });
      }
    } finally {
      app.disconnect();
    }
    checked.push('app user confined (dangerous commands and foreign keys get NOPERM)');
  }

  // 3. Configuration of every node and sentinel (admin connections, no proxies).
  for (const n of t.nodes) {
    if (!n.isRunning()) continue;
    const flat = (await n.control().config('GET', '*')) as string[];
    const config: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) config[flat[i]!] = flat[i + 1]!;
    findings.push(...auditNodeConfig({ name: n.name, config }));
  }
  checked.push('appendonly/appendfsync, AOF timestamps, maxmemory and policy, min-replicas, slow log, protected mode');
  for (const s of t.sentinels) {
    if (!s.isRunning()) continue;
    const f = fieldsOf(await s.control().call('SENTINEL', 'MASTER', t.masterName));
    findings.push(
      ...auditSentinel(
        { name: s.name, downAfterMs: Number(f.get('down-after-milliseconds')), failoverTimeoutMs: Number(f.get('failover-timeout')), quorum: Number(f.get('quorum')), knownSentinels: Number(f.get('num-other-sentinels')) },
        t.sentinels.length,
      ),
    );
  }
  checked.push('sentinel timings against the 30 s failover goal, quorum, sentinel discovery');
  return { topologyId: t.id, findings, checked, notChecked: tlsOn ? [] : ['plaintext port closed under TLS (this topology runs without TLS)'] };
}
