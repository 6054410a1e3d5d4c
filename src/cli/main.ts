import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import { referenceClusterSettings } from '../topology/embeddedCluster.js';
import { referenceSettings } from '../topology/embeddedTopology.js';
import { up, type UpOptions } from './commands/up.js';
import { status } from './commands/status.js';
import { down } from './commands/down.js';
import { run, type RunOptions } from './commands/run.js';
import { merge, type MergeOptions } from './commands/merge.js';
import { parseDurationMs } from '../inputValidation.js';
import { compare } from './commands/compare.js';
import { report } from './commands/report.js';
import { audit, type AuditOptions } from './commands/audit.js';
import { cli } from './commands/cli.js';
import { exportK6, type ExportK6Options } from './commands/export.js';
import { backupCommand } from './commands/backup.js';
import { history, type HistoryOptions } from './commands/history.js';
import { capacity, type CapacityOptions } from './commands/capacity.js';
import { defaultDriftRule } from '../history/driftRule.js';
import { experiments, scenarios } from './commands/catalog.js';
import { backupEnvironment, helpAfter, targetEnvironment, topologyEnvironment } from './helpText.js';
import { withTargetFlags } from './targetFlags.js';
import { gauntletVersion } from '../packageInfo.js';

/** Commander is used for parsing: subcommands, typed options, generated help, unknown-flag errors. */
function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number, got "${value}"`);
    return n;
  };
}

function nonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number, 0 or more, got "${value}"`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, 0 or more, got "${value}"`);
    return n;
  };
}

/** The options a person typed on the command line (not defaults): to refuse those that do not apply. */
function givenOptions(cmd: Command): Set<string> {
  return new Set(Object.keys(cmd.opts()).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
}

function numberAbove(name: string, floor: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= floor) throw new InvalidArgumentError(`${name} must be a number above ${floor}, got "${value}"`);
    return n;
  };
}
const positiveNumber = (name: string) => numberAbove(name, 0);

function durationOf(name: string) {
  return (value: string): number => {
    const n = /^\d+$/.test(value) ? Number(value) * 1000 : parseDurationMs(value);
    if (n === undefined || n <= 0) throw new InvalidArgumentError(`${name} must be a duration such as 60s or 5m, got "${value}"`);
    return n;
  };
}
const durationMs = durationOf('--duration');

/** The scenario and its overrides, as `run` and `export k6` take them. */
function withScenarioOptions(command: Command): Command {
  return command
    .option('--scenario <name|file>', 'shipped scenario name or a scenario file', 'steady-50k')
    .option('--sessions <n>', 'peak concurrent sessions (scales every stage)', positiveInt('--sessions'))
    .option('--rate <r>', 'logins per second for loginRate stages', positiveInt('--rate'))
    .option('--duration <d>', 'length of the main (longest) stage, e.g. 60s, 5m', durationMs);
}

/** `--cluster` (what it does for this command) and the shape of the cluster, as `up` and `run` take them. */
function withClusterFlags(command: Command, clusterHelp: string): Command {
  return command
    .option('--cluster', clusterHelp, false)
    .option('--shards <n>', `with --cluster: masters (default ${referenceClusterSettings.shards})`, positiveInt('--shards'))
    .option('--replicas-per-shard <n>', `with --cluster: replicas of each master (default ${referenceClusterSettings.replicasPerShard})`, nonNegativeInt('--replicas-per-shard'));
}

export function buildProgram(): Command {
  const program = new Command('gauntlet')
    .description('Load-testing and chaos-validation harness for Redis 7 + Sentinel session stores')
    .version(gauntletVersion, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run `gauntlet --help` for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      helpAfter({
        examples: [
          'gauntlet run --scenario smoke                       # embedded topology, 13 s',
          'gauntlet run --chaos kill-master                    # the acceptance run',
          'gauntlet run --target staging.json --json > s.json  # an external target; summary.json on stdout',
          'gauntlet scenarios; gauntlet experiments            # what ships',
          'gauntlet <command> --help                           # a command\'s options, examples and exit codes',
        ],
        exitCodes: [[0, 'pass'], [1, 'fail: a threshold (or an audit finding at --fail-on) failed'], [2], [3], [4], [70]],
        environment: [...topologyEnvironment, ...targetEnvironment, ...backupEnvironment, ['NO_COLOR', 'no colour in console output']],
      }),
    );

  withClusterFlags(
    program
      .command('up')
      .description('start the embedded topology (1 master, 2 replicas, 3 sentinels, toxiproxy) on 127.0.0.1, or with --cluster a Redis Cluster')
      .option('--detach', 'leave it running and return', false)
      .option('--master-name <name>', 'sentinel master name', referenceSettings.masterName)
      .option('--down-after-ms <ms>', 'sentinel down-after-milliseconds', positiveInt('--down-after-ms'), referenceSettings.downAfterMs)
      .option('--maxmemory <size>', 'maxmemory of each node, e.g. 1gb, 64mb', referenceSettings.maxmemory)
      .option('--tls', 'TLS on every client, replication, sentinel and cluster-bus link; plaintext ports off', false)
      .option('--mtls', 'like --tls, and clients must present a certificate', false),
    'a Redis Cluster (masters with replicas, each node behind app, peer and bus proxies) instead of Sentinel',
  )
    .option('--cluster-node-timeout <ms>', `with --cluster: cluster-node-timeout (default ${referenceClusterSettings.nodeTimeoutMs})`, positiveInt('--cluster-node-timeout'))
    .addHelpText('after', helpAfter({ examples: ['gauntlet up                 # hold it until Ctrl-C', 'gauntlet up --detach --tls  # leave it running, TLS on every link; then run --target detached', 'gauntlet up --cluster --shards 3 --replicas-per-shard 1 --detach'], exitCodes: [[0, 'started (and, without --detach, stopped on Ctrl-C)'], [3, 'usage or set-up error: bad flag, missing binary, Redis < 7.0'], [70]], environment: topologyEnvironment }))
    .action(async (o: Omit<UpOptions, 'given'>, cmd: Command) => {
      process.exitCode = await up({ ...o, given: givenOptions(cmd) });
    });

  program
    .command('status')
    .description('show running embedded topologies')
    .option('--json', 'machine-readable: endpoints, master name, nodes, proxies, credentials file', false)
    .option('--id <id>', 'only this topology')
    .addHelpText('after', helpAfter({ examples: ['gauntlet status', 'gauntlet status --json | jq -r \'.[0].credentialsFile\''], exitCodes: [[0], [3, 'no topology with that --id'], [70]], environment: topologyEnvironment.slice(0, 1) }))
    .action(async (o: { json: boolean; id?: string }) => {
      process.exitCode = await status(o);
    });

  program
    .command('down')
    .description('stop detached topologies and clean up those left by killed runs')
    .option('--id <id>', 'only this topology')
    .addOption(new Option('--all', 'also stop topologies owned by a running gauntlet').default(false))
    .addHelpText('after', helpAfter({ examples: ['gauntlet down', 'gauntlet down --id 20261129-1200-ab12'], exitCodes: [[0], [3], [70]], environment: topologyEnvironment.slice(0, 1) }))
    .action(async (o: { id?: string; all: boolean }) => {
      process.exitCode = await down(o);
    });

  withClusterFlags(
    withTargetFlags(
      withScenarioOptions(program.command('run').description('run a scenario against a target, gate on its thresholds and write reports/<run-id>/')),
      'external target file, or a topology from `gauntlet up --detach` (default: start an embedded one)',
    )
      .option('--out <dir>', 'where run directories go (with --shard: the shard\'s own directory, for its partial result)', 'reports')
      .option('--seed <n>', 'random seed of the schedule (same seed, same offered load)', positiveInt('--seed'), 42)
      .option('--chaos <name|file>', 'chaos experiment to run during the load: a name from chaos/ (kill-master, partition-master, planned-failover, ... see README) or a file')
      .option('--durable', 'durable-write mode: WAIT for a replica after each write, min-replicas-to-write 1 on the embedded topology', false)
      .option('--no-verify', 'skip the verification pass of acknowledged writes')
      .option('--allow-destructive', 'allow destructive actions against an external target (also needs allowDestructive in the target file)', false)
      .option('--quiet', 'no progress output', false)
      .option('--json', 'print summary.json on stdout for scripts; everything else goes to stderr', false)
      .option('--baseline <summary.json|auto>', 'compare with an earlier run; a regression beyond tolerance fails the run (exit 1). auto: the newest passing run of the same scenario, target kind and settings in --history')
      .option('--history <dir>', 'with --baseline auto: where earlier runs are, searched recursively for */summary.json (default: --out)')
      .option('--tls', 'start the embedded topology with TLS on every link', false)
      .option('--mtls', 'start the embedded topology with mutual TLS', false),
    'start an embedded Redis Cluster instead of the Sentinel topology (app clients become ioredis Cluster clients)',
  )
    .option('--monitoring', 'run exporters and Prometheus with compose/alert-rules.yml beside the topology; fired alerts go in the report', false)
    .addOption(new Option('--data-path <path>', 'how app traffic reaches our topology: auto (direct unless an experiment acts on the app links), direct, or proxied (through Toxiproxy, to add toxics by hand)').choices(['auto', 'direct', 'proxied']).default('auto'))
    .option('--metrics-port <port>', 'serve live Prometheus metrics on 127.0.0.1:<port>/metrics during the run', positiveInt('--metrics-port'))
    .option('--workers <n>', 'generate the load in N worker threads, each over its share of the schedule (at most one per core)', positiveInt('--workers'), 1)
    .option('--shard <I/N>', 'run shard I of N of the schedule (I from 0) against a shared target and write a partial result into --out, for `gauntlet merge`')
    .option('--start-at <time>', 'with --shard: when every shard starts its schedule (ISO 8601, e.g. 2030-01-01T12:00:00Z; at most 5 s in the past)')
    .addHelpText(
      'after',
      helpAfter({
        examples: [
          'gauntlet run --scenario smoke',
          'gauntlet run --scenario steady-50k --workers 2 --target detached   # the load in 2 threads, one summary',
          'gauntlet run --scenario steady-50k --chaos kill-master --durable',
          'gauntlet run --target detached --chaos partition-master --baseline reports/base/summary.json',
          'gauntlet run --cluster --shards 3 --scenario smoke --chaos kill-shard-master --durable',
          'gauntlet run --target staging.json --scenario smoke --json > summary.json',
          'SESSIONS_APP_PASSWORD=... gauntlet run --sentinel 10.0.0.5:26379 --sentinel 10.0.0.6:26379 --master-name sessions --user app --password-env SESSIONS_APP_PASSWORD --sentinel-password-env SESSIONS_APP_PASSWORD',
          'gauntlet run --endpoint master.sessions.abc123.euw1.cache.amazonaws.com:6379 --user app --token-env ELASTICACHE_TOKEN --cacert ca.pem',
          'gauntlet run --shard 0/2 --start-at 2030-01-01T12:00:00Z --target detached --out runs/a/shard-0   # then shard 1/2 elsewhere, then gauntlet merge',
        ],
        exitCodes: [[0, 'pass: every gate held (thresholds, chaos, failover, ledger, validity, regression); with --shard: the partial result was written'], [1, 'fail: a gate failed (the console and summary.json say which)'], [2], [3, 'usage or set-up error, and: --workers above the cores, --shard without --start-at, a start time in the past'], [4], [70]],
        environment: [...topologyEnvironment, ...targetEnvironment],
      }),
    )
    .action(async (o: RunOptions) => {
      process.exitCode = await run(o);
    });

  withTargetFlags(
    program
      .command('merge')
      .description('one run from the partial results of its shards (`run --shard I/N`): verify their acknowledged writes on the target, judge, write reports/<run-id>/')
      .argument('<dirs...>', 'the shards\' --out directories, one per shard'),
    'the target the shards ran against (its ledger is verified there): a target file or a topology from `gauntlet up --detach`',
  )
    .option('--out <dir>', 'where run directories go', 'reports')
    .option('--quiet', 'no progress output', false)
    .option('--json', 'print summary.json on stdout for scripts; everything else goes to stderr', false)
    .addHelpText(
      'after',
      helpAfter({
        examples: ['gauntlet merge runs/a/shard-0 runs/a/shard-1 --target detached', 'gauntlet merge /reports/run-7/shard-{0,1,2,3} --target /etc/gauntlet/target.json --out /reports/run-7/merged'],
        exitCodes: [[0, 'pass'], [1, 'fail: a gate failed'], [2, 'invalid: a shard\'s generator fell behind (the report names it), or a shard stopped early'], [3, 'usage: parts of different runs (seed, settings, shard count), a shard missing or given twice, an unreadable partial result'], [4], [70]],
        environment: targetEnvironment,
      }),
    )
    .action(async (dirs: string[], o: MergeOptions) => {
      process.exitCode = await merge(dirs, o);
    });

  withTargetFlags(
    program.command('capacity').description('sweep the offered rate step by step to the knee (p99, errors or throughput over budget) or the harness limit; capacity.json, a page and a sizing table in <out>/<run-id>/'),
    'external target file, or a topology from `gauntlet up --detach` (default: start an embedded one for the whole sweep)',
  )
    .option('--scenario <name|file>', 'shipped scenario name or a scenario file: its sessions, think time, mix and thresholds', 'steady-50k')
    .option('--workers <n>', 'generate each step\'s load in N worker threads, as `run --workers` (at most one per core)', positiveInt('--workers'), 1)
    .option('--from <rate>', 'first step, session operations per second (default: an eighth of the scenario\'s target rate)', positiveNumber('--from'))
    .option('--factor <x>', 'each rising step offers this many times the last (above 1)', numberAbove('--factor', 1), 1.25)
    .addOption(new Option('--step-duration <d>', 'hold of each step after its ramp, e.g. 30s (doubled, at most twice, until the p99 is stable)').argParser(durationOf('--step-duration')).default(30_000, '30s'))
    .option('--p99-precision <pct>', "the p99's 95 % confidence interval must lie within ± this % of it", positiveNumber('--p99-precision'), 5)
    .option('--max-steps <n>', 'at most this many steps, bisection included', positiveInt('--max-steps'), 30)
    .option('--sizing <file>', 'JSON: sessions to size for, headroom, and your instance sizes and prices (docs/capacity.md)')
    .addOption(new Option('--data-path <path>', 'how app traffic reaches our topology: auto (direct), direct, or proxied (through Toxiproxy, to add toxics by hand)').choices(['auto', 'direct', 'proxied']).default('auto'))
    .option('--seed <n>', 'random seed of each step\'s schedule', positiveInt('--seed'), 42)
    .option('--out <dir>', 'where the sweep\'s directory goes', 'reports')
    .option('--quiet', 'no progress notes (the step lines and the outcome still print)', false)
    .addHelpText(
      'after',
      helpAfter({
        examples: [
          'gauntlet capacity --scenario steady-50k --from 2000 --step-duration 20s',
          'gauntlet capacity --target detached --scenario smoke --from 200 --factor 1.5',
          'gauntlet capacity --target staging.json --sizing sizing.json',
        ],
        exitCodes: [[0, "the knee lies above the scenario's target rate (or no knee below it within --max-steps)"], [1, "the knee lies below the scenario's target rate"], [2, 'the harness was the limit (the generator fell behind: add workers or machines), the sweep was stopped, or --max-steps ran out below the target rate with no knee'], [3], [4], [70]],
        environment: [...topologyEnvironment, ...targetEnvironment],
      }),
    )
    .action(async (o: CapacityOptions) => {
      process.exitCode = await capacity(o);
    });

  program
    .command('compare')
    .description('regression table of a run against a baseline (p99 per operation, throughput, failover time, lost writes); exit 1 on a regression')
    .argument('<baseline>', 'baseline summary.json')
    .argument('<current>', 'current summary.json')
    .option('--json', 'print the rows as JSON', false)
    .addHelpText('after', helpAfter({ examples: ['gauntlet compare reports/base/summary.json reports/latest/summary.json'], exitCodes: [[0, 'no regression beyond tolerance'], [1, 'a regression beyond tolerance'], [3, 'a summary that cannot be read'], [70]] }))
    .action(async (b: string, c: string, o: { json: boolean }) => {
      process.exitCode = await compare(b, c, o.json);
    });

  withTargetFlags(
    program.command('audit').description('security probes and configuration audit of any target; exit 1 when a finding reaches --fail-on'),
    'a target file (sentinels or a plain endpoint), or a topology from `gauntlet up --detach` (default: start a reference embedded one)',
  )
    .option('--fail-on <severity>', 'low, medium, high or critical', 'medium')
    .option('--json', 'machine-readable findings', false)
    .addHelpText(
      'after',
      helpAfter({
        examples: [
          'gauntlet audit --target detached',
          'gauntlet audit --target staging.json --fail-on high --json',
          'gauntlet audit --endpoint 10.0.0.7:6379 --user app --password-env SESSIONS_APP_PASSWORD',
        ],
        exitCodes: [[0, 'no finding at or above --fail-on (probes that could not run are listed as not checked)'], [1, 'a finding at or above --fail-on'], [3], [4, 'target error: an embedded or detached topology cannot be reached'], [70]],
        environment: [...topologyEnvironment.slice(0, 1), ...targetEnvironment],
      }),
    )
    .action(async (o: AuditOptions) => {
      process.exitCode = await audit(o);
    });

  program
    .command('cli')
    .description('redis-cli as admin on a node of a running topology (master, node-i or sentinel-j); arguments after -- go to redis-cli')
    .argument('[node]', 'master, node-0..2 or sentinel-0..2; on a cluster node-i or shard-k (shard k\'s master)', 'master')
    .argument('[args...]', 'redis-cli arguments (after --)')
    .option('--id <id>', 'topology id, when several run')
    .addHelpText('after', helpAfter({ examples: ['gauntlet cli master -- INFO replication', 'gauntlet cli sentinel-0 -- SENTINEL get-master-addr-by-name sessions', 'gauntlet cli shard-1 -- CLUSTER NODES'], exitCodes: [[0, "redis-cli's own exit code otherwise"], [3, 'no such node, or no running topology'], [70]], environment: topologyEnvironment.slice(0, 1) }))
    .action(async (node: string, args: string[], o: { id?: string }) => {
      process.exitCode = await cli(node, args, o.id);
    });

  const exportGroup = program
    .command('export')
    .description('write a scenario in another tool\'s format')
    .addHelpText('after', helpAfter({ examples: ['gauntlet export k6 --scenario steady-50k > steady-50k.js', 'gauntlet export k6 --help'], exitCodes: [[0], [3, 'unknown format, unknown or broken scenario, bad override'], [70]] }));
  withScenarioOptions(exportGroup
    .command('k6')
    .description('the scenario as a k6 script (k6 with its Redis extension, k6/x/redis) on stdout: stages, mix, keys, Lua scripts, thresholds; see docs/k6.md'))
    .addHelpText('after', helpAfter({ examples: ['gauntlet export k6 --scenario steady-50k > steady-50k.js', 'gauntlet export k6 --scenario smoke --sessions 1000 --duration 2m > smoke.js'], exitCodes: [[0], [3, 'unknown or broken scenario, bad override'], [70]] }))
    .action(async (o: ExportK6Options) => {
      process.exitCode = await exportK6(o);
    });
  program.addCommand(backupCommand());

  program
    .command('history')
    .description('trend page and JSON series of many runs (nights); exit 1 when the slow-drift rule fires (docs/nightly.md)')
    .argument('<paths...>', 'directories searched recursively for summary.json, or summary.json files')
    .option('--out <dir>', 'where index.html and history.json go', 'reports/history')
    .option('--window <n>', 'drift rule: judge the last N passing nights', positiveInt('--window'), defaultDriftRule.window)
    .option('--rising <k>', 'drift rule: at least K of the N-1 night-to-night steps rose', positiveInt('--rising'), defaultDriftRule.rising)
    .option('--min-rise-pct <x>', 'drift rule: the last night more than X % above the first', nonNegativeNumber('--min-rise-pct'), defaultDriftRule.minRisePct)
    .option('--min-rise-ms <ms>', 'drift rule: and more than this many ms above it', nonNegativeNumber('--min-rise-ms'), defaultDriftRule.minRiseMs)
    .addHelpText(
      'after',
      helpAfter({
        examples: [
          'gauntlet history nightly/history --out nightly/trend   # every summary.json below the directory',
          'gauntlet history reports/*/summary.json --window 10 --rising 8',
        ],
        exitCodes: [[0, 'the page is drawn and the drift rule did not fire'], [1, 'the drift rule fired for a metric of a series (docs/nightly.md)'], [3, 'a path that cannot be read, no readable summary.json, a bad drift-rule flag'], [70]],
      }),
    )
    .action(async (paths: string[], o: HistoryOptions) => {
      process.exitCode = await history(paths, o);
    });

  program
    .command('report')
    .description('re-render index.html and junit.xml of a run from its summary.json')
    .argument('<run-dir>', 'reports/<run-id> directory')
    .addHelpText('after', helpAfter({ examples: ['gauntlet report reports/latest'], exitCodes: [[0], [3, 'no readable summary.json in the directory'], [70]] }))
    .action(async (dir: string) => {
      process.exitCode = await report(dir);
    });

  program
    .command('scenarios')
    .description('list the shipped scenarios: name, what it offers, its p99 budget')
    .option('--json', 'as JSON', false)
    .addHelpText('after', helpAfter({ examples: ['gauntlet scenarios', 'gauntlet scenarios --json | jq -r \'.[].name\''], exitCodes: [[0], [70]] }))
    .action(async (o: { json: boolean }) => {
      process.exitCode = await scenarios(o);
    });

  program
    .command('experiments')
    .description('list the shipped chaos experiments: name, the fault, and what must hold for it to pass')
    .option('--json', 'as JSON', false)
    .addHelpText('after', helpAfter({ examples: ['gauntlet experiments', 'gauntlet experiments --json | jq \'.[] | select(.name == "kill-master")\''], exitCodes: [[0], [70]] }))
    .action(async (o: { json: boolean }) => {
      process.exitCode = await experiments(o);
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every parse error is a usage error.
      return e.exitCode === 0 ? 0 : ExitCode.usage;
    }
    if (e instanceof UserError) {
      process.stderr.write(`gauntlet: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`gauntlet: internal error (a bug; please report it with this trace)\n${(e as Error).stack ?? String(e)}\n`);
    return ExitCode.bug;
  }
}

