import pc from 'picocolors';
import { UserError } from '../../errors.js';
import { EmbeddedTopology } from '../../topology/embeddedTopology.js';
import { untilShutdownSignal } from '../shutdownSignals.js';
import { renderHealth } from '../topologyView.js';

export interface UpOptions {
  detach: boolean;
  masterName: string;
  downAfterMs: number;
  maxmemory: string;
  tls: boolean;
  mtls: boolean;
}

/** `gauntlet up`: start the embedded topology; hold it until Ctrl-C, or leave it up with --detach. */
export async function up(options: UpOptions): Promise<number> {
  const started = Date.now();
  if (!/^\d+(kb|mb|gb)?$/i.test(options.maxmemory)) throw new UserError(`--maxmemory must look like 64mb or 1gb, got "${options.maxmemory}"`);
  const builder = new EmbeddedTopology().withMasterName(options.masterName).withDownAfterMs(options.downAfterMs).withMaxmemory(options.maxmemory);
  if (options.detach) builder.detached();
  if (options.tls || options.mtls) builder.withTls(options.mtls);
  process.stderr.write('starting embedded topology (3 redis-server, 3 redis-sentinel, toxiproxy)...\n');
  const topology = await builder.start();
  const health = await topology.health();
  console.log(`topology ${topology.id} up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(renderHealth(health));
  console.log(`sentinels (app proxies): ${topology.sentinelAppAddresses.map((a) => `${a.host}:${a.port}`).join(', ')}; credentials: ${topology.credentialsFile}`);
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
