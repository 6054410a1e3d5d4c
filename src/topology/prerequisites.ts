import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join, delimiter } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import { projectRoot } from './gauntletHome.js';

const run = promisify(execFile);
export const toxiproxyVersion = '2.12.0';
const setupHint = 'run `npm run setup` (or `bash scripts/setup.sh`)';

export interface Binaries {
  redisServer: string;
  redisSentinel: string;
  toxiproxyServer: string;
  redisVersion: string;
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await executable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

/** Parses `redis-server --version` output ("Redis server v=7.0.15 sha=..."). */
export function parseRedisVersion(output: string): string | undefined {
  return /\bv=(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

export function isSupportedRedis(version: string): boolean {
  const major = Number(version.split('.')[0]);
  return Number.isInteger(major) && major >= 7;
}

let cached: Binaries | undefined;

/** Finds the server binaries, or says in one line which is missing and how to get it. */
export async function findBinaries(): Promise<Binaries> {
  if (cached) return cached;
  const redisServer = process.env.GAUNTLET_REDIS_SERVER ?? (await onPath('redis-server'));
  if (!redisServer || !(await executable(redisServer))) throw new UserError(`redis-server not found (looked on PATH and in GAUNTLET_REDIS_SERVER); ${setupHint} to install Debian's redis-server`);
  const redisSentinel = process.env.GAUNTLET_REDIS_SENTINEL ?? (await onPath('redis-sentinel'));
  if (!redisSentinel || !(await executable(redisSentinel))) throw new UserError(`redis-sentinel not found (looked on PATH and in GAUNTLET_REDIS_SENTINEL); ${setupHint} to install Debian's redis-sentinel`);
  const toxiproxyServer = process.env.GAUNTLET_TOXIPROXY_SERVER ?? join(projectRoot, '.tools', `toxiproxy-${toxiproxyVersion}`, 'server');
  if (!(await executable(toxiproxyServer))) {
    throw new UserError(`Toxiproxy ${toxiproxyVersion} not found at ${toxiproxyServer}; ${setupHint} to build it`);
  }
  const { stdout } = await run(redisServer, ['--version']);
  const redisVersion = parseRedisVersion(stdout);
  if (!redisVersion) throw new UserError(`could not read the version of ${redisServer} (it printed: ${stdout.trim()})`);
  if (!isSupportedRedis(redisVersion)) {
    throw new UserError(`${redisServer} is Redis ${redisVersion}; gauntlet needs Redis 7.0 or newer`);
  }
  cached = { redisServer, redisSentinel, toxiproxyServer, redisVersion };
  return cached;
}
