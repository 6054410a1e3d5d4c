/**
 * Redis Cluster audit rules, pure: what was read from the nodes (CONFIG GET, CLUSTER NODES,
 * ACL LIST) in, findings out. Reference values and why: docs/cluster.md ("Audit on a cluster").
 */
import type { ClusterNodeLine } from '../topology/clusterNodes.js';
import type { Finding, NodeConfig, Severity } from './auditChecks.js';

/** The failover goal every topology is held to (as for the sentinels' down-after, auditChecks.ts). */
export const failoverGoalMs = 30_000;

/**
 * What a cluster failover takes beyond cluster-node-timeout once a master stops answering: the
 * failure reports reaching a majority of masters by gossip (about a second at a few shards), the
 * replica's election delay (500 ms + up to 500 ms random + 1000 ms per rank behind the freshest
 * replica) and the vote. Measured on the embedded cluster: promotion 1.0-1.9 s after
 * node-timeout (docs/cluster.md); 5 s is the bound the integration tests hold a failover to.
 */
export const clusterElectionBoundMs = 5000;

const fixDocs = 'docs/cluster.md, "Audit on a cluster"';

/**
 * A node's cluster settings against the 30 s failover goal and the reference (compose/cluster.conf.tmpl).
 * A failover takes at least node-timeout + the election bound. In the worst case the last ping to
 * the dead master went out up to half a node-timeout after it died (a node pings every other at
 * least every node-timeout/2, more often at a few nodes), so 1.5 x node-timeout + the bound must
 * fit too, or the margin is thin.
 * Where only some settings were visible (CONFIG refused) an absent one is not judged.
 */
export function auditClusterNodeConfig(n: NodeConfig): Finding[] {
  const c = n.config;
  const out: Finding[] = [];
  const add = (id: string, severity: Severity, problem: string, fix: string): void => {
    out.push({ id, severity, where: n.name, problem, fix });
  };
  const timeout = c['cluster-node-timeout'];
  if (timeout !== undefined) {
    const ms = Number(timeout);
    const least = ms + clusterElectionBoundMs;
    const worst = 1.5 * ms + clusterElectionBoundMs;
    const fix = `cluster-node-timeout 3000-15000 (reference 3000; CONFIG SET on every node and in its config file), ${fixDocs}`;
    if (least > failoverGoalMs) add('cluster-failover-slow', 'high', `cluster-node-timeout ${ms} ms: a failover takes at least ${(least / 1000).toFixed(0)} s (node timeout + ${clusterElectionBoundMs / 1000} s for failure reports and the election), above the ${failoverGoalMs / 1000} s goal`, fix);
    else if (worst > failoverGoalMs) add('cluster-failover-margin', 'medium', `cluster-node-timeout ${ms} ms leaves little margin under the ${failoverGoalMs / 1000} s goal: up to ${(worst / 1000).toFixed(0)} s when the last ping to the dead master was half a node timeout late`, fix);
  }
  if (c['cluster-require-full-coverage'] === 'no') {
    add('cluster-partial-coverage', 'medium', 'cluster-require-full-coverage is no: with a shard lost the cluster keeps serving the other slots, so the users on the lost slots look logged out (their session reads find nothing) instead of getting errors', `cluster-require-full-coverage yes, ${fixDocs}`);
  }
  const factor = c['cluster-replica-validity-factor'];
  if (factor !== undefined && Number(factor) === 0) {
    add('cluster-replica-validity-off', 'medium', 'cluster-replica-validity-factor is 0: a replica promotes itself however long it was cut off from its master, serving sessions and revocations that are arbitrarily stale', `cluster-replica-validity-factor 10 (a replica cut off for more than 10 x node timeout does not promote itself; a manual CLUSTER FAILOVER still can), ${fixDocs}`);
  }
  return out;
}

/** The cluster settings that were not visible on a node (CONFIG refused), for the report's "not checked". */
export function unseenClusterSettings(n: NodeConfig): string[] {
  return ['cluster-node-timeout', 'cluster-require-full-coverage', 'cluster-replica-validity-factor'].filter((k) => !(k in n.config));
}

/** Ranges of the 16384 slots that no master serves, or only a master flagged failed. */
export function uncoveredSlots(view: readonly ClusterNodeLine[]): Array<[number, number]> {
  const served = new Uint8Array(16384);
  for (const m of view) {
    if (m.role !== 'master' || m.failing === 'fail') continue;
    for (const [a, b] of m.slots) served.fill(1, a, b + 1);
  }
  const out: Array<[number, number]> = [];
  for (let s = 0; s < 16384; s++) {
    if (served[s]) continue;
    const first = s;
    while (s + 1 < 16384 && !served[s + 1]) s++;
    out.push([first, s]);
  }
  return out;
}

/** Every slot served by a master that is not flagged failed, as `seenFrom` sees the cluster. */
export function auditSlotCoverage(view: readonly ClusterNodeLine[], seenFrom: string): Finding[] {
  const gaps = uncoveredSlots(view);
  if (!gaps.length) return [];
  const count = gaps.reduce((n, [a, b]) => n + b - a + 1, 0);
  const ranges = gaps.slice(0, 5).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ') + (gaps.length > 5 ? `, and ${gaps.length - 5} more ranges` : '');
  return [
    {
      id: 'slots-uncovered',
      severity: 'critical',
      where: seenFrom,
      problem: `${count} of 16384 slots have no working master (${ranges}): the sessions on them cannot be read or written, and with cluster-require-full-coverage yes the whole cluster refuses commands`,
      fix: 'fail over or restart the shard\'s master (CLUSTER FAILOVER on a replica), or assign the slots (CLUSTER ADDSLOTSRANGE, redis-cli --cluster fix)',
    },
  ];
}

/** The host part of an announced address (host:port, [v6]:port). */
export function hostOf(address: string): string {
  const i = address.lastIndexOf(':');
  return (i === -1 ? address : address.slice(0, i)).replace(/^\[|\]$/g, '');
}

export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}

/**
 * Each master that serves slots has a working replica on another host, judged by the announced
 * address (all gauntlet can see: nodes behind NAT or in containers on one VM announce different
 * addresses). A replica only on the master's own loopback address is a machine running the whole
 * cluster (gauntlet's embedded one): said as a low finding, since on that box it is true and
 * expected; on any other address it is high, as a host loss takes the shard with it.
 */
export function auditReplicaPlacement(view: readonly ClusterNodeLine[], nameOf: (address: string) => string): Finding[] {
  const out: Finding[] = [];
  for (const m of view) {
    if (m.role !== 'master' || m.failing === 'fail' || !m.slots.length) continue;
    const replicas = view.filter((r) => r.masterId === m.id && r.failing !== 'fail' && !r.joining);
    const where = nameOf(m.address);
    const host = hostOf(m.address);
    if (!replicas.length) {
      out.push({ id: 'master-without-replica', severity: 'high', where, problem: `master ${m.address} has no working replica: losing it stops its slots (and, with full coverage, the cluster) and loses every write since its last AOF fsync`, fix: `CLUSTER REPLICATE ${m.id} on a new node (cluster-migration-barrier 1 lets a spare replica move over), ${fixDocs}` });
    } else if (replicas.every((r) => hostOf(r.address) === host)) {
      const list = replicas.map((r) => `${nameOf(r.address)} (${r.address})`).join(', ');
      if (isLoopback(host)) {
        out.push({ id: 'replica-same-host', severity: 'low', where, problem: `every replica of ${m.address} announces the same loopback host ${host} (${list}): the whole cluster runs on one machine (a test topology), so a host loss takes the master and its replicas together`, fix: `in production each master's replicas on other hosts (or availability zones), ${fixDocs}` });
      } else {
        out.push({ id: 'replica-same-host', severity: 'high', where, problem: `every replica of ${m.address} is on its host ${host} (${list}): losing that host loses the shard and its data`, fix: `move a replica to another host: CLUSTER REPLICATE ${m.id} on a node elsewhere, then CLUSTER FORGET the old one, ${fixDocs}` });
      }
    }
  }
  return out;
}

/** One node's ACL LIST, as read. */
export interface NodeAclList {
  where: string;
  lines: readonly string[];
}

/** A password hash (#...) or a plaintext one (>...) is compared but never printed. */
const isSecret = (token: string): boolean => token.startsWith('#') || token.startsWith('>');

/**
 * ACL users identical on every node: a user's rules are the same everywhere, and no node has a
 * user the others lack or lacks one they have. ACL SETUSER changes one node only, so a user
 * changed by hand on one node (or an ACL file not rolled out everywhere) shows here. Each node
 * is compared with what most nodes have (the first node's breaks a tie); passwords are compared
 * by their hashes and named only as "the password".
 */
export function auditAclConsistency(nodes: readonly NodeAclList[]): Finding[] {
  if (nodes.length < 2) return [];
  const users = nodes.map((n) => {
    const m = new Map<string, string[]>();
    for (const line of n.lines) {
      // A selector, `(~x +get)`, is one rule.
      const [kw, name, ...rules] = line.trim().match(/\([^)]*\)|\S+/g) ?? [];
      if (kw === 'user' && name) m.set(name, rules);
    }
    return m;
  });
  const names = [...new Set(users.flatMap((m) => [...m.keys()]))].sort();
  const out: Finding[] = [];
  const fix = 'the same ACL file on every node, then ACL LOAD on each (ACL SETUSER changes only the node it runs on); compose/users.acl.tmpl';
  for (const name of names) {
    // Compared as sets: ACL LIST rebuilds the rules from the user's command bitmap (categories
    // first, then single commands in the order of the server's own command table, which differs
    // between two processes), so identical users print their commands in different orders.
    const keyOf = (m: Map<string, string[]>): string => (m.has(name) ? [...m.get(name)!].sort().join(' ') : '');
    const counts = new Map<string, number>();
    for (const m of users) counts.set(keyOf(m), (counts.get(keyOf(m)) ?? 0) + 1);
    if (counts.size === 1) continue;
    const first = keyOf(users[0]!);
    const reference = [...counts.entries()].reduce((best, e) => (e[1] > best[1] || (e[1] === best[1] && e[0] === first) ? e : best))[0];
    const refRules = reference === '' ? null : reference.split(' ');
    const others = counts.get(reference)!;
    users.forEach((m, i) => {
      const key = keyOf(m);
      if (key === reference) return;
      const where = nodes[i]!.where;
      const rules = m.get(name);
      let problem: string;
      if (!rules) problem = `no user ${name} here, while ${others} other node${others === 1 ? ' has' : 's have'} it: clients logging in as ${name} are refused on this node only`;
      else if (!refRules) problem = `user ${name} exists here but not on ${others} other node${others === 1 ? '' : 's'}: a login (or a leftover, or a backdoor) that works on this node only`;
      else {
        const here = rules.filter((r) => !refRules.includes(r));
        const there = refRules.filter((r) => !rules.includes(r));
        const parts = [
          ...(here.some((t) => !isSecret(t)) ? [`only here: ${here.filter((t) => !isSecret(t)).join(' ')}`] : []),
          ...(there.some((t) => !isSecret(t)) ? [`only there: ${there.filter((t) => !isSecret(t)).join(' ')}`] : []),
          ...([...here, ...there].some(isSecret) ? ['the password differs'] : []),
        ];
        problem = `user ${name} differs from ${others} other node${others === 1 ? '' : 's'}: ${parts.join('; ')}`;
      }
      out.push({ id: 'acl-users-differ', severity: 'high', where, problem, fix });
    });
  }
  return out;
}
