import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, startServerProcess, tailOfFile, stopProcess } from './processControl.js';

export class PortInUseError extends Error {}

export class ServerStartError extends Error {
  constructor(what: string, reason: string, logFile: string, logTail: string) {
    super(`${what} did not start: ${reason}; last lines of ${logFile}:\n${logTail}`);
    this.name = 'ServerStartError';
  }
}

import type { ConnectionOptions } from 'node:tls';

/** Credentials of a harness connection, and TLS options when the topology runs TLS. */
export interface ServerAuth {
  username: string;
  password: string;
  tls?: ConnectionOptions;
}

export interface RedisLikeStart {
  what: string;
  binary: string;
  args: readonly string[];
  cwd: string;
  logFile: string;
  port: number;
  auth: ServerAuth;
  timeoutMs?: number;
  /** Called as soon as the pid is known, before readiness, so a crash of the harness leaves a record. */
  onSpawn: (pid: number) => Promise<void>;
}

/** Opens a direct (proxy-less) connection, as every control connection of the harness does. */
export function directClient(port: number, auth: ServerAuth, name: string): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    username: auth.username,
    password: auth.password,
    tls: auth.tls,
    connectionName: name,
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 3000,
    maxRetriesPerRequest: 1,
    enableReadyCheck: false,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  // Control connections see nodes die on purpose; errors surface on the commands that need them.
  client.on('error', () => undefined);
  return client;
}

/** PING with a fresh connection; true when the server answers PONG to our credentials. */
export async function pingOnce(port: number, auth: ServerAuth): Promise<boolean> {
  return (await tryPing(port, auth)) === null;
}

/** PING with a fresh connection: null when the server answers PONG, else the error (e.g. WRONGPASS ...). */
export async function tryPing(port: number, auth: ServerAuth): Promise<string | null> {
  const client = new Redis({
    host: '127.0.0.1', port, username: auth.username, password: auth.password, tls: auth.tls,
    lazyConnect: true, connectTimeout: 500, commandTimeout: 1000, maxRetriesPerRequest: 0, enableReadyCheck: false,
    retryStrategy: () => null,
  });
  // An AUTH refusal arrives as an 'error' event; the command itself then only sees a closed connection.
  let refusal: string | null = null;
  client.on('error', (e: Error) => (refusal ??= e.message));
  try {
    await client.connect();
    const pong = await client.ping();
    return pong === 'PONG' ? null : `unexpected PING reply ${pong}`;
  } catch (e) {
    return refusal ?? (e as Error).message;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts redis-server or redis-sentinel and waits until it answers PING. If it exits because its
 * port was taken after we chose it, throws PortInUseError so the caller can retry with another.
 */
export async function startRedisLike(spec: RedisLikeStart): Promise<number> {
  const pid = startServerProcess(spec.binary, spec.args, { cwd: spec.cwd, logFile: spec.logFile });
  await spec.onSpawn(pid);
  const deadline = Date.now() + (spec.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      const tail = await tailOfFile(spec.logFile);
      if (/Address already in use/i.test(tail)) throw new PortInUseError(`${spec.what}: port ${spec.port} was taken`);
      throw new ServerStartError(spec.what, 'the process exited', spec.logFile, tail);
    }
    if (await pingOnce(spec.port, spec.auth)) return pid;
    await sleep(50);
  }
  await stopProcess(pid);
  throw new ServerStartError(spec.what, `no answer on port ${spec.port} within ${spec.timeoutMs ?? 15_000} ms`, spec.logFile, await tailOfFile(spec.logFile));
}
