import type { RedisOptions } from 'ioredis';
import { keepHostName, optionsAt, type ClusterReach } from './clusterReach.js';
import type { ClusterTargetSpec, ExternalAccess } from './externalTargetFile.js';
import type { InfoAccess, NodeInfoAccess, Target } from './target.js';

/**
 * A Redis Cluster gauntlet did not start (ElastiCache with cluster mode enabled, a self-run
 * cluster): the app's ioredis Cluster clients start at `clusterNodes` and map what the nodes
 * announce through `natMap`. The observers (the failover watch, the shard map, the verification,
 * which reads each key on the master owning its slot) log in as the app user, since they read
 * keys and CLUSTER SLOTS; the watch reads CLUSTER NODES too when the user may (else it sees
 * promotions from CLUSTER SLOTS alone, without the fail? and fail flags). Each master's INFO
 * (memory, server time) is read as the audit user when the file names one, else as the app user.
 */
export function externalClusterTarget(a: ExternalAccess, t: ClusterTargetSpec, allowDestructiveFlag: boolean): Target {
  const user: RedisOptions = { username: a.app.username, password: a.app.password, tls: a.tls };
  const reach: ClusterReach = { byAddress: { ...t.natMap }, otherwise: null };
  const seeds = t.clusterNodes.map((n) => `${n.host}:${n.port}`);
  // Each master's INFO as the audit user when the file names one, else as the app user if it may (checkTargetReachable asked).
  const nodeInfo = (): NodeInfoAccess => {
    if (a.auditAuth) {
      const audit: RedisOptions = { username: a.auditAuth.username, password: a.auditAuth.password, tls: a.tls };
      return { options: (address) => optionsAt(reach, audit, address), auth: audit, as: `audit user ${a.auditAuth.username}` };
    }
    if (target.infoAllowed === false) return { options: null, why: `the app user ${a.app.username} may not run INFO and ${a.source} names no audit user` };
    return { options: (address) => optionsAt(reach, user, address), auth: user, as: `app user ${a.app.username}` };
  };
  const target: Target = {
    kind: 'external',
    topology: null,
    cluster: null,
    allowDestructive: t.allowDestructive && allowDestructiveFlag,
    infoAllowed: null,
    // One seed as the app reaches it: what the reachability check asks (PING, HELLO, INFO).
    clientOptions: () => ({ ...user, ...t.clusterNodes[0]! }),
    clusterAccess: () => ({
      client: {
        startupNodes: t.clusterNodes.map((n) => ({ ...n })),
        options: {
          ...(t.natMap ? { natMap: t.natMap } : {}),
          // With TLS the certificate names the host the client asked for: keep the name, do not connect to a resolved address.
          ...(a.tls ? { dnsLookup: keepHostName } : {}),
          redisOptions: { ...user },
        },
      },
      seeds,
      observerOptions: (address) => optionsAt(reach, user, address),
      reach,
      observerAuth: user,
      observer: { as: `app user ${a.app.username}`, readsNodes: true },
      nodeInfo: nodeInfo(),
    }),
    infoAccess: (): InfoAccess => ({ options: null, why: 'a cluster has a master per shard: its memory and server time are read on each (clusterAccess().nodeInfo)' }),
    sentinelEndpoints: () => [],
    plainEndpoint: () => null,
    describe: () => ({ kind: 'external', masterName: '', sentinels: [], endpoint: null, topologyId: null, tls: Boolean(t.tls), settings: null, cluster: { seeds } }),
    close: async () => undefined,
  };
  return target;
}
