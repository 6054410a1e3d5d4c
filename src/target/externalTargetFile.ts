import { readFile } from 'node:fs/promises';
import { resolve, dirname } from 'node:path';
import type { RedisOptions } from 'ioredis';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { firstIssue } from '../inputValidation.js';

/**
 * A deployment gauntlet did not start, described in a JSON file (or by `--sentinel`/`--endpoint`
 * flags, which build the same spec). Three forms: through Sentinel (`sentinels`, `masterName`),
 * one plain endpoint (`endpoint`: ElastiCache / MemoryDB primary endpoint, a standalone primary),
 * or a Redis Cluster (`clusterNodes`: seed nodes, e.g. ElastiCache's configuration endpoint with
 * cluster mode enabled).
 * Secrets never live in the file: it names the environment variables that hold them.
 */
const address = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();
const tlsFields = {
  /** Without it, the system's trusted CAs (a managed service's public CA). */
  caFile: z.string().min(1).optional(),
  servername: z.string().optional(),
};
const appUser = {
  username: z.string().min(1),
  passwordEnv: z.string().min(1).optional(),
  /** An IAM-style auth token (ElastiCache / MemoryDB IAM authentication), sent as the password. */
  tokenEnv: z.string().min(1).optional(),
  allowDestructive: z.boolean().default(false),
  /** A user that may read INFO and CONFIG (the reference `monitoring` user): memory and server figures, the audit's configuration checks. */
  audit: z.object({ username: z.string().min(1), passwordEnv: z.string().min(1) }).strict().optional(),
};
const oneSecret = (t: { passwordEnv?: string; tokenEnv?: string }): boolean => (t.passwordEnv === undefined) !== (t.tokenEnv === undefined);
const oneSecretIssue = { message: 'give passwordEnv or tokenEnv (exactly one)', path: ['passwordEnv'] };

export const sentinelTargetSchema = z
  .object({
    sentinels: z.array(address).min(1),
    masterName: z.string().min(1),
    ...appUser,
    /** Credentials for the sentinels, only when named: sentinels without auth get none. */
    sentinelUsername: z.string().min(1).optional(),
    sentinelPasswordEnv: z.string().min(1).optional(),
    tls: z.object({ ...tlsFields, sentinels: z.boolean().default(true) }).strict().optional(),
    natMap: z.record(z.string(), address).optional(),
  })
  .strict()
  .refine(oneSecret, oneSecretIssue);
export const endpointTargetSchema = z
  .object({ endpoint: address, ...appUser, tls: z.object(tlsFields).strict().optional() })
  .strict()
  .refine(oneSecret, oneSecretIssue);
export const clusterTargetSchema = z
  .object({
    /** Where the app's Cluster clients start: any nodes of the cluster (or its configuration endpoint); the rest is learnt from CLUSTER SLOTS. */
    clusterNodes: z.array(address).min(1),
    ...appUser,
    tls: z.object(tlsFields).strict().optional(),
    /** Announced address (host:port) -> the address the app reaches that node at. */
    natMap: z.record(z.string(), address).optional(),
  })
  .strict()
  .refine(oneSecret, oneSecretIssue);
export const externalTargetSchema = z.union([sentinelTargetSchema, endpointTargetSchema, clusterTargetSchema]);
export type SentinelTargetSpec = z.output<typeof sentinelTargetSchema>;
export type EndpointTargetSpec = z.output<typeof endpointTargetSchema>;
export type ClusterTargetSpec = z.output<typeof clusterTargetSchema>;
export type ExternalTargetSpec = SentinelTargetSpec | EndpointTargetSpec | ClusterTargetSpec;

export function isEndpointSpec(s: ExternalTargetSpec): s is EndpointTargetSpec {
  return 'endpoint' in s;
}

export function isClusterSpec(s: ExternalTargetSpec): s is ClusterTargetSpec {
  return 'clusterNodes' in s;
}

/** Where a spec came from, for messages and relative paths: a file, or the command line's flags. */
export interface SpecSource {
  /** "target file staging.json" or "target flags". */
  label: string;
  baseDir: string;
  /** How a field is named to the person: `staging.json: passwordEnv` or `--password-env`. */
  field(name: string): string;
}

export function fileSource(file: string): SpecSource {
  return { label: `target file ${file}`, baseDir: dirname(file), field: (name) => `${file}: ${name}` };
}

export interface Credential {
  username: string;
  password: string;
}

/** A target spec with its secrets and CA read: everything needed to reach the deployment. */
export interface ExternalAccess {
  /** Where it came from ("target file staging.json", "target flags"). */
  source: string;
  spec: ExternalTargetSpec;
  app: Credential;
  /** Sentinel credentials exactly as the spec names them (none when it names none). */
  sentinelAuth: { username: string | undefined; password: string | undefined };
  tls: RedisOptions['tls'];
  /** The audit user's credentials (field `audit`), when given. */
  auditAuth: Credential | null;
}

function env(name: string, field: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new UserError(`${field} names environment variable ${name}, which is not set`);
  return v;
}

/** Validates a spec (file contents or flags) and reads what it points to; one line on any mistake. */
export async function readTargetSpec(raw: unknown, from: SpecSource): Promise<ExternalAccess> {
  const r = raw as Record<string, unknown> | null;
  const has = (k: string): boolean => r !== null && typeof r === 'object' && k in r;
  const forms = [has('sentinels') || has('masterName'), has('endpoint'), has('clusterNodes')].filter(Boolean).length;
  if (forms > 1) throw new UserError(`${from.label}: give one of sentinels with masterName, endpoint, or clusterNodes`);
  const parsed = (has('endpoint') ? endpointTargetSchema : has('clusterNodes') ? clusterTargetSchema : sentinelTargetSchema).safeParse(raw);
  if (!parsed.success) throw new UserError(`${from.label}: ${firstIssue(parsed.error)}`);
  const t: ExternalTargetSpec = parsed.data;
  const password = t.tokenEnv ? env(t.tokenEnv, from.field('tokenEnv')) : env(t.passwordEnv!, from.field('passwordEnv'));
  let sentinelAuth: ExternalAccess['sentinelAuth'] = { username: undefined, password: undefined };
  if (!isEndpointSpec(t) && !isClusterSpec(t)) {
    const sentinelPassword = t.sentinelPasswordEnv ? env(t.sentinelPasswordEnv, from.field('sentinelPasswordEnv')) : undefined;
    // A sentinel password without a sentinel user name logs in as the app user, as ioredis would.
    sentinelAuth = { username: t.sentinelUsername ?? (sentinelPassword ? t.username : undefined), password: sentinelPassword };
  }
  let tls: RedisOptions['tls'];
  if (t.tls) {
    const caPath = t.tls.caFile ? resolve(from.baseDir, t.tls.caFile) : null;
    const ca = caPath
      ? await readFile(caPath).catch(() => {
          throw new UserError(`${from.field('tls.caFile')} ${caPath} cannot be read`);
        })
      : undefined;
    tls = { ...(ca ? { ca } : {}), servername: t.tls.servername };
  }
  const auditAuth = t.audit ? { username: t.audit.username, password: env(t.audit.passwordEnv, from.field('audit.passwordEnv')) } : null;
  return { source: from.label, spec: t, app: { username: t.username, password }, sentinelAuth, tls, auditAuth };
}

export async function readExternalTargetFile(file: string): Promise<ExternalAccess> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`target file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  return readTargetSpec(raw, fileSource(file));
}
