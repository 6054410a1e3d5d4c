import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { firstLine } from '../errors.js';
import { isClusterSpec, isEndpointSpec, type ClusterTargetSpec, type Credential, type EndpointTargetSpec, type ExternalAccess, type SentinelTargetSpec } from '../target/externalTargetFile.js';
import type { AclUserFacts } from './auditChecks.js';
import { parseClusterNodes, type ClusterNodeLine } from '../topology/clusterNodes.js';
import { fieldsOf, parseInfo } from '../topology/replicationInfo.js';
import type { StartedCluster } from '../topology/startedCluster.js';
import { hostPort, type StartedTopology } from '../topology/startedTopology.js';
import { settingsFromInfo } from './auditChecks.js';

export type { Credential };

/** A node's settings as read: all of them (CONFIG GET *), or what INFO shows when CONFIG is refused. */
export interface NodeSettings {
  config: Record<string, string>;
  complete: boolean;
  /** Why only some settings were read (CONFIG refused: ...), for the report. */
  note: string | null;
}

/** A server as a client reaches it. */
export interface AuditedServer {
  name: string;
  host: string;
  port: number;
}

/** What a Redis Cluster adds to the audit: the cluster's own view of itself, and each node's ACL users. */
export interface ClusterReader {
  /** CLUSTER NODES as the first node that answers sees it, and which node that was. */
  view(): Promise<{ from: string; lines: ClusterNodeLine[] }>;
  /** How findings name the node that announces `address` (our node names; elsewhere the address). */
  nameOf(address: string): string;
  /** ACL LIST on a node, or null when the audit has no user allowed to read it. */
  aclList(node: AuditedServer): Promise<string[] | null>;
}

/**
 * What `runAudit` needs from a deployment, whoever runs it: addresses as clients reach them, the
 * app's credentials, and (when there are rights for it) configuration readers. Built for our own
 * topologies (admin control connections) and for external target files (an audit user).
 */
export interface AuditSubject {
  id: string;
  /** What the nodes serve, for findings about it: the sentinel master name, or "endpoint host:port". */
  masterName: string;
  /** TLS options without credentials (CA, servername) when the deployment runs TLS. */
  tls: ConnectionOptions | undefined;
  app: Credential;
  sentinels: AuditedServer[];
  /** The nodes, found through the sentinels (a plain endpoint: the endpoint); the master first. */
  nodes(): Promise<{ master: AuditedServer | null; all: AuditedServer[] }>;
  /** A node's settings, or null when the audit has no user allowed to read them. */
  nodeConfig(node: AuditedServer): Promise<NodeSettings | null>;
  /**
   * A user's rules and ACL DRYRUN verdicts on a node or sentinel (`probes`: command lines), or
   * null when the audit has no user allowed to read ACLs there.
   */
  aclUser(server: AuditedServer, kind: 'node' | 'sentinel', user: string, probes: readonly string[]): Promise<AclUserFacts | null>;
  /** `SENTINEL MASTER <name>` as seen by one sentinel. */
  sentinelMaster(sentinel: AuditedServer): Promise<Map<string, string>>;
  /** Our own topologies: direct plaintext probes of the servers' ports when TLS is on. */
  plaintextProbes: Array<AuditedServer & { auth: Credential }>;
  /** What this subject cannot check, said in the report. */
  limits: string[];
  /** A Redis Cluster: its view and ACLs (absent for Sentinel topologies and plain endpoints). */
  cluster?: ClusterReader;
}

export function auditClient(s: Pick<AuditedServer, 'host' | 'port'>, auth: Partial<Credential> & { tls?: ConnectionOptions }): Redis {
  const c = new Redis({ host: s.host, port: s.port, ...auth, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: () => null, enableReadyCheck: false, protocol: 2 });
  c.on('error', () => undefined);
  return c;
}

/** Connects, failing with the cause (ECONNREFUSED, WRONGPASS...) rather than ioredis's "Connection is closed.". */
export async function connectAudit(c: Redis): Promise<void> {
  let cause: Error | null = null;
  const onError = (e: Error): void => void (cause ??= e);
  c.on('error', onError);
  try {
    await c.connect();
  } catch (e) {
    throw cause ?? e;
  } finally {
    c.off('error', onError);
  }
}

async function withClient<T>(s: AuditedServer, auth: Partial<Credential> & { tls?: ConnectionOptions }, use: (c: Redis) => Promise<T>): Promise<T> {
  const c = auditClient(s, auth);
  try {
    await connectAudit(c);
    return await use(c);
  } finally {
    c.disconnect();
  }
}

/** CONFIG GET * as a record, whichever protocol the reply came in. */
function configRecord(reply: unknown): Record<string, string> {
  return Object.fromEntries(fieldsOf(reply));
}

/**
 * ACL GETUSER and ACL DRYRUN as `c`'s user; null when that user may not (NOPERM). DRYRUN asks
 * the server itself whether a command would pass, so the verdict holds whatever the rule syntax.
 */
export async function readAclUser(c: Redis, where: string, user: string, probes: readonly string[]): Promise<AclUserFacts | null> {
  let reply: unknown;
  try {
    reply = await c.call('ACL', 'GETUSER', user);
  } catch (e) {
    if (/NOPERM/.test((e as Error).message)) return null;
    throw e;
  }
  if (reply === null) return { where, user, exists: false, commands: '', keys: '', channels: '', permits: {} };
  const f = fieldsOf(reply);
  const permits: Record<string, boolean> = {};
  for (const p of probes) permits[p] = (await c.call('ACL', 'DRYRUN', user, ...p.split(' '))) === 'OK';
  return { where, user, exists: true, commands: f.get('commands') ?? '', keys: f.get('keys') ?? '', channels: f.get('channels') ?? '', permits };
}

/** CONFIG GET *, or, where CONFIG is refused (managed services), the settings INFO shows. */
async function readSettings(c: Redis): Promise<NodeSettings> {
  try {
    return { config: configRecord(await c.config('GET', '*')), complete: true, note: null };
  } catch (e) {
    const refusal = firstLine(e);
    const info = await c.info().catch(() => {
      throw new Error(`CONFIG GET refused (${refusal}) and INFO too`);
    });
    return { config: settingsFromInfo(parseInfo(info)), complete: false, note: `CONFIG GET refused (${refusal}): appendonly, maxmemory and policy read from INFO` };
  }
}

/** Our embedded or detached topology: probes go through the app proxies, configuration through admin control connections. */
export function topologyAuditSubject(t: StartedTopology): AuditSubject {
  const server = (name: string, address: string): AuditedServer => ({ name, ...hostPort(address) });
  const tls = t.adminAuth.tls ? { ca: t.adminAuth.tls.ca, cert: t.adminAuth.tls.cert, key: t.adminAuth.tls.key } : undefined;
  return {
    id: t.id,
    masterName: t.masterName,
    tls,
    app: t.credentials.app,
    sentinels: t.sentinels.map((s) => server(s.name, s.record.appProxy)),
    nodes: async () => {
      const master = await t.currentMaster();
      return { master: master ? server(master.name, master.record.appProxy) : null, all: t.nodes.filter((n) => n.isRunning()).map((n) => server(n.name, n.record.appProxy)) };
    },
    nodeConfig: async (n) => ({ config: configRecord(await t.node(n.name).control().config('GET', '*')), complete: true, note: null }),
    aclUser: async (s, kind, user, probes) => readAclUser(kind === 'node' ? t.node(s.name).control() : t.sentinels.find((x) => x.name === s.name)!.control(), s.name, user, probes),
    sentinelMaster: async (s) => fieldsOf(await t.sentinels.find((x) => x.name === s.name)!.control().call('SENTINEL', 'MASTER', t.masterName)),
    plaintextProbes: t.snapshot.tls ? [...t.nodes, ...t.sentinels].map((h) => ({ name: h.name, host: '127.0.0.1', port: h.controlPort, auth: t.credentials.admin })) : [],
    limits: t.snapshot.tls ? [] : ['plaintext port closed under TLS (this topology runs without TLS)'],
  };
}

/**
 * A deployment described by a target file (or target flags): through its sentinels, or at its
 * plain endpoint. Credentials go to the sentinels only when the spec names them, as in a run.
 */
export function externalAuditSubject(a: ExternalAccess): AuditSubject {
  if (isClusterSpec(a.spec)) return clusterFileAuditSubject(a, a.spec);
  return isEndpointSpec(a.spec) ? endpointAuditSubject(a, a.spec) : sentinelAuditSubject(a, a.spec);
}

/** The sentinel part of a subject that has none (a plain endpoint, a cluster). */
function noSentinels(what: string): Pick<AuditSubject, 'sentinels' | 'sentinelMaster'> {
  return {
    sentinels: [],
    sentinelMaster: async () => {
      throw new Error(`${what} has no sentinels`);
    },
  };
}

/** The file's `audit` user reads each node's settings; without it that part is not checked. */
function settingsReader(a: ExternalAccess, tls: ConnectionOptions | undefined): AuditSubject['nodeConfig'] {
  return async (n) => (a.auditAuth ? withClient(n, { ...a.auditAuth, tls }, readSettings) : null);
}

/**
 * Through Sentinel: the sentinels are asked for the nodes (announced addresses mapped through the
 * natMap), the app user probes, the sentinel credentials (if named) read `SENTINEL MASTER`, and
 * the `audit` user (e.g. the reference `monitoring` user, which may CONFIG GET) reads settings.
 */
function sentinelAuditSubject(a: ExternalAccess, t: SentinelTargetSpec): AuditSubject {
  const tls = a.tls ? { ...a.tls } : undefined;
  const sentinelAuth = { ...a.sentinelAuth, tls: t.tls?.sentinels === false ? undefined : tls };
  const sentinels = t.sentinels.map((s, i) => ({ name: `sentinel ${i} (${s.host}:${s.port})`, host: s.host, port: s.port }));
  const reach = (announced: string): AuditedServer => {
    const mapped = t.natMap?.[announced];
    return { name: announced, ...(mapped ?? hostPort(announced)) };
  };
  const askSentinels = async <T>(use: (c: Redis) => Promise<T>): Promise<T> => {
    let last: Error | null = null;
    for (const s of sentinels) {
      try {
        return await withClient(s, sentinelAuth, use);
      } catch (e) {
        last = e as Error;
      }
    }
    throw new Error(`no sentinel answered: ${last?.message ?? 'none listed'}${a.sentinelAuth.password === undefined ? ' (asked without credentials: the target names no sentinel password)' : ''}`);
  };
  return {
    id: a.source,
    masterName: t.masterName,
    tls,
    app: a.app,
    sentinels,
    nodes: async () =>
      askSentinels(async (c) => {
        const addr = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', t.masterName)) as [string, string] | null;
        const replicas = (await c.call('SENTINEL', 'REPLICAS', t.masterName)) as unknown[];
        const master = addr ? reach(`${addr[0]}:${addr[1]}`) : null;
        const others = replicas.map((r) => fieldsOf(r)).map((f) => reach(`${f.get('ip')}:${f.get('port')}`));
        return { master, all: [...(master ? [master] : []), ...others] };
      }),
    nodeConfig: settingsReader(a, tls),
    // The audit user reads ACLs where it may (the reference `monitoring` user may not: ACL GETUSER shows password hashes).
    aclUser: async (s, kind, user, probes) => (a.auditAuth ? withClient(s, { ...a.auditAuth, tls: kind === 'sentinel' ? sentinelAuth.tls : tls }, (c) => readAclUser(c, s.name, user, probes)) : null),
    sentinelMaster: async (s) => withClient(s, sentinelAuth, async (c) => fieldsOf(await c.call('SENTINEL', 'MASTER', t.masterName))),
    plaintextProbes: [],
    limits: a.auditAuth ? [] : ['node configuration (no `audit` user in the target)'],
  };
}

/**
 * A plain endpoint (ElastiCache, MemoryDB, a standalone primary): the endpoint is probed
 * unauthenticated and as the app user; the audit user reads what settings the service shows
 * (CONFIG GET, or INFO where CONFIG is disabled). No sentinels: failover is the provider's.
 */
function endpointAuditSubject(a: ExternalAccess, t: EndpointTargetSpec): AuditSubject {
  const tls = a.tls ? { ...a.tls } : undefined;
  const endpoint: AuditedServer = { name: `${t.endpoint.host}:${t.endpoint.port}`, host: t.endpoint.host, port: t.endpoint.port };
  return {
    id: a.source,
    masterName: `endpoint ${endpoint.name}`,
    tls,
    app: a.app,
    ...noSentinels('a plain endpoint'),
    nodes: async () => ({ master: endpoint, all: [endpoint] }),
    nodeConfig: settingsReader(a, tls),
    aclUser: async (s, kind, user, probes) => (a.auditAuth && kind === 'node' ? withClient(s, { ...a.auditAuth, tls }, (c) => readAclUser(c, s.name, user, probes)) : null),
    plaintextProbes: [],
    limits: [
      'sentinel timings and quorum (a plain endpoint: failover is the provider\'s; time it with `gauntlet run` during the provider\'s test failover, docs/client-settings.md)',
      'replicas behind the endpoint (only the endpoint is reachable)',
      ...(a.auditAuth ? [] : ['node configuration (no `audit` user in the target)']),
      ...(tls ? ['plaintext refused under TLS (the endpoint\'s plaintext port, if any, is not known)'] : []),
    ],
  };
}

/** The nodes of a cluster view as the audit reaches them; the master probed as the app user is the first that serves slots. */
function clusterNodes(lines: readonly ClusterNodeLine[], reach: (address: string) => AuditedServer): { master: AuditedServer | null; all: AuditedServer[] } {
  const master = lines.find((l) => l.role === 'master' && l.failing !== 'fail' && l.slots.length > 0);
  return { master: master ? reach(master.address) : null, all: lines.filter((l) => !l.joining).map((l) => reach(l.address)) };
}

/** ACL LIST, or null when the user may not (NOPERM). */
async function readAclList(c: Redis): Promise<string[] | null> {
  try {
    return ((await c.call('ACL', 'LIST')) as unknown[]).map(String);
  } catch (e) {
    if (/NOPERM/.test((e as Error).message)) return null;
    throw e;
  }
}

/**
 * Our embedded or detached cluster: the view and every node's configuration and ACL users through
 * admin control connections; probes through each node's app proxy, as the app reaches it.
 */
export function clusterAuditSubject(c: StartedCluster): AuditSubject {
  const tls = c.adminAuth.tls ? { ca: c.adminAuth.tls.ca, cert: c.adminAuth.tls.cert, key: c.adminAuth.tls.key } : undefined;
  const reach = (address: string): AuditedServer => {
    const n = c.nodeAt(address);
    return n ? { name: n.name, ...hostPort(n.record.appProxy) } : { name: address, ...hostPort(address) };
  };
  const view = async (): Promise<{ from: string; lines: ClusterNodeLine[] }> => {
    const v = await c.view();
    if (!v) throw new Error('no node answered CLUSTER NODES');
    return { from: v.from.name, lines: v.nodes };
  };
  return {
    id: c.id,
    masterName: `cluster ${c.id}`,
    tls,
    app: c.credentials.app,
    ...noSentinels('a cluster'),
    nodes: async () => clusterNodes((await view()).lines, reach),
    nodeConfig: async (n) => ({ config: configRecord(await c.node(n.name).control().config('GET', '*')), complete: true, note: null }),
    aclUser: async () => null,
    plaintextProbes: c.snapshot.tls ? c.nodes.map((h) => ({ name: h.name, host: '127.0.0.1', port: h.controlPort, auth: c.credentials.admin })) : [],
    limits: c.snapshot.tls ? [] : ['plaintext port closed under TLS (this cluster runs without TLS)'],
    cluster: { view, nameOf: (address) => c.nodeAt(address)?.name ?? address, aclList: async (n) => readAclList(c.node(n.name).control()) },
  };
}

/**
 * A cluster described by a target file: CLUSTER NODES asked at the seeds (as the `audit` user,
 * else the app user), every announced address mapped through the natMap; the audit user reads
 * each node's settings and, where it may (not the reference `monitoring` user), its ACL users.
 */
function clusterFileAuditSubject(a: ExternalAccess, t: ClusterTargetSpec): AuditSubject {
  const tls = a.tls ? { ...a.tls } : undefined;
  const reader = { ...(a.auditAuth ?? a.app), tls };
  const reach = (address: string): AuditedServer => ({ name: address, ...(t.natMap?.[address] ?? hostPort(address)) });
  const view = async (): Promise<{ from: string; lines: ClusterNodeLine[] }> => {
    let last: Error | null = null;
    for (const seed of t.clusterNodes) {
      const s = { name: `${seed.host}:${seed.port}`, ...seed };
      try {
        return { from: s.name, lines: await withClient(s, reader, async (c) => parseClusterNodes(String(await c.call('CLUSTER', 'NODES')))) };
      } catch (e) {
        last = e as Error;
      }
    }
    throw new Error(`no seed node answered CLUSTER NODES as ${reader.username ?? 'default'}: ${last?.message ?? 'none listed'}`);
  };
  return {
    id: a.source,
    masterName: `cluster ${a.source}`,
    tls,
    app: a.app,
    ...noSentinels('a cluster'),
    nodes: async () => clusterNodes((await view()).lines, reach),
    nodeConfig: settingsReader(a, tls),
    aclUser: async () => null,
    plaintextProbes: [],
    limits: [...(a.auditAuth ? [] : ['node configuration and ACL users (no `audit` user in the target)']), ...(tls ? ['plaintext refused under TLS (the nodes\' plaintext ports, if any, are not known)'] : [])],
    cluster: { view, nameOf: (address) => address, aclList: async (n) => (a.auditAuth ? withClient(n, { ...a.auditAuth, tls }, readAclList) : null) },
  };
}
