import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { floodScenarioFile, isolatedHome, openOffline, reportedSummary, runCli, smokeScenarioFile, impossibleScenarioFile, scratchDir } from './support.js';
import type { Summary } from '../../src/report/summarySchema.js';
import type { TrendHistory } from '../../src/history/trendSeries.js';

isolatedHome();
const work = scratchDir('gauntlet-history-');
const reports = join(work, 'reports');
// The smoke scenario, shortened to 7 s with --duration 4s: a budget no healthy run misses, and one no run meets.
const generous = smokeScenarioFile(work, 'smoke-generous', { p99Ms: 500, perOperationP99Ms: 500, maxErrorRate: 0.5 });
const impossible = impossibleScenarioFile(work, 'smoke-impossible');
const flood = floodScenarioFile(work);

interface Night {
  code: number;
  stdout: string;
  dir: string;
  s: Summary;
}
async function night(scenario: string, extra: string[] = ['--duration', '4s']): Promise<Night> {
  const r = await runCli(['run', '--scenario', scenario, '--target', 'detached', '--out', reports, '--quiet', ...extra]);
  const { s, dir } = reportedSummary(r);
  return { code: r.code, stdout: r.stdout, dir, s };
}

/** A copy of a night's run directory under `history/<name>`, its summary changed by `edit`. */
function copyNight(from: Night, name: string, edit: (s: Record<string, unknown> & Summary) => void): string {
  const to = join(work, 'history', name);
  cpSync(from.dir, to, { recursive: true });
  const s = structuredClone(from.s) as Record<string, unknown> & Summary;
  s.runId = name;
  edit(s);
  writeFileSync(join(to, 'summary.json'), JSON.stringify(s));
  return to;
}

describe('nights made by real runs: --baseline auto, and the history of them with a planted drift', { timeout: 400_000 }, () => {
  let passed: Night;
  let failed: Night;
  let invalid: Night;
  let again: Night;

  before(async () => {
    const up = await runCli(['up', '--detach']);
    assert.equal(up.code, 0, up.stderr);
    passed = await night(generous);
    failed = await night(impossible, ['--duration', '4s', '--baseline', 'auto', '--history', reports]);
    invalid = await night(flood, ['--baseline', 'auto', '--history', reports]);
    again = await night(generous, ['--duration', '4s', '--baseline', 'auto', '--history', reports]);
  });
  after(async () => {
    await runCli(['down']);
  });

  test('the runs are a pass, a fail and an invalid night', () => {
    assert.deepEqual([passed.code, failed.code, invalid.code], [0, 1, 2], [passed, failed, invalid].map((n) => n.s.verdictReason).join('\n'));
    // Against `passed`, run-to-run noise of a 4 s smoke can exceed the comparison's tolerance
    // (a regression gate then fails it): every other gate holds.
    assert.deepEqual(again.s.thresholds.filter((g) => !g.pass && g.kind !== 'regression').map((g) => g.name), [], again.s.verdictReason);
  });

  test('--baseline auto compares with the newest passing run of the same settings and says which; none matching is one line, not an error', () => {
    const used = (n: Night) => /^against baseline (\S+) \(run (\S+) /m.exec(n.stdout)?.slice(1);
    assert.deepEqual(used(failed), [join(passed.dir, 'summary.json'), passed.s.runId]);
    // The failed and invalid runs are newer than `passed`, but only a passing run is a baseline.
    assert.deepEqual(used(again), [join(passed.dir, 'summary.json'), passed.s.runId]);
    assert.match(again.stdout, /p99 ms, all operations/);
    // The flood has other stages: no earlier run of its settings.
    assert.equal(used(invalid), undefined);
    assert.match(invalid.stdout, /^no baseline: no earlier passing run of smoke \(5000 sessions\) on detached, async writes, no chaos in \S+; not compared$/m);
  });

  test('history over the nights: the page has no console errors in Chromium, marks failed and invalid nights, links each report, and shows the planted drift (exit 1)', async () => {
    // The real nights, an older summary without the newer optional fields, and a week of copies whose p99 rises 4 % a night.
    for (const n of [passed, failed, invalid, again]) cpSync(n.dir, join(work, 'history', n.s.runId), { recursive: true });
    copyNight(passed, 'older-without-clients', (s) => {
      delete (s as Partial<Summary>).clients;
      delete (s.chaos as Partial<Summary['chaos']>).drills;
      s.startedAt = new Date(Date.parse(passed.s.startedAt) - 86_400_000).toISOString();
    });
    const base = Date.parse(again.s.startedAt);
    for (let i = 1; i <= 7; i++) {
      copyNight(again, `drift-${i}`, (s) => {
        // A week of passing nights (the drift rule judges those), whatever noise `again` met.
        s.verdict = 'pass';
        s.thresholds = s.thresholds.filter((g) => g.kind !== 'regression');
        s.startedAt = new Date(base + i * 86_400_000).toISOString();
        for (const p of [s.latencyMs.overall, ...Object.values(s.latencyMs.byOp)]) p.p99 = Math.max(p.p99, 2) * 1.04 ** i;
      });
    }
    const trend = join(work, 'trend');
    const r = await runCli(['history', join(work, 'history'), '--out', trend]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /p99 latency, all operations: DRIFT: rose in 6 of 6 steps over the last 7 passing nights/);
    const h = JSON.parse(readFileSync(join(trend, 'history.json'), 'utf8')) as TrendHistory;
    const smoke = h.groups.find((g) => g.nights.some((n) => n.runId === passed.s.runId))!;
    assert.deepEqual(smoke.nights.map((n) => n.runId), ['older-without-clients', passed.s.runId, failed.s.runId, again.s.runId, ...[1, 2, 3, 4, 5, 6, 7].map((i) => `drift-${i}`)]);
    assert.equal(h.groups.find((g) => g.nights.some((n) => n.runId === invalid.s.runId))?.nights[0]?.verdict, 'invalid');
    for (const g of h.groups) for (const n of g.nights) assert.ok(n.report && existsSync(resolve(trend, n.report)), `${n.runId}: ${n.report}`);

    const { page, problems, close } = await openOffline(join(trend, 'index.html'));
    try {
      assert.deepEqual(problems, []);
      assert.ok(Number(await page.evaluate(() => document.body.dataset.chartsDrawn)) >= 10);
      assert.match((await page.textContent('#verdict')) ?? '', /^DRIFT/);
      const gi = h.groups.indexOf(smoke);
      assert.match((await page.textContent(`#drift-${gi}`)) ?? '', /^DRIFT in \d+ metric/);
      assert.match((await page.textContent(`#group-${gi} ul.drift-checks`)) ?? '', /p99 latency, all operations: DRIFT/);
      const rows = await page.$$eval(`#group-${gi} tr.night`, (trs) => trs.map((tr) => ({ cls: tr.className, href: tr.querySelector('a')?.getAttribute('href') ?? null })));
      assert.equal(rows.length, smoke.nights.length);
      // The failed night, and the re-run when noise failed its regression gate.
      assert.equal(rows.filter((x) => x.cls.includes('fail')).length, smoke.nights.filter((n) => n.verdict === 'fail').length);
      assert.ok(smoke.nights.some((n) => n.runId === failed.s.runId && n.verdict === 'fail'));
      assert.ok(rows.every((x) => x.href !== null));
      assert.match((await page.textContent(`#group-${h.groups.findIndex((g) => g.nights[0]?.verdict === 'invalid')} tr.night.invalid`)) ?? '', /INVALID/);
      if (process.env.GAUNTLET_SCREENSHOT) await page.screenshot({ path: process.env.GAUNTLET_SCREENSHOT, fullPage: true });
    } finally {
      await close();
    }
  });

  test('the same nights without the planted rise: no drift, exit 0', async () => {
    const flat = join(work, 'flat');
    for (const n of [passed, failed, again]) cpSync(n.dir, join(flat, n.s.runId), { recursive: true });
    for (let i = 1; i <= 7; i++) {
      const to = join(flat, `flat-${i}`);
      mkdirSync(to, { recursive: true });
      writeFileSync(join(to, 'summary.json'), JSON.stringify({ ...again.s, verdict: 'pass', thresholds: again.s.thresholds.filter((g) => g.kind !== 'regression'), runId: `flat-${i}`, startedAt: new Date(Date.parse(again.s.startedAt) + i * 86_400_000).toISOString() }));
    }
    const r = await runCli(['history', flat, '--out', join(work, 'flat-trend')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no drift/);
  });

  test('bad input is one line and exit 3: a missing directory, a directory without summaries, a bad rule', async () => {
    const missing = await runCli(['history', join(work, 'nope')]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /nope: not found\n$/);
    mkdirSync(join(work, 'empty'));
    const empty = await runCli(['history', join(work, 'empty'), '--out', join(work, 'empty-trend')]);
    assert.equal(empty.code, 3);
    assert.match(empty.stderr, /no readable summary\.json in/);
    const rule = await runCli(['history', join(work, 'history'), '--window', '5', '--rising', '5']);
    assert.equal(rule.code, 3);
    assert.match(rule.stderr, /--rising must be a whole number from 1 to 4/);
    const history = await runCli(['run', '--scenario', generous, '--history', reports]);
    assert.equal(history.code, 3);
    assert.match(history.stderr, /--history DIR goes with --baseline auto/);
  });
});
