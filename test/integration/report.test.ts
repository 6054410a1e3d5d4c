import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from 'xmlbuilder2';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { freePort } from '../../src/topology/freePort.js';
import { gauntletBin, isolatedHome, openOffline, repoRoot, reportedSummary, runCli, impossibleScenarioFile, scratchDir } from './support.js';
import type { Summary } from '../../src/report/summarySchema.js';

isolatedHome();
const work = scratchDir('gauntlet-report-');
const reports = join(work, 'reports');
// The smoke scenario with an impossible budget, so this run has failing thresholds to report.
const scenario = impossibleScenarioFile(work, 'smoke-strict');
const documentedSeries = ['gauntlet_operations_total', 'gauntlet_operation_latency_seconds_bucket', 'gauntlet_errors_total', 'gauntlet_sessions', 'gauntlet_recent_p99_seconds', 'gauntlet_failovers_total'];

describe('reports of a kill-master run', { timeout: 300_000 }, () => {
  let runDir = '';
  let summary: Summary;
  let scraped = '';
  let exitCode = -1;

  before(async () => {
    const up = await runCli(['up', '--detach']);
    assert.equal(up.code, 0, up.stderr);
    const port = await freePort();
    const child = spawn(process.execPath, [gauntletBin, 'run', '--scenario', scenario, '--target', 'detached', '--chaos', 'kill-master', '--out', reports, '--quiet', '--metrics-port', String(port), '--monitoring'], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
    // Scrape while the run is live (after a few seconds of load).
    for (let i = 0; i < 60 && !/^gauntlet_sessions [1-9]/m.test(scraped); i++) {
      await sleep(500);
      scraped = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    }
    exitCode = await exited;
    ({ s: summary, dir: runDir } = reportedSummary({ stdout, stderr: '' }));
  });
  after(async () => {
    await runCli(['down']);
  });

  test('the metrics endpoint serves the documented series during the run', () => {
    for (const series of documentedSeries) assert.match(scraped, new RegExp(`^${series}`, 'm'), series);
    assert.match(scraped, /gauntlet_operations_total\{op="login",result="ok"\} [1-9]/);
  });

  test('summary.json validates against the published schema, and the failing gate gives exit 1', () => {
    const schema = JSON.parse(readFileSync(join(repoRoot, 'docs', 'summary.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ strict: false }).compile(schema);
    assert.ok(validate(summary), JSON.stringify(validate.errors));
    assert.equal(summary.verdict, 'fail');
    assert.equal(exitCode, 1);
  });

  test('junit.xml is well-formed, has a testcase per gate, and a failure for each failing one', () => {
    const doc = create(readFileSync(join(runDir, 'junit.xml'), 'utf8')).end({ format: 'object' }) as { testsuites: { testsuite: { testcase: Array<{ '@name': string; failure?: unknown }> } } };
    const cases = doc.testsuites.testsuite.testcase;
    assert.equal(cases.length, summary.thresholds.length);
    const failing = summary.thresholds.filter((t) => !t.pass && t.kind !== 'validity').map((t) => t.name).sort();
    assert.ok(failing.length > 0);
    assert.deepEqual(cases.filter((c) => c.failure !== undefined).map((c) => c['@name']).sort(), failing);
  });

  test('index.html loads in headless Chromium with no console errors and every chart drawn', async () => {
    const { page, problems, close } = await openOffline(join(runDir, 'index.html'));
    try {
      assert.deepEqual(problems, []);
      const charts = await page.evaluate(() =>
        Array.from(document.querySelectorAll(".chart")).map((el) => {
          const c = el.querySelector('canvas');
          if (!c) return { id: el.id, drawn: 0 };
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let drawn = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) drawn++;
          return { id: el.id, drawn };
        }),
      );
      assert.deepEqual(charts.map((c) => c.id), ['chart-latency', 'chart-throughput', 'chart-sessions', 'chart-spectrum']);
      for (const c of charts) assert.ok(c.drawn > 1000, `${c.id}: ${c.drawn} painted pixels`);
      assert.match(await page.textContent('#verdict') ?? '', /^FAIL/);
      assert.ok((await page.$$('table.events tr')).length > 2, 'sentinel events listed');
      if (process.env.GAUNTLET_SCREENSHOT) await page.screenshot({ path: process.env.GAUNTLET_SCREENSHOT, fullPage: true });
    } finally {
      await close();
    }
  });

  test('Prometheus evaluated the alert rules during the run: RedisDown fired for the killed master, and the report lists it with the query it used', () => {
    assert.ok(summary.alerts, 'alerts evaluated');
    const killed = /killed (node-\d)/.exec(summary.chaos.steps[0]!.detail)?.[1];
    assert.ok(killed, summary.chaos.steps[0]!.detail);
    assert.ok(summary.alerts.some((a) => a.name === 'RedisDown' && a.labels.node === killed && a.labels.cluster === `gauntlet-${summary.target.topologyId}`), JSON.stringify(summary.alerts));
    assert.ok(Array.isArray(summary.slowLog));
    const html = readFileSync(join(runDir, 'index.html'), 'utf8');
    assert.match(html, /<table class="alerts">.*RedisDown/s);
    assert.match(html, /Prometheus queries used: <code>ALERTS\{alertstate=&quot;firing&quot;\}<\/code> as a range query/);
  });

  test('`gauntlet report` re-renders the HTML from the saved summary', async () => {
    rmSync(join(runDir, 'index.html'));
    const r = await runCli(['report', runDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(runDir, 'index.html')));
    assert.match(readFileSync(join(runDir, 'index.html'), 'utf8'), new RegExp(summary.runId));
  });

  test('compare passes an identical pair and flags an injected regression', async () => {
    const base = join(runDir, 'summary.json');
    const same = await runCli(['compare', base, base]);
    assert.equal(same.code, 0, same.stdout);
    assert.match(same.stdout, /no regression/);
    const worse = structuredClone(summary);
    worse.latencyMs.outsideChaos!.overall.p99 = summary.latencyMs.outsideChaos!.overall.p99 * 3 + 5;
    worse.ledger!.lost = summary.ledger!.lost + 7;
    const worseFile = join(work, 'worse.json');
    writeFileSync(worseFile, JSON.stringify(worse));
    const r = await runCli(['compare', base, worseFile]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /p99 ms, all operations.*REGRESSION/);
    assert.match(r.stdout, /acknowledged writes lost.*REGRESSION/);
    // A baseline kept from an older gauntlet (before `clients` and `chaos.drills`) still reads and renders.
    const older = structuredClone(summary) as unknown as Record<string, unknown> & { chaos: Record<string, unknown> };
    delete older.clients;
    delete older.chaos.drills;
    const olderDir = join(work, 'older-run');
    mkdirSync(olderDir, { recursive: true });
    writeFileSync(join(olderDir, 'summary.json'), JSON.stringify(older));
    const againstOlder = await runCli(['compare', join(olderDir, 'summary.json'), base]);
    assert.equal(againstOlder.code, 0, againstOlder.stdout + againstOlder.stderr);
    const rendered = await runCli(['report', olderDir]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const bad = await runCli(['compare', base, join(work, 'missing.json')]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /missing\.json: not found/);
  });
});
