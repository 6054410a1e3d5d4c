import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

/** The ACL users of the reference deployment (compose/users.acl.tmpl, compose/sentinel.conf.tmpl). */
export const aclUsers = ['admin', 'app', 'replicator', 'sentinel', 'sentinel-peer', 'monitoring', 'backup'] as const;
export type AclUser = (typeof aclUsers)[number];

export type Credentials = Readonly<Record<AclUser, { username: string; password: string }>>;

/** Fresh random passwords per topology; nothing secret is ever fixed in the repository. */
export function generateCredentials(): Credentials {
  const entries = aclUsers.map((u) => [u, { username: u, password: randomBytes(18).toString('base64url') }] as const);
  return Object.fromEntries(entries) as Credentials;
}

/** Written 0600: the file is the one place a user (or `gauntlet status --json`) finds the passwords. */
export async function writeCredentials(file: string, credentials: Credentials): Promise<void> {
  await writeFile(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
}

export async function readCredentials(file: string): Promise<Credentials> {
  return JSON.parse(await readFile(file, 'utf8')) as Credentials;
}
