import { renderComposeFile } from './configTemplate.js';
import type { Credentials } from './credentials.js';
import type { TlsFiles } from './tlsCertificates.js';

/**
 * Every configuration file gauntlet writes for a server, rendered from the reference templates
 * in compose/ (one source with the compose deployment): node config, ACL file, sentinel config
 * and the TLS block. The embedded topology, restarts and the drills' restored nodes use these.
 */

export interface NodeConfig {
  bind: string;
  port: number;
  dataDir: string;
  logFile: string;
  /** The address the node announces (its peer proxy in the embedded topology). */
  announce: { host: string; port: number };
  aclFile: string;
  maxmemory: string;
  minReplicasToWrite: number;
  minReplicasMaxLagS: number;
}

export async function renderNodeConfig(c: NodeConfig, credentials: Credentials, tls: TlsBlock | null): Promise<string> {
  const conf = await renderComposeFile('redis.conf.tmpl', {
    BIND: c.bind,
    PORT: c.port,
    DATA_DIR: c.dataDir,
    LOG_FILE: c.logFile,
    ANNOUNCE_IP: c.announce.host,
    ANNOUNCE_PORT: c.announce.port,
    REPLICATION_PASSWORD: credentials.replicator.password,
    ACL_FILE: c.aclFile,
    MAXMEMORY: c.maxmemory,
    MIN_REPLICAS_TO_WRITE: c.minReplicasToWrite,
    MIN_REPLICAS_MAX_LAG: c.minReplicasMaxLagS,
  });
  return conf + (tls ? `\n${await renderTlsBlock(tls, c.port)}` : '');
}

export async function renderAclFile(credentials: Credentials): Promise<string> {
  return renderComposeFile('users.acl.tmpl', {
    ADMIN_PASSWORD: credentials.admin.password,
    REPLICATION_PASSWORD: credentials.replicator.password,
    SENTINEL_PASSWORD: credentials.sentinel.password,
    MONITORING_PASSWORD: credentials.monitoring.password,
    APP_PASSWORD: credentials.app.password,
    BACKUP_PASSWORD: credentials.backup.password,
  });
}

export interface SentinelConfig {
  bind: string;
  port: number;
  dir: string;
  logFile: string;
  masterName: string;
  /** The master's announced address, as sentinels reach it. */
  master: { host: string; port: number };
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
}

export async function renderSentinelConfig(c: SentinelConfig, credentials: Credentials, tls: TlsBlock | null): Promise<string> {
  const conf = await renderComposeFile('sentinel.conf.tmpl', {
    BIND: c.bind,
    PORT: c.port,
    DATA_DIR: c.dir,
    LOG_FILE: c.logFile,
    MASTER_NAME: c.masterName,
    MASTER_IP: c.master.host,
    MASTER_PORT: c.master.port,
    // Our nodes announce addresses, never names (the compose deployment resolves names).
    RESOLVE_HOSTNAMES: 'no',
    QUORUM: c.quorum,
    SENTINEL_PASSWORD: credentials.sentinel.password,
    DOWN_AFTER_MS: c.downAfterMs,
    FAILOVER_TIMEOUT_MS: c.failoverTimeoutMs,
    SENTINEL_PEER_PASSWORD: credentials['sentinel-peer'].password,
    ADMIN_PASSWORD: credentials.admin.password,
    APP_PASSWORD: credentials.app.password,
    MONITORING_PASSWORD: credentials.monitoring.password,
  });
  return conf + (tls ? `\n${await renderTlsBlock(tls, c.port)}` : '');
}

/** The cluster block of a node (compose/cluster.conf.tmpl), and its TLS lines when the node runs TLS. */
export interface ClusterNodeConfig {
  nodeTimeoutMs: number;
  /** The node's own cluster bus port. */
  busPort: number;
  /** What it announces: its peer proxy (clients, replicas) and its bus proxy (the cluster bus). */
  announce: { host: string; port: number };
  announceBusPort: number;
  /** The loopback address its outgoing connections (bus, replication) come from, by which the bus gates know it. */
  sourceAddress: string;
}

/** Appended after the node config (and after the TLS block, whose `port 0` the TLS lines here build on). */
export async function renderClusterBlock(c: ClusterNodeConfig, tls: boolean): Promise<string> {
  const block = await renderComposeFile('cluster.conf.tmpl', {
    NODE_TIMEOUT_MS: c.nodeTimeoutMs,
    BUS_PORT: c.busPort,
    ANNOUNCE_IP: c.announce.host,
    ANNOUNCE_PORT: c.announce.port,
    ANNOUNCE_BUS_PORT: c.announceBusPort,
    SOURCE_ADDR: c.sourceAddress,
  });
  return block + (tls ? `\n${await renderComposeFile('cluster-tls.conf.tmpl', { ANNOUNCE_PORT: c.announce.port })}` : '');
}

/** TLS for a server: the topology's certificate files, and whether clients must present one. */
export interface TlsBlock {
  files: TlsFiles;
  clientAuth: 'yes' | 'optional';
}

/** compose/tls.conf.tmpl, appended after the main config so its `port 0` wins. */
export async function renderTlsBlock(tls: TlsBlock, port: number): Promise<string> {
  return renderComposeFile('tls.conf.tmpl', { PORT: port, TLS_CERT: tls.files.cert, TLS_KEY: tls.files.key, TLS_CA: tls.files.ca, TLS_AUTH_CLIENTS: tls.clientAuth });
}

export function tlsBlockOf(files: TlsFiles | undefined, clientAuth?: 'yes' | 'optional'): TlsBlock | null {
  return files ? { files, clientAuth: clientAuth ?? (files.mutual ? 'yes' : 'optional') } : null;
}
