import { Command, InvalidArgumentError } from 'commander';
import { UserError } from '../errors.js';
import { readExternalAccess } from '../target/resolveTarget.js';
import { targetKind, type InlineTarget, type TargetRef } from '../target/targetRef.js';

/**
 * A target on the command line instead of a file, for quick use: the flags build the same spec
 * a target file holds, and the same schema validates it (src/target/externalTargetFile.ts).
 */
export interface TargetFlags {
  target?: string;
  sentinel: Array<{ host: string; port: number }>;
  masterName?: string;
  endpoint?: { host: string; port: number };
  user?: string;
  passwordEnv?: string;
  tokenEnv?: string;
  sentinelPasswordEnv?: string;
  cacert?: string;
}

function hostPort(flag: string) {
  return (value: string): { host: string; port: number } => {
    const m = /^(.+):(\d{1,5})$/.exec(value);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65535) throw new InvalidArgumentError(`${flag} must be host:port, got "${value}"`);
    return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  };
}

/** `--target` and the inline target flags, as `run` and `audit` take them. */
export function withTargetFlags(command: Command, targetHelp: string): Command {
  const sentinel = hostPort('--sentinel');
  return command
    .option('--target <file|detached[:id]>', targetHelp)
    .option('--sentinel <host:port>', 'a sentinel of an external target, instead of a target file (repeat for each)', (v: string, all: TargetFlags['sentinel']) => [...all, sentinel(v)], [])
    .option('--master-name <name>', 'with --sentinel: the master name the sentinels monitor')
    .option('--endpoint <host:port>', 'a plain endpoint (ElastiCache / MemoryDB primary endpoint, a standalone primary), instead of a target file', hostPort('--endpoint'))
    .option('--user <name>', 'with --sentinel/--endpoint: the app ACL user')
    .option('--password-env <var>', 'with --sentinel/--endpoint: the environment variable holding the app user\'s password')
    .option('--token-env <var>', 'with --sentinel/--endpoint: the environment variable holding an IAM auth token, sent as the password')
    .option('--sentinel-password-env <var>', 'with --sentinel: the environment variable holding the sentinels\' password (user: --user); without it sentinels get no credentials')
    .option('--cacert <file>', 'with --sentinel/--endpoint: TLS, trusting this CA');
}

/** Spec field -> the flag that sets it, so a mistake found in the spec names the flag. */
const flagOf: Record<string, string> = {
  sentinels: '--sentinel',
  masterName: '--master-name',
  endpoint: '--endpoint',
  username: '--user',
  passwordEnv: '--password-env',
  tokenEnv: '--token-env',
  sentinelPasswordEnv: '--sentinel-password-env',
  'tls.caFile': '--cacert',
};

/**
 * The target the flags name: `--target` as given, or a spec built from the inline flags. Each
 * combination that cannot mean anything is refused in one line (exit 3) before anything starts.
 */
export function targetFromFlags(f: TargetFlags): TargetRef | undefined {
  const given = (
    [
      ['--sentinel', f.sentinel.length > 0],
      ['--master-name', f.masterName],
      ['--endpoint', f.endpoint],
      ['--user', f.user],
      ['--password-env', f.passwordEnv],
      ['--token-env', f.tokenEnv],
      ['--sentinel-password-env', f.sentinelPasswordEnv],
      ['--cacert', f.cacert],
    ] as const
  )
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([flag]) => flag);
  if (given.length === 0) return f.target;
  const list = given.join(', ');
  if (f.target !== undefined) throw new UserError(`--target ${f.target} and ${list} both name a target: give a target file (or detached) with --target, or the target flags, not both`);
  if (f.endpoint && f.sentinel.length > 0) throw new UserError('--endpoint and --sentinel are two forms of target: a plain endpoint, or sentinels with --master-name; give one');
  if (f.endpoint && f.masterName !== undefined) throw new UserError('--master-name names the master sentinels monitor; a plain --endpoint has no sentinels (drop --master-name)');
  if (f.endpoint && f.sentinelPasswordEnv !== undefined) throw new UserError('--sentinel-password-env is the sentinels\' password; a plain --endpoint has no sentinels');
  if (!f.endpoint && f.sentinel.length === 0) throw new UserError(`${list} ${given.length === 1 ? 'describes' : 'describe'} an external target: add --sentinel host:port with --master-name, or --endpoint host:port`);
  if (f.sentinel.length > 0 && f.masterName === undefined) throw new UserError('--sentinel needs --master-name: the name the sentinels monitor the master under');
  if (f.user === undefined) throw new UserError(`${f.endpoint ? '--endpoint' : '--sentinel'} needs --user: the app's ACL user`);
  if (f.passwordEnv !== undefined && f.tokenEnv !== undefined) throw new UserError('--password-env and --token-env both give the app user\'s secret: give one');
  if (f.passwordEnv === undefined && f.tokenEnv === undefined) throw new UserError(`${f.endpoint ? '--endpoint' : '--sentinel'} needs --password-env VAR (or --token-env VAR): the environment variable that holds the app user's secret`);
  const spec: Record<string, unknown> = {
    ...(f.endpoint ? { endpoint: f.endpoint } : { sentinels: f.sentinel, masterName: f.masterName }),
    username: f.user,
    ...(f.passwordEnv !== undefined ? { passwordEnv: f.passwordEnv } : { tokenEnv: f.tokenEnv }),
    ...(f.sentinelPasswordEnv !== undefined ? { sentinelPasswordEnv: f.sentinelPasswordEnv } : {}),
    ...(f.cacert !== undefined ? { tls: { caFile: f.cacert } } : {}),
  };
  const inline: InlineTarget = { kind: 'inline', spec, flags: flagOf };
  return inline;
}

/**
 * The flags' target, an external one's file, variables and CA read now: a mistake in them is said
 * before anything loads or starts.
 */
export async function checkedTarget(f: TargetFlags): Promise<TargetRef | undefined> {
  const target = targetFromFlags(f);
  if (target !== undefined && targetKind(target) === 'external') await readExternalAccess(target);
  return target;
}
