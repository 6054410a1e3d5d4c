import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Summary } from '../../src/report/summarySchema.js';
import { keptScheduleGate, ownBreachGate } from '../../src/gates/validityGates.js';
import { after, before } from 'node:test';
import { StartedCluster } from '../../src/topology/startedCluster.js';
import { StartedTopology } from '../../src/topology/startedTopology.js';
import { listTopologies } from '../../src/topology/staleTopologies.js';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { pollFor } from '../../src/waitUntil.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const gauntletBin = join(repoRoot, 'bin', 'gauntlet.js');

/** Holds a server's main thread for ARGV[1] µs (a Lua busy loop): a stall planted in a master, or in the generator. */
export const busyScript = `#!lua flags=no-writes
local t = redis.call('TIME')
local start = t[1] * 1000000 + t[2]
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start >= tonumber(ARGV[1])
return 0`;

const scratchDirs: string[] = [];

/**
 * The working directories of every running process (servers run inside their topology's
 * directory); null where /proc cannot be read. Exit listeners run in the order they were added,
 * so ours runs before a topology's kill-on-exit: servers a failed test left are still alive then.
 */
function workingDirsInUse(): string[] | null {
  try {
    return readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .flatMap((p) => {
        try {
          return [readlinkSync(`/proc/${p}/cwd`)];
        } catch {
          return [];
        }
      });
  } catch {
    return null;
  }
}

process.on('exit', () => {
  if (process.env.GAUNTLET_KEEP_TEST_DIRS === '1' || scratchDirs.length === 0) return;
  const inUse = workingDirsInUse();
  if (inUse === null) return;
  for (const dir of scratchDirs) {
    // A directory a live process works in is kept: its state is what finds and stops that process.
    if (inUse.some((cwd) => cwd === dir || cwd.startsWith(`${dir}/`))) {
      process.stderr.write(`kept ${dir}: a running process works in it\n`);
      continue;
    }
    // An exit listener that throws would skip the ones after it (a topology's kill-on-exit).
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch (e) {
      process.stderr.write(`could not remove ${dir}: ${(e as Error).message}\n`);
    }
  }
});

/**
 * A temporary directory for one test file, removed when the file's process exits (a CI machine
 * runs the suite again and again); GAUNTLET_KEEP_TEST_DIRS=1 keeps them to read a failed run's reports.
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/** Each test file gets its own GAUNTLET_HOME, so files never see each other's topologies. */
export function isolatedHome(): string {
  const home = scratchDir('gauntlet-test-');
  process.env.GAUNTLET_HOME = home;
  return home;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a user would, with a hard timeout so a hang fails instead of blocking CI. */
/**
 * `gauntlet run --shard i/N` in one process per directory, all waiting for one shared start 12 s
 * ahead (time for every process to load), against the detached topology.
 */
export async function runShards(dirs: readonly string[], runArgs: readonly string[]): Promise<{ startAt: string; shards: CliResult[] }> {
  const startAt = new Date(Date.now() + 12_000).toISOString();
  const shards = await Promise.all(dirs.map((out, i) => runCli(['run', ...runArgs, '--target', 'detached', '--shard', `${i}/${dirs.length}`, '--start-at', startAt, '--out', out, '--quiet'], { timeoutMs: 120_000 })));
  return { startAt, shards };
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [gauntletBin, ...args], { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 124) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const r = await pollFor(probe, timeoutMs);
  if (!r) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return r.value;
}

/**
 * The stages of the test smoke: the shipped smoke's 200 sessions in 7 s instead of 13 s (a 1 s
 * ramp, 6 s steady), which still gives each run some 700 operations. Most integration runs are
 * this scenario, so its length is most of the suite's time; a test that needs a longer run (a
 * failover and its recovery inside the run, a step at a fixed time) passes `--duration`.
 */
export const testSmokeStages = [
  { name: 'ramp-up', duration: '1s', sessions: 200 },
  { name: 'steady', duration: '6s', sessions: 200 },
] as const;

/**
 * Generator settings for the runs of files the suite runs three at a time
 * (scripts/test-integration.sh): they test failovers, procedures and TLS, not the generator's own
 * validity (the files run alone do), and the files beside them take CPU. A scheduler-lag limit of
 * 10 ms, 20 % of their 50 ms budget: at the default 10 % a chaos run beside cluster.test.ts was
 * `invalid` at 5.5-5.8 ms in CI.
 */
export const besideAnotherFile = { maxSchedulerLagP99Ms: 10 } as const;

/**
 * A generator held to a lag limit none keeps (1 µs): its lag gate always fails, as on a box too
 * busy for it, so a test takes the late-generator path every time and can show which breaches a
 * late generator does not hide.
 */
export const heldLate = { maxSchedulerLagP99Ms: 0.001 } as const;

/** What a starved generator fails: its lag gate, or the gate that finds its stalls made a latency breach. */
const starvedGates = new Set([keptScheduleGate, ownBreachGate]);

/** Gate kinds a starved generator distorts: they measured its own queueing, not the target. */
const distortedWhenStarved = new Set(['validity', 'latency', 'throughput']);

/** The run is `invalid` only because its generator was starved of CPU: every gate a starved generator cannot distort passed. */
export function starvedOnly(code: number, s: Summary): boolean {
  const failedValidity = s.thresholds.filter((t) => !t.pass && t.kind === 'validity').map((t) => t.name);
  const starved = failedValidity.length > 0 && failedValidity.every((name) => starvedGates.has(name));
  return code === 2 && s.verdict === 'invalid' && starved && s.thresholds.every((t) => t.pass || distortedWhenStarved.has(t.kind ?? ''));
}

/**
 * The run passed; or, beside other files on 2 cores, it was `invalid` because the generator
 * was starved of CPU (its lag gate failed, or its stalls made a latency breach: what `invalid`
 * means is "rerun"), and every gate a
 * starved generator cannot distort passed: correctness, availability, chaos, procedures and
 * errors. These files test failovers, procedures and TLS; the generator's own validity is
 * tested by the files run alone. A failed correctness gate always fails the test. (CI once had
 * a procedure run `invalid` at scheduler lag p99 19 ms, every procedure check passed; and it
 * once failed a TLS run on a login p99 of 58.9 ms, the p99 of all operations 24.3 ms, lag p99
 * 6.2 ms, the generator stalled in 4 of 19 seconds: per-operation breaches were not attributed.)
 */
export function assertPassedOrStarved(code: number, s: Summary, detail: string): void {
  if (starvedOnly(code, s)) {
    console.log(`  (invalid on a busy box, every gate it cannot distort passed: ${s.verdictReason})`);
    return;
  }
  assert.equal(code, 0, `${s.verdict}: ${s.thresholds.filter((t) => !t.pass).map((t) => `${t.name} = ${t.actual}`).join('; ')}\n${detail}`);
}

/**
 * Writes `<dir>/<name>.ts`: the shipped smoke scenario, at the test smoke's length, with other
 * thresholds. Tests use a budget far above what a healthy run shows on a busy shared CI machine
 * (or an impossible one, to see a gate fail), so verdicts never depend on noise.
 */
export function smokeScenarioFile(dir: string, name: string, thresholds: object, more: object = {}): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, `import smoke from ${JSON.stringify(join(repoRoot, 'scenarios', 'smoke.ts'))};\nexport default { ...smoke, stages: ${JSON.stringify(testSmokeStages)}, thresholds: ${JSON.stringify(thresholds)}, ...${JSON.stringify(more)} };\n`);
  return file;
}

/**
 * The smoke scenario with a per-operation p99 budget no target can meet, so the run fails on
 * latency thresholds. The overall budget stays generous: the generator's validity limits are a
 * share of it, and an impossible overall budget would make every run invalid, not failed.
 */
export function impossibleScenarioFile(dir: string, name: string): string {
  return smokeScenarioFile(dir, name, { p99Ms: 1000, perOperationP99Ms: 0.001, maxErrorRate: 0.5 });
}

/** Running, not a zombie (the same check the topology uses). */
export { isAlive as isPidAlive } from '../../src/topology/processControl.js';

/** `gauntlet run --chaos` on the detached topology; returns the exit code and the parsed summary. */
export async function chaosRun(scenario: string, reports: string, chaos: string, extra: string[] = []): Promise<{ code: number; s: Summary; dir: string; stdout: string; stderr: string }> {
  const r = await runCli(['run', '--scenario', scenario, '--target', 'detached', '--chaos', chaos, '--out', reports, '--quiet', ...extra]);
  return { code: r.code, ...reportedSummary(r), stdout: r.stdout, stderr: r.stderr };
}

/** The summary a `run` wrote, found by the report line it printed, and its directory. */
export function reportedSummary(r: { stdout: string; stderr: string }): { s: Summary; dir: string } {
  const m = /report: (.*summary\.json)/.exec(r.stdout);
  assert.ok(m, `no report:\n${r.stdout}\n${r.stderr}`);
  return { s: JSON.parse(readFileSync(m[1]!, 'utf8')) as Summary, dir: dirname(m[1]!) };
}

/**
 * A topology described as an external target file, as a staging deployment would be: sentinels
 * through their app proxies, the natMap, secrets in environment variables, the monitoring user
 * for the audit, and the CA when it runs TLS; `overrides` replaces fields (undefined drops one).
 */
export function externalTargetFile(t: StartedTopology, overrides: object = {}): { file: string; env: NodeJS.ProcessEnv } {
  const file = join(scratchDir('gauntlet-target-'), 'staging.json');
  writeFileSync(
    file,
    JSON.stringify({
      sentinels: t.sentinelAppAddresses,
      masterName: t.masterName,
      username: 'app',
      passwordEnv: 'TARGET_TEST_APP_PASSWORD',
      sentinelPasswordEnv: 'TARGET_TEST_APP_PASSWORD',
      natMap: t.natMap,
      audit: { username: 'monitoring', passwordEnv: 'TARGET_TEST_MONITORING_PASSWORD' },
      ...(t.snapshot.tls ? { tls: { caFile: t.snapshot.tls.ca } } : {}),
      // A field set to undefined here is left out of the file.
      ...overrides,
    }),
  );
  return { file, env: { TARGET_TEST_APP_PASSWORD: t.credentials.app.password, TARGET_TEST_MONITORING_PASSWORD: t.credentials.monitoring.password } };
}

/**
 * Inside a `describe`: `gauntlet up --detach` before its tests and `gauntlet down` after them.
 * Returns the started topology (available once the tests run).
 */
export function useDetachedTopology(): () => StartedTopology {
  let topology: StartedTopology | undefined;
  before(async () => {
    const up = await runCli(['up', '--detach']);
    assert.equal(up.code, 0, up.stderr);
    topology = await StartedTopology.fromState((await listTopologies())[0]!.state!);
  });
  after(async () => {
    topology?.closeControlConnections();
    await runCli(['down']);
  });
  return () => topology!;
}

/** The summary's threshold of that name. */
export function gate(s: Summary, name: string): Summary['thresholds'][number] | undefined {
  return s.thresholds.find((t) => t.name === name);
}

/** Asserts that each named threshold exists and passed, saying its actual value when not. */
export function assertGatesPass(s: Summary, names: readonly string[]): void {
  for (const g of names) assert.equal(gate(s, g)?.pass, true, `${g}: ${gate(s, g)?.actual}`);
}

/** Writes `<dir>/<name>.ts` exporting an experiment (plain data; validated when gauntlet loads it). */
export function experimentFile(dir: string, name: string, body: object): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, `export default ${JSON.stringify(body)};\n`);
  return file;
}

/**
 * Opens a local page (a report) in Debian's headless Chromium and waits until its charts are drawn
 * (`body[data-charts-drawn]`). `problems` collects console errors, page errors and every request
 * that is not a local file, since a report must open offline. Call `close()` in a `finally`.
 */
export async function openOffline(file: string): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`network request ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.body.dataset.chartsDrawn !== undefined, undefined, { timeout: 10_000 });
    return { page, problems, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/**
 * Writes `<dir>/flood.ts`: the smoke scenario with 5,000 sessions acting every millisecond, far
 * more than the generator can offer, so the run is invalid (exit 2).
 */
export function floodScenarioFile(dir: string): string {
  const file = join(dir, 'flood.ts');
  writeFileSync(
    file,
    `import smoke from ${JSON.stringify(join(repoRoot, 'scenarios', 'smoke.ts'))};
export default { ...smoke, stages: [{ name: 'ramp-up', duration: '1s', sessions: 5000 }, { name: 'steady', duration: '4s', sessions: 5000 }],
  session: { ...smoke.session, thinkTime: { distribution: 'constant', ms: 1 } }, clients: { instances: 2, autoPipelining: true, commandTimeoutMs: 5000 } };\n`,
  );
  return file;
}

/** `gauntlet up --cluster --detach` as a user would, attached to from its state: the cluster and the pids it started with. */
export async function upDetachedCluster(): Promise<{ cluster: StartedCluster; pids: number[] }> {
  const up = await runCli(['up', '--cluster', '--detach']);
  assert.equal(up.code, 0, up.stderr);
  const cluster = await StartedCluster.fromState((await listTopologies())[0]!.state!);
  return { cluster, pids: cluster.snapshot.processes.map((p) => p.pid) };
}

/** The harness's connections closed, then `gauntlet down`. */
export async function downDetachedCluster(cluster: StartedCluster | undefined): Promise<void> {
  cluster?.closeControlConnections();
  await runCli(['down']);
}
