import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { repoRoot, scratchDir } from './support.js';
import { knownMetricNames, promqlMetricNames } from './knownMetrics.js';

const run = promisify(execFile);
const dashboardsDir = join(repoRoot, 'compose', 'grafana', 'dashboards');

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Array<{ refId: string; expr?: string; datasource?: { uid?: string } }>;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list: Array<{ name: string; query?: { query?: string } | string }> };
}
const dashboards = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, d: JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')) as Dashboard }));
const known = knownMetricNames();

/** Why a dashboard is not what compose provisions and a 15 s Prometheus can fill, one line each. */
function dashboardProblems(d: Dashboard): string[] {
  const problems: string[] = [];
  if (!d.uid || !d.title) problems.push('no uid or title');
  if (!Array.isArray(d.panels) || d.panels.length === 0) problems.push('no panels');
  const ids = new Set<number>();
  for (const p of d.panels ?? []) {
    const where = `panel ${p.id} "${p.title}"`;
    if (ids.has(p.id)) problems.push(`${where}: id used twice`);
    ids.add(p.id);
    if (!p.gridPos) problems.push(`${where}: no gridPos`);
    if (p.datasource?.uid !== 'prometheus') problems.push(`${where}: data source is not uid prometheus (the one compose provisions)`);
    const exprs = (p.targets ?? []).map((t) => t.expr ?? '').filter((e) => e.trim());
    if (exprs.length === 0) problems.push(`${where}: no query`);
    for (const e of exprs) {
      for (const m of e.matchAll(/\b(rate|irate|increase|delta|deriv)\s*\([^[]*\[([^\]]+)\]/g)) {
        if (m[2] !== '$__rate_interval') problems.push(`${where}: ${m[1]}() over [${m[2]}], not [$__rate_interval] (empty or jumpy at a 15 s scrape)`);
      }
      for (const name of promqlMetricNames(e)) if (!known.has(name)) problems.push(`${where}: ${name} is not a metric the exporters or gauntlet produce`);
    }
  }
  return problems;
}

/** Every query as it would reach Prometheus (variables filled in), for promtool to parse. */
const filled = (expr: string): string => expr.replaceAll('$__rate_interval', '1m').replaceAll('$cluster', 'compose').replaceAll('$node', '.*');

describe('Grafana dashboards (compose/grafana/dashboards/)', { timeout: 60_000 }, () => {
  test('the Redis dashboard sits beside gauntlet\'s, and each parses with panels that each have a query', () => {
    assert.deepEqual(dashboards.map((x) => x.file).sort(), ['gauntlet.json', 'redis.json']);
    const redis = dashboards.find((x) => x.file === 'redis.json')!.d;
    const text = JSON.stringify(redis);
    for (const metric of ['redis_memory_used_bytes', 'redis_connected_clients', 'redis_commands_processed_total', 'redis_keyspace_hits_total', 'redis_connected_slave_offset_bytes', 'redis_sentinel_master_ok_sentinels', 'redis_commands_duration_seconds_total']) {
      assert.ok(text.includes(metric), `the Redis dashboard shows ${metric}`);
    }
    assert.deepEqual(redis.templating?.list.map((v) => v.name), ['cluster', 'node'], 'one deployment at a time, chosen by its cluster label');
    assert.equal(new Set(dashboards.map((x) => x.d.uid)).size, dashboards.length, 'uids differ');
  });

  test('every query uses $__rate_interval and only metric names the exporters or gauntlet produce', () => {
    for (const { file, d } of dashboards) assert.deepEqual(dashboardProblems(d), [], file);
  });

  test('the checks catch a fixed rate window, an unknown metric and a panel without a query', () => {
    const bad: Dashboard = {
      uid: 'x',
      title: 'x',
      panels: [
        { id: 1, type: 'timeseries', title: 'old window', datasource: { uid: 'prometheus' }, gridPos: { h: 1, w: 1, x: 0, y: 0 }, targets: [{ refId: 'A', expr: 'rate(gauntlet_errors_total[10s])' }] },
        { id: 2, type: 'timeseries', title: 'typo', datasource: { uid: 'prometheus' }, gridPos: { h: 1, w: 1, x: 0, y: 0 }, targets: [{ refId: 'A', expr: 'redis_memory_usedbytes' }] },
        { id: 3, type: 'stat', title: 'empty', datasource: { uid: 'prometheus' }, gridPos: { h: 1, w: 1, x: 0, y: 0 }, targets: [] },
      ],
    };
    const problems = dashboardProblems(bad).join('\n');
    assert.match(problems, /old window.*\[10s\]/);
    assert.match(problems, /redis_memory_usedbytes is not a metric/);
    assert.match(problems, /"empty": no query/);
  });

  test('every query is valid PromQL (promtool parses each as a recording rule)', async () => {
    const exprs = dashboards.flatMap(({ d }) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => filled(t.expr ?? ''))));
    const file = join(scratchDir('gauntlet-dashboards-'), 'queries.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard-queries', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
    const { stdout } = await run('promtool', ['check', 'rules', file]);
    assert.match(stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  });
});
