import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { externalTargetSchema } from '../../src/target/externalTargetFile.js';
import { floodScenarioFile, isolatedHome, repoRoot, smokeScenarioFile, impossibleScenarioFile, scratchDir } from './support.js';

const templates = join(repoRoot, 'ci-templates');
const githubFile = join(templates, 'github', 'gauntlet-nightly.yml');
const gitlabFile = join(templates, 'gitlab', 'gauntlet-nightly.gitlab-ci.yml');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };
const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function validator(schemaFile: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(templates, 'schemas', schemaFile), 'utf8')) as object);
}
const validateGithub = validator('github-workflow.json');
const validateGitlab = validator('gitlab-ci.json');

/** YAML as the CI reads it; a duplicate key is an error (the `yaml` package's default). */
const readYaml = (text: string): JsonObject => parse(text) as JsonObject;

/** GitLab's `extends`: a reverse deep merge of hashes (arrays and scalars of the job win), resolved before validation, as GitLab does. */
function deepMerge(base: Json | undefined, over: Json): Json {
  if (!isObject(base) || !isObject(over)) return over;
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}
function resolveExtends(config: JsonObject): JsonObject {
  const resolveJob = (job: Json): Json => {
    if (!isObject(job) || job.extends === undefined) return job;
    const { extends: parents, ...own } = job;
    const merged = (Array.isArray(parents) ? parents : [parents]).reduce<Json>((acc, p) => deepMerge(acc, resolveJob(config[String(p)] ?? {})), {});
    return deepMerge(merged, own);
  };
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, resolveJob(v)]));
}

const problems = (v: ValidateFunction): string => JSON.stringify(v.errors?.slice(0, 5));

describe('CI templates', () => {
  const github = readYaml(readFileSync(githubFile, 'utf8'));
  const gitlab = resolveExtends(readYaml(readFileSync(gitlabFile, 'utf8')));
  const githubJobs = github.jobs as JsonObject;

  test('the GitHub workflow validates against the vendored GitHub workflow schema, and a misspelt key fails it', () => {
    assert.ok(validateGithub(github), problems(validateGithub));
    const misspelt = readFileSync(githubFile, 'utf8').replace('    runs-on: ubuntu-24.04', '    run-on: ubuntu-24.04');
    assert.notEqual(misspelt, readFileSync(githubFile, 'utf8'));
    assert.equal(validateGithub(readYaml(misspelt)), false);
    assert.match(problems(validateGithub), /run-on|additionalProperties/);
    const badTrigger = readFileSync(githubFile, 'utf8').replace("- cron: '17 2 * * *'", "- crontab: '17 2 * * *'");
    assert.equal(validateGithub(readYaml(badTrigger)), false);
  });

  test('the GitLab job validates against the vendored GitLab CI schema (extends resolved), and a misspelt key fails it', () => {
    assert.ok(validateGitlab(gitlab), problems(validateGitlab));
    // In the hidden template: only caught because `extends` is resolved (a hidden job accepts anything).
    const misspelt = readFileSync(gitlabFile, 'utf8').replace('  artifacts:\n    when: always', '  artefacts:\n    when: always');
    assert.notEqual(misspelt, readFileSync(gitlabFile, 'utf8'));
    assert.equal(validateGitlab(resolveExtends(readYaml(misspelt))), false);
    const badRetry = readFileSync(gitlabFile, 'utf8').replace('    exit_codes: 2\n  allow_failure:', '    exit_code: 2\n  allow_failure:');
    assert.equal(validateGitlab(resolveExtends(readYaml(badRetry))), false);
  });

  test('both templates run ci-templates/nightly.sh and publish the files it writes; exit 2 is a rerun, not a failure', () => {
    for (const name of ['embedded', 'staging']) {
      const job = githubJobs[name] as JsonObject;
      const steps = job.steps as JsonObject[];
      assert.equal((job.env as JsonObject).GAUNTLET_NIGHTLY_DIR, 'nightly');
      assert.ok(steps.some((s) => String(s.run ?? '').includes('bash ci-templates/nightly.sh')), name);
      assert.ok(steps.some((s) => s.uses === 'actions/upload-artifact@v4' && (s.with as JsonObject).path === 'nightly/'), name);
      assert.ok(steps.some((s) => (s.with as JsonObject | undefined)?.report_paths === 'nightly/junit.xml'), name);
      assert.ok(steps.some((s) => s.uses === 'actions/download-artifact@v4' && (s.with as JsonObject)['run-id'] !== undefined), name);
      assert.ok(steps.some((s) => String(s.if).includes("exit-code == '2'") && String(s.run).includes('::warning')), name);
    }
    for (const name of ['gauntlet-nightly-embedded', 'gauntlet-nightly-staging']) {
      const job = gitlab[name] as JsonObject;
      assert.deepEqual(job.script, ['bash ci-templates/nightly.sh']);
      assert.equal((job.variables as JsonObject).GAUNTLET_NIGHTLY_DIR, 'nightly');
      assert.deepEqual((job.artifacts as JsonObject).paths, ['nightly/']);
      assert.equal(((job.artifacts as JsonObject).reports as JsonObject).junit, 'nightly/junit.xml');
      assert.deepEqual(job.allow_failure, { exit_codes: 2 });
      assert.deepEqual(job.retry, { max: 1, exit_codes: 2 });
    }
  });

  test('the staging job gets every secret the target file names from the CI secret store', () => {
    const target = JSON.parse(readFileSync(join(templates, 'staging-target.json'), 'utf8')) as JsonObject;
    assert.ok(externalTargetSchema.safeParse(target).success);
    assert.equal(((githubJobs.staging as JsonObject).env as JsonObject).GAUNTLET_TARGET, 'ci-templates/staging-target.json');
    assert.equal(((gitlab['gauntlet-nightly-staging'] as JsonObject).variables as JsonObject).GAUNTLET_TARGET, 'ci-templates/staging-target.json');
    const named = Object.entries(target).filter(([k]) => k.endsWith('Env')).map(([, v]) => String(v));
    assert.ok(named.length >= 2);
    const env = (githubJobs.staging as JsonObject).env as JsonObject;
    for (const variable of named) assert.equal(env[variable], `\${{ secrets.${variable} }}`, variable);
    const gitlabText = readFileSync(gitlabFile, 'utf8');
    for (const variable of named) assert.match(gitlabText, new RegExp(variable), `the GitLab template names ${variable}`);
  });
});

/** Runs ci-templates/nightly.sh as the CI does (from the repository root), with a hard timeout. */
function nightly(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [join(templates, 'nightly.sh')], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 180_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 124) : 0, stdout, stderr });
    });
  });
}

describe('the embedded job\'s steps, run locally (ci-templates/nightly.sh on the embedded topology)', { timeout: 600_000 }, () => {
  isolatedHome();
  const work = scratchDir('gauntlet-nightly-');
  const dir = join(work, 'nightly');
  // The smoke scenario (shortened) with a budget no healthy run misses, one no run meets, and a flood the generator cannot offer.
  const generous = smokeScenarioFile(work, 'smoke-generous', { p99Ms: 500, perOperationP99Ms: 500, maxErrorRate: 0.5 });
  const impossible = impossibleScenarioFile(work, 'smoke-impossible');
  const flood = floodScenarioFile(work);
  const env = (scenario: string, runArgs = '--duration 4s') => ({ GAUNTLET_NIGHTLY_DIR: dir, GAUNTLET_SCENARIO: scenario, GAUNTLET_RUN_ARGS: runArgs });
  const runDirs = (sub: string) => readdirSync(join(dir, sub)).filter((f) => f !== 'latest').sort();
  let firstRun = '';

  test('exit 0 is "success": junit.xml, the report, the history and the trend page land where the templates publish them', async () => {
    const r = await nightly(env(generous));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^gauntlet nightly: success: /m);
    assert.match(r.stdout, /no baseline: no earlier passing run of smoke/);
    assert.equal(readFileSync(join(dir, 'outcome'), 'utf8').trim(), 'success');
    assert.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /<testsuites/);
    firstRun = runDirs('report')[0] ?? '';
    assert.ok(firstRun && existsSync(join(dir, 'report', firstRun, 'index.html')));
    assert.deepEqual(runDirs('history'), [firstRun]);
    assert.ok(existsSync(join(dir, 'trend', 'index.html')) && existsSync(join(dir, 'trend', 'history.json')));
  });

  test('exit 1 is "failure", compared with the passing night carried in history/', async () => {
    const r = await nightly(env(impossible));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^gauntlet nightly: failure: a threshold failed/m);
    assert.match(r.stdout, new RegExp(`against baseline \\S*history/${firstRun}/summary\\.json \\(run ${firstRun} `));
    assert.equal(readFileSync(join(dir, 'outcome'), 'utf8').trim(), 'failure');
    assert.equal(runDirs('report').length, 1, 'only tonight in report/');
    assert.equal(runDirs('history').length, 2);
    assert.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /<failure/);
  });

  test('exit 2 (invalid) is "rerun", not a regression', async () => {
    const r = await nightly(env(flood, ''));
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^gauntlet nightly: rerun: tonight's run was invalid.*Not a regression: rerun the job$/m);
    assert.equal(readFileSync(join(dir, 'outcome'), 'utf8').trim(), 'rerun');
    assert.equal(runDirs('history').length, 3);
  });
});
