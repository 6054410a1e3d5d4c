import type { FaultCheck } from '../faults/fault.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AclUser } from '../../topology/credentials.js';
import type { RedisNodeHandle, SentinelHandle } from '../../topology/nodeHandles.js';
import { tryPing } from '../../topology/redisProcess.js';
import type { StartedTopology } from '../../topology/startedTopology.js';

/** A server that holds ACL users, where it keeps them, and the command that persists them. */
export interface AclServer {
  server: RedisNodeHandle | SentinelHandle;
  usersFile: string;
  persist: [string, ...string[]];
}

/**
 * The running servers that define `user`: nodes keep users in their ACL file, sentinels in their
 * own config. The app user exists on both; the replication and sentinel users only on nodes.
 */
export function aclServers(t: StartedTopology, onSentinelsToo: boolean): AclServer[] {
  return [
    ...t.nodes.filter((n) => n.isRunning()).map((n): AclServer => ({ server: n, usersFile: join(n.record.dataDir, 'users.acl'), persist: ['ACL', 'SAVE'] })),
    ...(onSentinelsToo ? t.sentinels.filter((s) => s.isRunning()).map((s): AclServer => ({ server: s, usersFile: s.record.configFile, persist: ['SENTINEL', 'FLUSHCONFIG'] })) : []),
  ];
}

/** `ACL SETUSER user rule` on every server, persisted on each. */
export async function setUserRule(servers: readonly AclServer[], user: AclUser, rule: string): Promise<void> {
  await Promise.all(
    servers.map(async (s) => {
      await s.server.control().call('ACL', 'SETUSER', user, rule);
      await s.server.control().call(...s.persist);
    }),
  );
}

const sha256 = (p: string): string => createHash('sha256').update(p).digest('hex');

/** A rotation's checks on every server: the old password refused, the new one accepted, only the new hash stored. */
export async function passwordGates(t: StartedTopology, servers: readonly AclServer[], user: AclUser, old: string, next: string): Promise<FaultCheck[]> {
  const tls = t.adminAuth.tls;
  const rows = await Promise.all(
    servers.map(async (s) => {
      const oldReply = await tryPing(s.server.controlPort, { username: user, password: old, tls });
      const newReply = await tryPing(s.server.controlPort, { username: user, password: next, tls });
      const stored = await readFile(s.usersFile, 'utf8');
      return { name: s.server.name, oldRefused: oldReply !== null && /WRONGPASS/.test(oldReply), newAccepted: newReply === null, persisted: stored.includes(sha256(next)) && !stored.includes(sha256(old)), newReply };
    }),
  );
  const failing = (pick: (r: (typeof rows)[number]) => boolean): string => rows.filter((r) => !pick(r)).map((r) => r.name).join(', ');
  const where = servers.some((s) => s.persist[0] === 'SENTINEL') ? 'ACL file, sentinel config' : 'ACL file';
  return [
    { name: `old ${user} password refused (WRONGPASS) on every server`, limit: `${rows.length} servers`, actual: failing((r) => r.oldRefused) ? `still accepted or other error on ${failing((r) => r.oldRefused)}` : `refused on ${rows.length}`, pass: rows.every((r) => r.oldRefused) },
    { name: `new ${user} password accepted on every server`, limit: `${rows.length} servers`, actual: failing((r) => r.newAccepted) ? `refused on ${failing((r) => r.newAccepted)}: ${rows.find((r) => !r.newAccepted)?.newReply}` : `accepted on ${rows.length}`, pass: rows.every((r) => r.newAccepted) },
    { name: `rotation persisted (${where}): new hash only`, limit: `${rows.length} servers`, actual: failing((r) => r.persisted) ? `not persisted on ${failing((r) => r.persisted)}` : `persisted on ${rows.length}`, pass: rows.every((r) => r.persisted) },
  ];
}
