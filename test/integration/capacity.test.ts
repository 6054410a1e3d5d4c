import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { Capacity } from '../../src/capacity/capacitySchema.js';
import { isolatedHome, openOffline, repoRoot, runCli, useDetachedTopology, scratchDir } from './support.js';
import { capacityValidator, kneeScenarioFile } from './capacityScenarios.js';

isolatedHome();
const work = scratchDir('gauntlet-capacity-');
const reports = join(work, 'reports');
const smoke = JSON.stringify(join(repoRoot, 'scenarios', 'smoke.ts'));
const validate = capacityValidator();
const kneeScenario = kneeScenarioFile(work);
/** 1,000 sessions acting every 10 ms: 100,000 operations per second, far beyond what one generator process offers. */
const floodScenario = join(work, 'flood.ts');
writeFileSync(floodScenario, `import smoke from ${smoke};\nexport default { ...smoke, name: 'flood', session: { ...smoke.session, thinkTime: { distribution: 'constant', ms: 10 } }, thresholds: { p99Ms: 50, maxErrorRate: 0.01 } };\n`);

interface Sweep {
  code: number;
  stdout: string;
  stderr: string;
  c: Capacity;
  dir: string;
}
async function sweep(args: string[]): Promise<Sweep> {
  const r = await runCli(['capacity', '--out', reports, '--quiet', ...args], { timeoutMs: 170_000 });
  const m = /^report: (\S*capacity\.json)/m.exec(r.stdout);
  assert.ok(m, `no report line:\n${r.stdout}\n${r.stderr}`);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, c: JSON.parse(readFileSync(m[1]!, 'utf8')) as Capacity, dir: dirname(m[1]!) };
}

describe('a sweep that cannot start says why in one line (no servers)', () => {
  const oneLine = (r: { stderr: string }) => r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run `gauntlet --help`'));
  for (const [what, args, code, pattern] of [
    ['--factor at 1', ['--factor', '1'], 3, /--factor must be a number above 1/],
    ['--factor below 1', ['--factor', '0.8'], 3, /--factor must be a number above 1/],
    ['a --from that is not a rate', ['--from', '-5'], 3, /--from must be a number above 0/],
    ['--workers above the cores', ['--workers', String(availableParallelism() + 1)], 3, /^gauntlet: --workers \d+: this machine has \d+ cores?/],
    ['an unknown scenario', ['--scenario', 'no-such-scenario'], 3, /unknown scenario "no-such-scenario"/],
    ['an unreachable target', ['--endpoint', '127.0.0.1:1', '--user', 'app', '--password-env', 'HOME'], 4, /^gauntlet: target unreachable \(endpoint 127\.0\.0\.1:1\)/],
  ] as const) {
    test(`${what}: exit ${code}, one line, no stack trace`, async () => {
      const r = await runCli(['capacity', '--quiet', '--out', reports, ...args], { timeoutMs: 60_000 });
      assert.equal(r.code, code, r.stderr);
      const lines = oneLine(r);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, pattern);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }
  test('a broken scenario file: exit 3 naming the field', async () => {
    const broken = join(work, 'broken.ts');
    writeFileSync(broken, `import smoke from ${smoke};\nexport default { ...smoke, thresholds: { p99Ms: -1, maxErrorRate: 0.1 } };\n`);
    const r = await runCli(['capacity', '--quiet', '--scenario', broken], { timeoutMs: 60_000 });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^gauntlet: scenario file .*broken\.ts: thresholds\.p99Ms: /);
  });
});

describe("a bandwidth limit planted on the master's app link: the sweep stops at a knee, the target's", { timeout: 260_000 }, () => {
  const topology = useDetachedTopology();
  let control: Sweep;
  let s: Sweep;
  before(async () => {
    // The same target before the fault: one step at 1,000 ops/s, its load in 2 worker threads.
    control = await sweep(['--target', 'detached', '--data-path', 'proxied', '--scenario', kneeScenario, '--from', '1000', '--step-duration', '5s', '--p99-precision', '100', '--max-steps', '1', '--workers', '2']);
    // The master's app proxy passes 60 KB/s each way: latency grows with the offered rate, and it queues without bound somewhere between 500 and 1,000 ops/s.
    const t = topology();
    const master = (await t.currentMaster())!;
    const proxy = await t.proxy(master.appProxyName);
    for (const stream of ['upstream', 'downstream'] as const) await proxy.addToxic({ name: `capacity-test-${stream}`, type: 'bandwidth', stream, toxicity: 1, attributes: { rate: 60 } });
    s = await sweep(['--target', 'detached', '--data-path', 'proxied', '--scenario', kneeScenario, '--from', '250', '--factor', '2', '--step-duration', '5s', '--p99-precision', '100', '--max-steps', '4']);
  });

  test('without the fault 1,000 ops/s holds (no knee within its one step, below the target rate: exit 2); each step ran in 2 workers', () => {
    assert.ok(validate(control.c), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.deepEqual(control.c.steps.map((x) => [Math.round(x.requestedRate), x.result]), [[1000, 'within']], control.stdout);
    assert.equal(control.c.outcome.kind, 'no-knee');
    assert.equal(control.c.outcome.capacityRate, 1000);
    assert.equal(control.code, 2, control.stderr);
    assert.equal(control.c.settings.workers, 2);
    const step = JSON.parse(readFileSync(join(control.dir, 'steps', `${control.c.steps[0]!.runId}.summary.json`), 'utf8')) as { scaleOut: { workers: number } | null };
    assert.equal(step.scaleOut?.workers, 2);
  });

  test('capacity.json has the published shape', () => {
    assert.ok(validate(s.c), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(s.c.target.kind, 'detached');
    assert.equal(s.c.target.flushedBetweenSteps, false);
    assert.equal(s.c.settings.factor, 2);
  });

  test('steps within budget at low rates, over it at a higher one: the knee, below the scenario\'s target rate (exit 1)', () => {
    const results = s.c.steps.map((x) => [Math.round(x.requestedRate), x.result]);
    assert.deepEqual(results.slice(0, 2), [[250, 'within'], [500, 'within']], s.stdout);
    const over = s.c.steps.filter((x) => x.result === 'over');
    assert.ok(over.length >= 1, s.stdout);
    // The target's time: its p99 over budget while the generator kept up (no validity gate failed).
    for (const x of over) {
      assert.ok(x.reasons.some((r) => r.startsWith('p99 latency')), x.reasons.join('; '));
      assert.ok(x.gates.filter((g) => g.kind === 'validity').every((g) => g.pass), x.reasons.join('; '));
    }
    assert.ok(!s.c.steps.some((x) => x.result === 'harness-limit'), s.stdout);
    const o = s.c.outcome;
    assert.equal(o.kind, 'knee');
    assert.equal(o.harnessLimitRate, null);
    // The knee is at or below the rate the same target held without the fault.
    assert.ok(o.capacityRate! >= 500 && o.firstBadRate! <= control.c.outcome.capacityRate! && o.capacityRate! < o.firstBadRate!, JSON.stringify(o));
    assert.equal(o.aboveTargetRate, false);
    assert.equal(s.code, 1, s.stderr);
    assert.match(s.stdout, /^knee between [\d,]+ ops\/s \(held\) and [\d,]+ ops\/s \(over budget\): capacity [\d,]+ ops\/s, below the scenario's target rate 4,100 ops\/s/m);
  });

  test('one progress line per step, each step\'s run beside the sweep, memory per session measured and the sizing table from it', () => {
    assert.equal(s.stdout.split('\n').filter((l) => /^step \d+ \(/.test(l)).length, s.c.steps.length + s.c.steps.reduce((n, x) => n + x.attempt - 1, 0));
    for (const x of s.c.steps) {
      assert.ok(existsSync(join(s.dir, 'steps', `${x.runId}.summary.json`)));
      assert.ok(x.memory.bytesPerSession! > 100, `step ${x.index}: ${x.memory.bytesPerSession} bytes per session`);
      assert.ok(x.generator.cpuPercentMean > 0);
    }
    assert.ok(!readdirSync(join(s.dir, 'steps')).includes('summary.json'));
    assert.ok(s.c.memory.bytesPerSession! > 100);
    const row = s.c.sizing.rows.find((r) => r.sessions === 2000)!;
    assert.ok(row, JSON.stringify(s.c.sizing.rows));
    assert.ok(Math.abs(row.maxmemoryBytes - row.redisBytes / 0.75) < 1);
    assert.ok(Math.abs(row.elasticache.nodeBytes - row.maxmemoryBytes / 0.75) < 1);
    assert.equal(row.withinCapacity, false);
  });

  test('the page opens offline in Chromium with its four charts and the knee', async () => {
    const { page, problems, close } = await openOffline(join(s.dir, 'index.html'));
    try {
      assert.deepEqual(problems, []);
      assert.equal(await page.locator('.uplot').count(), 4);
      assert.match((await page.locator('#outcome').textContent()) ?? '', /^knee between/);
      assert.equal(await page.locator('#steps tbody tr.over').count(), s.c.steps.filter((x) => x.result === 'over').length);
      assert.equal(await page.locator('#sizing tbody tr').count(), s.c.sizing.rows.length);
    } finally {
      await close();
    }
  });
});

describe('a generator that cannot keep up: a harness limit, never the target\'s knee', { timeout: 120_000 }, () => {
  test('the first step falls behind: exit 2, "harness limit at N ops/s: add workers or machines", no capacity claimed; the embedded topology is gone afterwards', async () => {
    const s = await sweep(['--scenario', floodScenario, '--from', '100000', '--step-duration', '3s', '--max-steps', '2']);
    assert.ok(validate(s.c), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(s.code, 2, s.stdout + s.stderr);
    assert.equal(s.c.steps.length, 1);
    const step = s.c.steps[0]!;
    assert.equal(step.result, 'harness-limit');
    assert.ok(step.gates.some((g) => g.name === 'generator kept up with its schedule' && !g.pass), step.reasons.join('; '));
    assert.equal(s.c.outcome.kind, 'harness-limit');
    assert.equal(s.c.outcome.harnessLimitRate, 100_000);
    assert.equal(s.c.outcome.capacityRate, null);
    assert.equal(s.c.outcome.firstBadRate, null);
    assert.match(s.stdout, /^harness limit at 100,000 ops\/s: add workers or machines/m);
    assert.doesNotMatch(s.stdout, /^knee/m);
    assert.equal(s.c.target.kind, 'embedded');
    assert.equal(s.c.target.flushedBetweenSteps, true);
    const status = await runCli(['status']);
    assert.match(status.stdout + status.stderr, /no embedded topology is running/);
  });
});
