import { Redis, type RedisOptions } from 'ioredis';
import { TargetError, UserError } from '../errors.js';
import { EmbeddedCluster } from '../topology/embeddedCluster.js';
import { EmbeddedTopology } from '../topology/embeddedTopology.js';
import type { RedisNodeHandle } from '../topology/nodeHandles.js';
import { openTopology } from '../topology/openTopology.js';
import { StartedCluster } from '../topology/startedCluster.js';
import type { StartedTopology } from '../topology/startedTopology.js';
import { listTopologies } from '../topology/staleTopologies.js';
import { withTimeout } from '../waitUntil.js';
import { fieldsOf } from '../topology/replicationInfo.js';
import { optionsAt, type ClusterReach } from './clusterReach.js';
import { externalTarget } from './externalTarget.js';
import { readExternalTargetFile, readTargetSpec, type ExternalAccess } from './externalTargetFile.js';
import type { Target, TargetDescription } from './target.js';
import { targetKind, type InlineTarget, type TargetRef } from './targetRef.js';

export interface TargetRequest {
  /** undefined: start an embedded topology; "detached" or "detached:<id>": use one from `gauntlet up --detach`; else a target file or inline flags. */
  target?: TargetRef;
  allowDestructive: boolean;
  minReplicasToWrite?: number;
  /** Embedded topology only: TLS on every link ('mtls': client certificates required). */
  tls?: 'tls' | 'mtls';
  /** Embedded only: start a Redis Cluster of this shape instead of the Sentinel topology. */
  cluster?: { shards: number; replicasPerShard: number };
  onProgress?: (line: string) => void;
}

/** A Target over a topology gauntlet controls (embedded: close() stops it; detached: leaves it running). */
export function topologyTarget(kind: 'embedded' | 'detached', topology: StartedTopology): Target {
  return {
    kind,
    topology,
    allowDestructive: true,
    // The reference app user may run INFO (compose/users.acl.tmpl).
    infoAllowed: true,
    clientOptions: () => topology.clientOptions(),
    infoAccess: () => ({ options: topology.clientOptions(), as: 'app user' }),
    plainEndpoint: () => null,
    // The harness's own view: admin, straight to each sentinel's port, so cut links never blind it.
    sentinelEndpoints: () => topology.sentinels.map((s) => ({ name: s.name, options: { host: '127.0.0.1', port: s.controlPort, username: topology.adminAuth.username, password: topology.adminAuth.password, tls: topology.adminAuth.tls } })),
    describe: () => ({
      kind,
      masterName: topology.masterName,
      sentinels: topology.sentinelAppAddresses.map((a) => `${a.host}:${a.port}`),
      endpoint: null,
      topologyId: topology.id,
      tls: Boolean(topology.snapshot.tls),
      settings: { ...topology.settings, tls: topology.settings.tls ?? 'off' },
    }),
    close: async () => {
      if (kind === 'embedded') await topology.stop();
      else topology.closeControlConnections();
    },
  };
}

/**
 * A Target over a Cluster gauntlet controls: app clients are ioredis Cluster clients; observers
 * (the failover watch, the shard map, verification) use admin straight to each node's port.
 * Memory and server time are read on every shard's master (`nodeInfo`, admin as well).
 */
export function clusterTarget(kind: 'embedded' | 'detached', c: StartedCluster): Target {
  const admin = c.adminAuth;
  const seed = c.nodes[0]!;
  return {
    kind,
    topology: null,
    cluster: c,
    allowDestructive: true,
    infoAllowed: true,
    // One node as the app reaches it: what the reachability check asks (PING, HELLO, INFO).
    clientOptions: () => {
      const { options } = c.clusterClient();
      const at = c.natMap[seed.announcedAddress]!;
      return { ...options.redisOptions, host: at.host, port: at.port };
    },
    clusterAccess: () => {
      // Each node by its announced address or its own port, straight to that port; any other address: the seed.
      const control = (port: number): { host: string; port: number } => ({ host: '127.0.0.1', port });
      const byAddress = Object.fromEntries(c.nodes.flatMap((n): Array<[string, { host: string; port: number }]> => [[n.announcedAddress, control(n.controlPort)], [`127.0.0.1:${n.controlPort}`, control(n.controlPort)]]));
      const reach: ClusterReach = { byAddress, otherwise: control(seed.controlPort) };
      const auth: RedisOptions = { username: admin.username, password: admin.password, tls: admin.tls };
      const observerOptions = (address: string): RedisOptions => optionsAt(reach, auth, address);
      return { client: c.clusterClient(), seeds: c.nodes.map((n) => n.announcedAddress), observerOptions, reach, observerAuth: auth, observer: { as: 'admin', readsNodes: true }, nodeInfo: { options: observerOptions, auth, as: 'admin user' } };
    },
    infoAccess: () => ({ options: null, why: 'a cluster has a master per shard: its memory and server time are read on each (clusterAccess().nodeInfo)' }),
    plainEndpoint: () => null,
    sentinelEndpoints: () => [],
    describe: () => ({
      kind,
      masterName: '',
      sentinels: [],
      endpoint: null,
      topologyId: c.id,
      tls: Boolean(c.snapshot.tls),
      settings: { ...c.settings, tls: c.settings.tls ?? 'off', shards: c.cluster.shards, replicasPerShard: c.cluster.replicasPerShard, clusterNodeTimeoutMs: c.cluster.nodeTimeoutMs },
      cluster: { seeds: c.nodes.map((n) => n.record.appProxy) },
    }),
    close: async () => {
      if (kind === 'embedded') await c.stop();
      else c.closeControlConnections();
    },
  };
}

/** Durable mode on a detached topology: min-replicas-to-write for this run only; close() puts back what each node had. */
async function durableForThisRun(target: Target, nodes: readonly RedisNodeHandle[], minReplicasToWrite: number): Promise<Target> {
  const running = nodes.filter((x) => x.isRunning());
  const previous = await Promise.all(running.map(async (node) => String(((await node.control().config('GET', 'min-replicas-to-write')) as string[])[1] ?? '0')));
  for (const node of running) await node.control().config('SET', 'min-replicas-to-write', String(minReplicasToWrite));
  const close = target.close;
  target.close = async () => {
    // REWRITE too: sentinels rewrite a node's config file when they reconfigure it in a failover.
    for (const [k, node] of running.entries()) {
      await node.control().config('SET', 'min-replicas-to-write', previous[k]!).catch(() => undefined);
      await node.control().config('REWRITE').catch(() => undefined);
    }
    await close();
  };
  return target;
}

export async function resolveTarget(req: TargetRequest): Promise<Target> {
  const kind = targetKind(req.target);
  if (kind === 'embedded' && req.cluster) {
    req.onProgress?.(`starting embedded cluster (${req.cluster.shards} shards of ${1 + req.cluster.replicasPerShard} redis-server each, toxiproxy)`);
    const builder = new EmbeddedCluster().withShards(req.cluster.shards).withReplicasPerShard(req.cluster.replicasPerShard);
    if (req.minReplicasToWrite !== undefined) builder.withMinReplicasToWrite(req.minReplicasToWrite);
    if (req.tls) builder.withTls(req.tls === 'mtls');
    return clusterTarget('embedded', await builder.start());
  }
  if (kind === 'embedded') {
    req.onProgress?.('starting embedded topology (3 redis-server, 3 redis-sentinel, toxiproxy)');
    const builder = new EmbeddedTopology();
    if (req.minReplicasToWrite !== undefined) builder.withMinReplicasToWrite(req.minReplicasToWrite);
    if (req.tls) builder.withTls(req.tls === 'mtls');
    return topologyTarget('embedded', await builder.start());
  }
  if (kind === 'detached') {
    const id = (req.target as string).split(':')[1];
    const running = (await listTopologies()).filter((t) => t.state && t.status === 'detached' && (!id || t.state.id === id));
    if (running.length === 0) throw new UserError(`no detached topology${id ? ` with id ${id}` : ''} is running (start one with \`gauntlet up --detach\`)`);
    if (running.length > 1 && !id) throw new UserError(`several detached topologies run (${running.map((t) => t.state!.id).join(', ')}); name one with --target detached:<id>`);
    const topology = await openTopology(running[0]!.state!);
    const target = topology instanceof StartedCluster ? clusterTarget('detached', topology) : topologyTarget('detached', topology);
    if (req.minReplicasToWrite === undefined) return target;
    // Durable mode on a detached topology: the server setting an embedded durable run starts with.
    return durableForThisRun(target, topology.nodes, req.minReplicasToWrite);
  }
  return externalTarget(await readExternalAccess(req.target!), req.allowDestructive);
}

/**
 * An external target's spec, validated, with its secrets and CA read: from a target file, or
 * from `--sentinel`/`--endpoint` flags (validated the same way, mistakes named by flag).
 */
export function readExternalAccess(ref: string | InlineTarget): Promise<ExternalAccess> {
  if (typeof ref === 'string') return readExternalTargetFile(ref);
  return readTargetSpec(ref.spec, { label: 'target flags', baseDir: process.cwd(), field: (name) => ref.flags[name] ?? name });
}


/**
 * Connects once before the run and turns the usual misconfigurations into one line that says
 * which: unreachable sentinels or endpoint, unknown master name, wrong password, TLS mismatch,
 * missing rights, an endpoint that leads to a replica. Asks only what the session workload's
 * user needs anyway: the version comes from HELLO, not INFO (INFO is in @dangerous, and a
 * least-privilege app user rightly lacks it). Whether INFO is allowed is tried and recorded on
 * the target (`infoAllowed`). Returns the master's version.
 */
export async function checkTargetReachable(target: Target, timeoutMs = 8000): Promise<string | null> {
  const d = target.describe();
  const client = new Redis({
    ...target.clientOptions(),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.min(3000, timeoutMs),
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    // ioredis's ready check sends INFO: asked below, where a refusal is an answer, not an error.
    enableReadyCheck: false,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
  });
  let lastError: Error | null = null;
  client.on('error', (e: Error) => (lastError = e));
  let hello: Map<string, string>;
  try {
    await withTimeout(client.connect(), timeoutMs);
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
    hello = fieldsOf(await client.call('HELLO'));
    target.infoAllowed = await client.info('server').then(
      () => true,
      (e: Error) => {
        if (/NOPERM/i.test(e.message)) return false;
        throw e;
      },
    );
  } catch (e) {
    const err = (lastError ?? e) as Error;
    // ioredis reports an unknown master name as "all sentinels unreachable"; ask them directly.
    const diagnosis = /sentinels are unreachable/i.test(err.message) ? await diagnoseSentinels(target) : null;
    throw new TargetError(diagnosis ?? explainConnectError(err, d));
  } finally {
    client.disconnect();
  }
  if (d.endpoint && hello.get('role') !== 'master') {
    throw new TargetError(`endpoint ${d.endpoint} leads to a ${hello.get('role') ?? 'server of unknown role'}, not a primary: point the target at the primary (writer) endpoint`);
  }
  return hello.get('version') ?? null;
}

/** Asks each sentinel, one by one, what it knows; returns a one-line diagnosis, or null if all looks right. */
async function diagnoseSentinels(target: Target): Promise<string | null> {
  const o = target.clientOptions();
  const name = o.name ?? '';
  const answers: string[] = [];
  let unknownMaster = 0;
  const sentinels = o.sentinels ?? [];
  for (const s of sentinels) {
    const c = new Redis({
      host: s.host, port: s.port, username: o.sentinelUsername, password: o.sentinelPassword,
      tls: o.enableTLSForSentinelMode ? (o.sentinelTLS ?? o.tls) : undefined,
      lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: () => null, enableReadyCheck: false,
    });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const addr = await c.call('SENTINEL', 'get-master-addr-by-name', name);
      if (addr === null) unknownMaster++;
      else answers.push(`${s.host}:${s.port} names master ${(addr as string[]).join(':')}`);
    } catch (e) {
      answers.push(`${s.host}:${s.port}: ${(e as Error).message}`);
    } finally {
      c.disconnect();
    }
  }
  if (unknownMaster > 0 && unknownMaster === sentinels.length - answers.filter((a) => a.includes(': ')).length) {
    return `no sentinel knows a master named "${name}" (asked ${sentinels.map((s) => `${s.host}:${s.port}`).join(', ')})`;
  }
  const auth = answers.find((a) => /WRONGPASS|NOAUTH|invalid username-password/i.test(a));
  if (auth) return `a sentinel refused the credentials (wrong sentinel user name or password): ${auth}`;
  const tls = answers.find((a) => /SSL|TLS|certificate|wrong version number|secure TLS/i.test(a));
  if (tls) return `TLS handshake with a sentinel failed (TLS on one side only, or an untrusted CA): ${tls}`;
  if (answers.length > 0 && answers.every((a) => /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|timed? ?out/i.test(a))) {
    return `target unreachable: no sentinel answered (${answers.join('; ')})`;
  }
  return null;
}


export function explainConnectError(e: Error, d: Pick<TargetDescription, 'masterName' | 'sentinels' | 'endpoint'>): string {
  const m = e.message;
  const where = d.endpoint ? `endpoint ${d.endpoint}` : `sentinels ${d.sentinels.join(', ')}`;
  if (/WRONGPASS|invalid username-password|NOAUTH/i.test(m)) return `target refused the credentials (wrong user name or password): ${m}`;
  if (/NOPERM/i.test(m)) return `target user lacks a permission the session workload needs: ${m}`;
  if (/No such master|is not monitored|master.*not found|ERR No such/i.test(m) || /sentinels are unreachable/i.test(m) && /master/i.test(m)) {
    return `no sentinel knows a master named "${d.masterName}" (${where}): ${m}`;
  }
  if (/SSL|TLS|certificate|self.signed|wrong version number|socket disconnected before secure/i.test(m)) return `TLS handshake with the target failed (TLS on one side only, or an untrusted CA): ${m}`;
  if (/ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|ENOTFOUND|unreachable|no answer within/i.test(m)) return `target unreachable (${where}): ${m}`;
  return `could not connect to the target (${where}): ${m}`;
}
