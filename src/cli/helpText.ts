import { ExitCode } from '../errors.js';

/**
 * What `--help` shows after each command's options: examples, the exit codes that command can
 * return, and the environment variables it reads. Plain text, so the README's tables and this
 * can be compared line by line.
 */
export interface CommandHelp {
  examples: string[];
  /** The codes this command returns, with what they mean for it (the generic meaning when omitted). */
  exitCodes: Array<[number, string?]>;
  environment?: Array<[string, string]>;
}

const genericExit: Record<number, string> = {
  [ExitCode.pass]: 'success',
  [ExitCode.thresholdFailed]: 'failed',
  [ExitCode.invalidRun]: 'invalid: the harness could not measure (the generator fell behind, a latency breach was its own stalls, or the run was stopped early)',
  [ExitCode.usage]: 'usage or set-up error: bad flag or flag combination, broken scenario or target file, unset environment variable, missing binary',
  [ExitCode.target]: 'target error: unreachable, wrong credentials, unknown master name, TLS mismatch, endpoint not a primary',
  [ExitCode.bug]: 'internal error (a bug: a stack trace is printed)',
};

/** Read by every command that starts or finds embedded topologies. */
export const topologyEnvironment: Array<[string, string]> = [
  ['GAUNTLET_HOME', 'where embedded topologies live (default .gauntlet/ in the repository)'],
  ['GAUNTLET_REDIS_SERVER, GAUNTLET_REDIS_SENTINEL', 'redis-server / redis-sentinel binaries (default: from PATH)'],
  ['GAUNTLET_TOXIPROXY_SERVER', 'toxiproxy-server binary (default: .tools/, built by scripts/setup.sh)'],
];

/** Read by the backup commands that connect to a node (BGSAVE as the backup ACL user). */
export const backupEnvironment: Array<[string, string]> = [['GAUNTLET_BACKUP_PASSWORD', 'password of the backup ACL user (never a flag); needed by `backup snapshot` and `backup archive --snapshot-every`']];

/** Read for an external target: the variables the target file (or the flags) name. */
export const targetEnvironment: Array<[string, string]> = [
  ['(named by passwordEnv / --password-env)', "the app user's password"],
  ['(named by tokenEnv / --token-env)', 'an IAM auth token, sent as the password (read once at start: a run outliving the token cannot reconnect)'],
  ['(named by sentinelPasswordEnv / --sentinel-password-env)', "the sentinels' password; none named, none sent"],
  ['(named by audit.passwordEnv)', 'the audit user (reads INFO/CONFIG): memory and server figures, configuration audit'],
];

export function helpAfter(h: CommandHelp): string {
  const lines = ['', 'Examples:', ...h.examples.map((e) => `  ${e}`), '', 'Exit codes:', ...h.exitCodes.map(([code, what]) => `  ${String(code).padEnd(3)} ${what ?? genericExit[code]}`)];
  if (h.environment?.length) {
    const width = Math.max(...h.environment.map(([name]) => name.length));
    lines.push('', 'Environment:', ...h.environment.map(([name, what]) => `  ${name.padEnd(width)}  ${what}`));
  }
  return `${lines.join('\n')}\n`;
}
