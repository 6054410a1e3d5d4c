import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { externalTargetSchema } from '../../src/target/externalTargetFile.js';
import { repoRoot, runCli } from './support.js';

/**
 * deploy/kubernetes/ checked without a cluster, in two layers:
 * 1. the Kubernetes schema (kubernetes-validate, strict: unknown fields and wrong types fail),
 *    against Kubernetes 1.31;
 * 2. what the schema cannot say: Kubernetes' OpenAPI has no enum for completionMode and does not
 *    require a container image (both are checked by the API server or the kubelet, too late for
 *    a manifest in a repository), and nothing in it ties the shard count to `--shard`, the merge
 *    to the shards, or the target file to the passwords the Job provides.
 * Needs `bash scripts/setup.sh --with-k8s-validator` (npm test runs it). No servers, no lock.
 */
const manifestsDir = join(repoRoot, 'deploy/kubernetes');
const kubernetesVersion = '1.31.0';
/** Created with kubectl (deploy/kubernetes/README.md), never committed: it holds passwords. */
const secretsCreatedByHand = ['gauntlet-target-credentials'];

async function validatorPath(): Promise<string> {
  const setup = await readFile(join(repoRoot, 'scripts/setup.sh'), 'utf8');
  const version = /K8S_VALIDATE_VERSION="([^"]+)"/.exec(setup)?.[1];
  assert.ok(version, 'scripts/setup.sh pins kubernetes-validate');
  const path = join(repoRoot, `.tools/kubernetes-validate-${version}/bin/kubernetes-validate`);
  assert.ok(existsSync(path), `${path} is missing: run bash scripts/setup.sh --with-k8s-validator`);
  return path;
}

function validate(validator: string, files: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(validator, ['--kubernetes-version', kubernetesVersion, '--strict', ...files], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ ok: !error, output: `${stdout}${stderr}` });
    });
  });
}

async function manifestTexts(): Promise<Map<string, string>> {
  const files = (await readdir(manifestsDir)).filter((f) => f.endsWith('.yaml')).sort();
  return new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(manifestsDir, f), 'utf8')] as [string, string])));
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name?: string;
  image?: string;
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers?: Container[];
  restartPolicy?: string;
  serviceAccountName?: string;
  volumes?: Array<{ name: string; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string } }>;
}
interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: { completionMode?: string; completions?: number; parallelism?: number; backoffLimit?: number; template?: { spec?: PodSpec } };
  data?: Record<string, string>;
}

function parseManifests(texts: Map<string, string>): K8sObject[] {
  return [...texts.values()].flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as K8sObject)).filter(Boolean);
}

function argAfter(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** What the schema cannot check, one sentence per problem. */
function manifestProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const named = (kind: string): Set<string> => new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  const configMaps = named('ConfigMap');
  const claims = named('PersistentVolumeClaim');
  const accounts = named('ServiceAccount');
  const jobs = objects.filter((o) => o.kind === 'Job');
  for (const job of jobs) {
    const pod = job.spec?.template?.spec ?? {};
    const where = `Job ${job.metadata.name}`;
    if (pod.restartPolicy !== 'Never') problems.push(`${where}: restartPolicy must be Never (a restarted shard would start late)`);
    if (job.spec?.backoffLimit !== 0) problems.push(`${where}: backoffLimit must be 0`);
    if (pod.serviceAccountName && !accounts.has(pod.serviceAccountName)) problems.push(`${where}: no ServiceAccount ${pod.serviceAccountName}`);
    for (const v of pod.volumes ?? []) {
      if (v.configMap && !configMaps.has(v.configMap.name)) problems.push(`${where}: volume ${v.name} names no ConfigMap of these manifests`);
      if (v.persistentVolumeClaim && !claims.has(v.persistentVolumeClaim.claimName)) problems.push(`${where}: volume ${v.name} names no PersistentVolumeClaim of these manifests`);
    }
    for (const c of pod.containers ?? []) {
      if (!c.image) problems.push(`${where}: container ${c.name ?? '?'} has no image`);
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        const secret = e.valueFrom?.secretKeyRef;
        if (cm && !objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === cm.name && o.data?.[cm.key] !== undefined)) problems.push(`${where}: env ${e.name} reads ${cm.name}/${cm.key}, which no ConfigMap has`);
        if (secret && !secretsCreatedByHand.includes(secret.name)) problems.push(`${where}: env ${e.name} reads Secret ${secret.name}, which the README does not create`);
      }
      const defined = new Set((c.env ?? []).map((e) => e.name));
      for (const arg of c.args ?? []) {
        for (const m of arg.matchAll(/\$\((\w+)\)/g)) if (!defined.has(m[1]!)) problems.push(`${where}: args use $(${m[1]}), which the container's env does not define`);
      }
    }
  }
  const shardJob = jobs.find((j) => j.spec?.template?.spec?.containers?.[0]?.args?.[0] === 'run');
  const mergeJob = jobs.find((j) => j.spec?.template?.spec?.containers?.[0]?.args?.[0] === 'merge');
  if (!shardJob || !mergeJob) return [...problems, 'expected one Job running `gauntlet run` and one running `gauntlet merge`'];
  const spec = shardJob.spec!;
  const shard = spec.template!.spec!.containers![0]!;
  const args = shard.args ?? [];
  const n = spec.completions;
  if (spec.completionMode !== 'Indexed') problems.push(`Job ${shardJob.metadata.name}: completionMode must be Indexed (it is ${String(spec.completionMode)})`);
  if (!n || spec.parallelism !== n) problems.push(`Job ${shardJob.metadata.name}: parallelism must equal completions, so all shards run at once`);
  if (argAfter(args, '--shard') !== `$(JOB_COMPLETION_INDEX)/${n}`) problems.push(`Job ${shardJob.metadata.name}: --shard must be $(JOB_COMPLETION_INDEX)/${n}, got ${argAfter(args, '--shard')}`);
  if (!argAfter(args, '--start-at')) problems.push(`Job ${shardJob.metadata.name}: no --start-at`);
  const out = argAfter(args, '--out') ?? '';
  if (!out.includes('$(JOB_COMPLETION_INDEX)')) problems.push(`Job ${shardJob.metadata.name}: each shard needs its own --out`);
  const mergeArgs = mergeJob.spec!.template!.spec!.containers![0]!.args ?? [];
  const merged = mergeArgs.slice(1, mergeArgs.findIndex((a, i) => i > 0 && a.startsWith('--')));
  const expected = Array.from({ length: n ?? 0 }, (_, i) => out.replaceAll('$(JOB_COMPLETION_INDEX)', String(i)));
  if (JSON.stringify(merged) !== JSON.stringify(expected)) problems.push(`Job ${mergeJob.metadata.name}: merges ${merged.join(' ')}, expected ${expected.join(' ')}`);
  // The merge verifies the shards' ledgers on their target: it reads the same target file.
  if (argAfter(mergeArgs, '--target') !== argAfter(args, '--target')) problems.push(`Job ${mergeJob.metadata.name}: --target must be the shards' (${argAfter(args, '--target')}), got ${argAfter(mergeArgs, '--target')}`);
  for (const job of [shardJob, mergeJob]) problems.push(...targetProblems(objects, job));
  return problems;
}

/** The target file a Job reads is the ConfigMap mounted at --target's directory, a valid gauntlet target file whose variables the Job sets. */
function targetProblems(objects: K8sObject[], job: K8sObject): string[] {
  const pod = job.spec!.template!.spec!;
  const container = pod.containers![0]!;
  const target = argAfter(container.args ?? [], '--target') ?? '';
  const mount = container.volumeMounts?.find((m) => target.startsWith(`${m.mountPath}/`));
  const volume = pod.volumes?.find((v) => v.name === mount?.name);
  const file = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume?.configMap?.name)?.data?.[target.slice((mount?.mountPath.length ?? 0) + 1)];
  if (!file) return [`Job ${job.metadata.name}: --target ${target} is not a key of a mounted ConfigMap`];
  const parsed = externalTargetSchema.safeParse(JSON.parse(file));
  if (!parsed.success) return [`target file: ${parsed.error.issues[0]?.message}`];
  const env = new Set((container.env ?? []).map((e) => e.name));
  const t = parsed.data;
  const problems: string[] = [];
  for (const name of [t.passwordEnv, t.tokenEnv, 'sentinelPasswordEnv' in t ? t.sentinelPasswordEnv : undefined, t.audit?.passwordEnv]) {
    if (name && !env.has(name)) problems.push(`Job ${job.metadata.name}: the target file reads ${name}, which the container's env does not set`);
  }
  return problems;
}

/** The manifests with one text replaced (the replacement must apply). */
async function planted(file: string, from: string | RegExp, to: string): Promise<Map<string, string>> {
  const texts = await manifestTexts();
  const before = texts.get(file)!;
  const after = before.replace(from, to);
  assert.notEqual(after, before, `the planted mistake applies to ${file}`);
  texts.set(file, after);
  return texts;
}

async function validateTexts(validator: string, texts: Map<string, string>): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-k8s-'));
  try {
    const files = [];
    for (const [name, text] of texts) {
      await writeFile(join(dir, name), text);
      files.push(join(dir, name));
    }
    return await validate(validator, files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('deploy/kubernetes validates against the Kubernetes 1.31 schema (strict) and holds together', { timeout: 120_000 }, async () => {
  const validator = await validatorPath();
  const texts = await manifestTexts();
  assert.ok(texts.size >= 6, `manifests: ${[...texts.keys()].join(', ')}`);
  const result = await validate(validator, [...texts.keys()].map((f) => join(manifestsDir, f)));
  assert.ok(result.ok, result.output);
  assert.match(result.output, /shards-job\.yaml passed for resource job\/gauntlet-shards/);
  const objects = parseManifests(texts);
  assert.deepEqual(objects.map((o) => o.kind).sort(), ['ConfigMap', 'ConfigMap', 'Job', 'Job', 'PersistentVolumeClaim', 'ServiceAccount']);
  assert.deepEqual(manifestProblems(objects), []);
});

test('the schema check fails on a misspelt field, a wrong type and a missing required field', { timeout: 120_000 }, async () => {
  const validator = await validatorPath();
  const cases: Array<[string, string | RegExp, string, RegExp]> = [
    ['shards-job.yaml', 'completionMode: Indexed', 'completionMod: Indexed', /'completionMod' was unexpected/],
    ['shards-job.yaml', 'completions: 4', 'completions: "four"', /'four' is not of type 'integer'/],
    ['merge-job.yaml', /- name: gauntlet\n/, '- nme: gauntlet\n', /'name' is a required property/],
  ];
  for (const [file, from, to, message] of cases) {
    const result = await validateTexts(validator, await planted(file, from, to));
    assert.equal(result.ok, false, `${to} is refused`);
    assert.match(result.output, message);
  }
});

test('what the schema lets through is caught by the manifest checks: completionMode Indexd, no image, mismatched shard counts, an unset password variable, a merge without the shards\' target', { timeout: 120_000 }, async () => {
  const validator = await validatorPath();
  const cases: Array<[string, string | RegExp, string, RegExp]> = [
    ['shards-job.yaml', 'completionMode: Indexed', 'completionMode: Indexd', /completionMode must be Indexed \(it is Indexd\)/],
    ['shards-job.yaml', /\n\s+image: .*\n/, '\n', /container gauntlet has no image/],
    ['shards-job.yaml', '$(JOB_COMPLETION_INDEX)/4', '$(JOB_COMPLETION_INDEX)/3', /--shard must be \$\(JOB_COMPLETION_INDEX\)\/4/],
    ['merge-job.yaml', /\n\s+- \/reports\/\$\(RUN_ID\)\/shard-3/, '', /merges .* expected .*shard-3/],
    ['target-configmap.yaml', '"passwordEnv": "SESSIONS_APP_PASSWORD"', '"passwordEnv": "APP_PASSWORD"', /reads APP_PASSWORD, which the container's env does not set/],
    ['merge-job.yaml', /\n\s+- --target\n\s+- \/etc\/gauntlet\/target\.json/, '', /gauntlet-merge: --target must be the shards' \(\/etc\/gauntlet\/target\.json\), got undefined/],
    ['merge-job.yaml', /\n\s+- name: SESSIONS_SENTINEL_PASSWORD\n(\s+.*\n){4}/, '\n', /gauntlet-merge: the target file reads SESSIONS_SENTINEL_PASSWORD, which the container's env does not set/],
  ];
  for (const [file, from, to, message] of cases) {
    const texts = await planted(file, from, to);
    const problems = manifestProblems(parseManifests(texts));
    assert.ok(problems.some((p) => message.test(p)), `${file}: ${String(from)} -> ${to}: ${problems.join('; ')}`);
  }
  // Two of these pass the schema, which is why the checks above exist.
  for (const [file, from, to] of cases.slice(0, 2)) {
    const result = await validateTexts(validator, await planted(file, from, to));
    assert.ok(result.ok, `the schema alone accepts ${to || 'a container without image'}: ${result.output}`);
  }
});

test("the Jobs' args are a command line gauntlet takes: the shard run gets as far as its start time, the merge as far as the shard directories", { timeout: 120_000 }, async () => {
  const objects = parseManifests(await manifestTexts());
  const jobs = objects.filter((o) => o.kind === 'Job');
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-k8s-args-'));
  try {
    // The mounted target file, at a path of this machine; its variables set as the Secret would.
    const targetFile = join(dir, 'target.json');
    await writeFile(targetFile, objects.find((o) => o.kind === 'ConfigMap' && o.data?.['target.json'])!.data!['target.json']!);
    const env = { SESSIONS_APP_PASSWORD: 'x', SESSIONS_SENTINEL_PASSWORD: 'y', GAUNTLET_HOME: dir };
    // A start already past stops the shard before it reaches the target: every flag before it was taken.
    const vars: Record<string, string> = { JOB_COMPLETION_INDEX: '0', RUN_ID: 'k8s-args', START_AT: new Date(Date.now() - 600_000).toISOString() };
    const argsOf = (command: string): string[] =>
      jobs
        .find((j) => j.spec!.template!.spec!.containers![0]!.args![0] === command)!
        .spec!.template!.spec!.containers![0]!.args!.map((a) => a.replace(/\$\((\w+)\)/g, (_m, v: string) => vars[v]!).replace('/etc/gauntlet/target.json', targetFile).replace(/^\/reports\//, `${dir}/`));
    const shard = await runCli(argsOf('run'), { env });
    assert.equal(shard.code, 3, shard.stderr);
    assert.match(shard.stderr, /--start-at .* is \d+ s in the past/);
    const merge = await runCli(argsOf('merge'), { env });
    assert.equal(merge.code, 3, merge.stderr);
    assert.match(merge.stderr, /shard-0\/partial\.json: not found/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
