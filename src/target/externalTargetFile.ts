import { readFile } from 'node:fs/promises';
import { resolve, dirname } from 'node:path';
import type { RedisOptions } from 'ioredis';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { firstIssue } from '../inputValidation.js';
import type { Target } from './target.js';

/**
 * A staging deployment described in a JSON file. Secrets never live in the file: it names the
 * environment variables that hold them.
 */
const address = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();
export const externalTargetSchema = z
  .object({
    sentinels: z.array(address).min(1),
    masterName: z.string().min(1),
    username: z.string().min(1),
    passwordEnv: z.string().min(1),
    sentinelUsername: z.string().min(1).optional(),
    sentinelPasswordEnv: z.string().min(1).optional(),
    tls: z.object({ caFile: z.string().min(1), servername: z.string().optional(), sentinels: z.boolean().default(true) }).strict().optional(),
    natMap: z.record(z.string(), address).optional(),
    allowDestructive: z.boolean().default(false),
    /** For `gauntlet audit`: a user that may read CONFIG (the reference `monitoring` user). */
    audit: z.object({ username: z.string().min(1), passwordEnv: z.string().min(1) }).strict().optional(),
  })
  .strict();
export type ExternalTargetFile = z.infer<typeof externalTargetSchema>;

function env(name: string, file: string, field: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new UserError(`${file}: ${field} names environment variable ${name}, which is not set`);
  return v;
}

/** A target file with its secrets and CA read: everything needed to reach the deployment. */
export interface ExternalAccess {
  file: string;
  spec: ExternalTargetFile;
  password: string;
  sentinelPassword: string | undefined;
  tls: RedisOptions['tls'];
  /** The audit user's credentials (file field `audit`), when given. */
  auditAuth: { username: string; password: string } | null;
}

export async function readExternalTargetFile(file: string, purpose: 'load' | 'audit' = 'load'): Promise<ExternalAccess> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`target file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  const parsed = externalTargetSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(`target file ${file}: ${firstIssue(parsed.error)}`);
  }
  const t = parsed.data;
  const password = env(t.passwordEnv, file, 'passwordEnv');
  const sentinelPassword = t.sentinelPasswordEnv ? env(t.sentinelPasswordEnv, file, 'sentinelPasswordEnv') : undefined;
  let tls: RedisOptions['tls'];
  if (t.tls) {
    const caPath = resolve(dirname(file), t.tls.caFile);
    const ca = await readFile(caPath).catch(() => {
      throw new UserError(`target file ${file}: tls.caFile ${caPath} cannot be read`);
    });
    tls = { ca, servername: t.tls.servername };
  }
  // Only `gauntlet audit` needs the audit user; a load run must not require its secret.
  const auditAuth = t.audit && purpose === 'audit' ? { username: t.audit.username, password: env(t.audit.passwordEnv, file, 'audit.passwordEnv') } : null;
  return { file, spec: t, password, sentinelPassword, tls, auditAuth };
}

export async function loadExternalTarget(file: string, allowDestructiveFlag: boolean): Promise<Target> {
  const { spec: t, password, sentinelPassword, tls } = await readExternalTargetFile(file);
  const options: RedisOptions = {
    sentinels: t.sentinels,
    name: t.masterName,
    username: t.username,
    password,
    sentinelUsername: t.sentinelUsername ?? (sentinelPassword ? t.username : undefined),
    sentinelPassword,
    natMap: t.natMap,
    tls,
    enableTLSForSentinelMode: Boolean(t.tls),
    sentinelTLS: t.tls?.sentinels ? tls : undefined,
    updateSentinels: false,
  };
  return {
    kind: 'external',
    topology: null,
    allowDestructive: t.allowDestructive && allowDestructiveFlag,
    clientOptions: () => ({ ...options }),
    sentinelEndpoints: () => t.sentinels.map((s) => ({ name: `${s.host}:${s.port}`, options: { host: s.host, port: s.port, username: options.sentinelUsername, password: sentinelPassword, tls: t.tls?.sentinels ? tls : undefined } })),
    describe: () => ({
      kind: 'external',
      masterName: t.masterName,
      sentinels: t.sentinels.map((s) => `${s.host}:${s.port}`),
      topologyId: null,
      tls: Boolean(t.tls),
      settings: null,
    }),
    close: async () => undefined,
  };
}
