import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isolatedHome, repoRoot, runCli } from './support.js';
import { buildProgram } from '../../src/cli/main.js';

/**
 * The CLI as a person meets it, without servers: version, help, the catalogue of what ships,
 * and every flag combination that cannot mean anything (one line on stderr, exit 3).
 */
isolatedHome();

const shipped = (dir: string): string[] => readdirSync(join(repoRoot, dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -3)).sort();
/** Every command and subcommand of the program, as argument lists (`[]` is the program itself): none can be left out of the help test. */
const commandPaths = (c: Command, path: string[] = []): string[][] => [path, ...c.commands.flatMap((sub) => commandPaths(sub, [...path, sub.name()]))];
const oneLine = (stderr: string): void => {
  assert.equal(stderr.trim().split('\n').length, 1, `not one line:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
};

describe('gauntlet CLI', { timeout: 180_000 }, () => {
  test('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), version);
    }
  });

  test('--help of the program and of each command shows examples and exit codes; run, audit and backup list the environment variables', async () => {
    const all = commandPaths(buildProgram());
    for (const sub of [['history'], ['capacity'], ['merge'], ['backup', 'archive'], ['backup', 'snapshot'], ['backup', 'restore'], ['export', 'k6']]) assert.ok(all.some((a) => a.join(' ') === sub.join(' ')), `${sub.join(' ')} is a command`);
    for (const args of all) {
      const r = await runCli([...args, '--help']);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /\nExamples:\n {2}gauntlet /, `${args.join(' ')} --help has no examples`);
      assert.match(r.stdout, /\nExit codes:\n {2}0 /, `${args.join(' ')} --help has no exit codes`);
    }
    const run = await runCli(['run', '--help']);
    for (const s of ['GAUNTLET_HOME', '--password-env', '--endpoint <host:port>', '--sentinel <host:port>', '--json', '  4   target error']) assert.ok(run.stdout.includes(s), `run --help lacks ${s}`);
    for (const sub of ['archive', 'snapshot']) {
      const backup = await runCli(['backup', sub, '--help']);
      assert.match(backup.stdout, /\nEnvironment:\n {2}GAUNTLET_BACKUP_PASSWORD /, `backup ${sub} --help names GAUNTLET_BACKUP_PASSWORD`);
    }
    const audit = await runCli(['audit', '--help']);
    assert.match(audit.stdout, /--target <file\|detached\[:id\]>/, 'audit --help says it takes a file');
  });

  test('`scenarios` lists every shipped scenario with its line; --json gives the same as data', async () => {
    const r = await runCli(['scenarios']);
    assert.equal(r.code, 0, r.stderr);
    const json = await runCli(['scenarios', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const entries = JSON.parse(json.stdout) as Array<{ name: string; description: string; p99Ms: number; durationS: number }>;
    assert.deepEqual(entries.map((e) => e.name).sort(), shipped('scenarios'));
    for (const e of entries) {
      assert.ok(e.description.length > 10 && e.durationS > 0 && e.p99Ms > 0, JSON.stringify(e));
      assert.ok(r.stdout.includes(`${e.name} `) && r.stdout.includes(e.description), `${e.name} missing from the text listing`);
    }
  });

  test('`experiments` lists every shipped experiment and what must hold, from its thresholds', async () => {
    const json = await runCli(['experiments', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const entries = JSON.parse(json.stdout) as Array<{ name: string; description: string; mustHold: string[] }>;
    assert.deepEqual(entries.map((e) => e.name).sort(), shipped('chaos'));
    const rules = (name: string): string[] => entries.find((e) => e.name === name)!.mustHold;
    assert.ok(rules('kill-master').includes('a failover: at least one master switch caused by a step'), rules('kill-master').join('; '));
    assert.ok(rules('kill-two-sentinels').includes('no failover: no master switch at all'));
    assert.ok(rules('rotate-app-password').includes("worst client's write gap <= 5 s"), rules('rotate-app-password').join('; '));
    const text = await runCli(['experiments']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^kill-master: SIGKILL the master.*\n {4}- every step strikes and completes \(kill-master\)/m);
  });

  const set = { GAUNTLET_TEST_SECRET: 'not-a-real-password' };
  const endpoint = ['--endpoint', '127.0.0.1:1', '--user', 'app', '--password-env', 'GAUNTLET_TEST_SECRET'];
  const badCombinations: Array<{ what: string; args: string[]; says: RegExp }> = [
    { what: 'inline flags with --target', args: ['run', '--target', 'staging.json', ...endpoint], says: /--target staging\.json and --endpoint, --user, --password-env both name a target/ },
    { what: '--sentinel without --master-name', args: ['run', '--sentinel', '127.0.0.1:1', '--user', 'app', '--password-env', 'GAUNTLET_TEST_SECRET'], says: /--sentinel needs --master-name/ },
    { what: '--endpoint with --sentinel', args: ['run', ...endpoint, '--sentinel', '127.0.0.1:2', '--master-name', 'sessions'], says: /--endpoint and --sentinel are two forms of target/ },
    { what: '--endpoint with --master-name', args: ['run', ...endpoint, '--master-name', 'sessions'], says: /a plain --endpoint has no sentinels \(drop --master-name\)/ },
    { what: '--endpoint with --sentinel-password-env', args: ['audit', ...endpoint, '--sentinel-password-env', 'GAUNTLET_TEST_SECRET'], says: /--sentinel-password-env is the sentinels' password/ },
    { what: 'target flags without an address', args: ['run', '--user', 'app', '--password-env', 'GAUNTLET_TEST_SECRET'], says: /--user, --password-env describe an external target: add --sentinel/ },
    { what: 'no --user', args: ['run', '--endpoint', '127.0.0.1:1', '--password-env', 'GAUNTLET_TEST_SECRET'], says: /--endpoint needs --user/ },
    { what: 'no secret', args: ['run', '--endpoint', '127.0.0.1:1', '--user', 'app'], says: /--endpoint needs --password-env VAR \(or --token-env VAR\)/ },
    { what: '--password-env with --token-env', args: ['run', ...endpoint, '--token-env', 'GAUNTLET_TEST_SECRET'], says: /--password-env and --token-env both give the app user's secret/ },
    { what: '--password-env naming an unset variable', args: ['run', '--endpoint', '127.0.0.1:1', '--user', 'app', '--password-env', 'GAUNTLET_TEST_UNSET'], says: /--password-env names environment variable GAUNTLET_TEST_UNSET, which is not set/ },
    { what: '--cacert naming a missing file', args: ['run', ...endpoint, '--cacert', '/nonexistent/ca.pem'], says: /--cacert \/nonexistent\/ca\.pem cannot be read/ },
    { what: '--tls with an external target', args: ['run', ...endpoint, '--tls'], says: /--tls\/--mtls start an embedded TLS topology.*--cacert/ },
    { what: '--chaos with an external target', args: ['run', ...endpoint, '--chaos', 'kill-master'], says: /chaos experiment kill-master needs process signals and proxies/ },
    { what: '--monitoring with an external target', args: ['run', ...endpoint, '--monitoring'], says: /--monitoring starts exporters and Prometheus next to the topology/ },
    { what: '--allow-destructive with target flags', args: ['run', ...endpoint, '--allow-destructive'], says: /--allow-destructive needs a target file that also says allowDestructive: true/ },
    { what: 'a target file with both forms', args: ['run', '--target', join(repoRoot, 'test', 'integration', 'fixtures', 'both-forms.json')], says: /give one of sentinels with masterName, endpoint, or clusterNodes/ },
  ];
  for (const c of badCombinations) {
    test(`bad flags: ${c.what} -> one line, exit 3`, async () => {
      const r = await runCli([...c.args, ...(c.args[0] === 'run' ? ['--scenario', 'smoke'] : [])], { env: set });
      assert.equal(r.code, 3, `${c.args.join(' ')}: ${r.stdout}${r.stderr}`);
      oneLine(r.stderr);
      assert.match(r.stderr, c.says);
    });
  }

  test('good target flags get past the checks: an endpoint or sentinels nobody listens on is a target error (exit 4), and --json with --quiet is fine', async () => {
    const e = await runCli(['run', ...endpoint, '--scenario', 'smoke', '--json', '--quiet'], { env: set });
    assert.equal(e.code, 4, e.stderr);
    assert.match(e.stderr, /target unreachable \(endpoint 127\.0\.0\.1:1\)/);
    assert.equal(e.stdout, '', 'nothing on stdout when there is no summary');
    const s = await runCli(['run', '--sentinel', '127.0.0.1:1', '--sentinel', '127.0.0.1:2', '--master-name', 'sessions', '--user', 'app', '--password-env', 'GAUNTLET_TEST_SECRET', '--scenario', 'smoke', '--quiet'], { env: set });
    assert.equal(s.code, 4, s.stderr);
    assert.match(s.stderr, /target unreachable/);
    const a = await runCli(['audit', ...endpoint], { env: set });
    assert.equal(a.code, 4, a.stderr);
    assert.match(a.stderr, /nothing could be checked \(unauthenticated access on 127\.0\.0\.1:1: could not connect \(connect ECONNREFUSED/);
  });
});
