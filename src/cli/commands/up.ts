import pc from 'picocolors';
import { UserError } from '../../errors.js';
import { EmbeddedCluster, referenceClusterSettings } from '../../topology/embeddedCluster.js';
import { EmbeddedTopology } from '../../topology/embeddedTopology.js';
import type { StartedCluster } from '../../topology/startedCluster.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { untilShutdownSignal } from '../shutdownSignals.js';
import { renderHealth } from '../topologyView.js';

export interface UpOptions {
  detach: boolean;
  masterName: string;
  downAfterMs: number;
  maxmemory: string;
  tls: boolean;
  mtls: boolean;
  /** A Redis Cluster instead of the Sentinel topology. */
  cluster: boolean;
  shards?: number;
  replicasPerShard?: number;
  clusterNodeTimeout?: number;
  /** Options the user typed (not defaults): to refuse ones that do not apply to the chosen shape. */
  given: ReadonlySet<string>;
}

/** `gauntlet up`: start the embedded topology; hold it until Ctrl-C, or leave it up with --detach. */
export async function up(options: UpOptions): Promise<number> {
  const started = Date.now();
  if (!/^\d+(kb|mb|gb)?$/i.test(options.maxmemory)) throw new UserError(`--maxmemory must look like 64mb or 1gb, got "${options.maxmemory}"`);
  const topology = options.cluster ? await startCluster(options) : await startSentinelTopology(options);
  const health = await topology.health();
  console.log(`topology ${topology.id} up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(renderHealth(health));
  if ('sentinelAppAddresses' in topology) console.log(`sentinels (app proxies): ${topology.sentinelAppAddresses.map((a) => `${a.host}:${a.port}`).join(', ')}; credentials: ${topology.credentialsFile}`);
  else console.log(`seed nodes (app proxies): ${topology.nodes.map((n) => n.record.appProxy).join(', ')}; credentials: ${topology.credentialsFile}`);
  if (options.detach) {
    topology.closeControlConnections();
    console.log(`detached: ${pc.bold('gauntlet status')} shows it, ${pc.bold('gauntlet down')} stops it`);
    return 0;
  }
  console.log('running; Ctrl-C stops it');
  const signal = await untilShutdownSignal();
  process.stderr.write(`${signal}: stopping topology ${topology.id}...\n`);
  await topology.stop();
  console.log('stopped');
  return 0;
}

function startSentinelTopology(options: UpOptions): Promise<StartedTopology> {
  for (const flag of ['shards', 'replicasPerShard', 'clusterNodeTimeout']) {
    if (options.given.has(flag)) throw new UserError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} shapes a cluster: add --cluster`);
  }
  const builder = new EmbeddedTopology().withMasterName(options.masterName).withDownAfterMs(options.downAfterMs).withMaxmemory(options.maxmemory);
  if (options.detach) builder.detached();
  if (options.tls || options.mtls) builder.withTls(options.mtls);
  process.stderr.write('starting embedded topology (3 redis-server, 3 redis-sentinel, toxiproxy)...\n');
  return builder.start();
}

function startCluster(options: UpOptions): Promise<StartedCluster> {
  for (const flag of ['masterName', 'downAfterMs']) {
    if (options.given.has(flag)) throw new UserError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is a Sentinel setting; a cluster takes --cluster-node-timeout`);
  }
  const builder = new EmbeddedCluster().withMaxmemory(options.maxmemory);
  if (options.shards !== undefined) builder.withShards(options.shards);
  if (options.replicasPerShard !== undefined) builder.withReplicasPerShard(options.replicasPerShard);
  if (options.clusterNodeTimeout !== undefined) builder.withNodeTimeoutMs(options.clusterNodeTimeout);
  if (options.detach) builder.detached();
  if (options.tls || options.mtls) builder.withTls(options.mtls);
  process.stderr.write(`starting embedded cluster (${options.shards ?? referenceClusterSettings.shards} shards of ${1 + (options.replicasPerShard ?? referenceClusterSettings.replicasPerShard)} redis-server each, toxiproxy)...\n`);
  return builder.start();
}
