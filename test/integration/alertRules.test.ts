import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot, scratchDir } from './support.js';
import { markdownAnchors } from './markdownAnchors.js';
import { knownMetricNames, promqlMetricNames } from './knownMetrics.js';
import { timeScaledRules } from '../../src/monitoring/timeScaledRules.js';

const run = promisify(execFile);
const compose = join(repoRoot, 'compose');
const rulesPath = join(compose, 'alert-rules.yml');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rulesSource = readFileSync(rulesPath, 'utf8');
const rules = (parse(rulesSource) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const unitTests = (parse(readFileSync(join(compose, 'alert-rules.test.yml'), 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> }).tests.flatMap((t) => t.alert_rule_test);
const runbookAnchors = markdownAnchors(readFileSync(join(repoRoot, 'docs', 'runbook.md'), 'utf8'));

/** Why a rule's runbook_url does not lead to a section of docs/runbook.md, or null. */
function runbookProblem(rule: Rule, anchors: Set<string>): string | null {
  const url = rule.annotations?.runbook_url;
  if (!url) return `${rule.alert}: no runbook_url`;
  const m = /^docs\/runbook\.md#(.+)$/.exec(url);
  if (!m) return `${rule.alert}: runbook_url ${url} is not docs/runbook.md#<anchor>`;
  return anchors.has(m[1]!) ? null : `${rule.alert}: docs/runbook.md has no anchor #${m[1]}`;
}

/**
 * Why an expression would mix deployments in one Prometheus, or null: absent() cannot say which
 * deployment is missing a series, an aggregation without `by (cluster...)` folds deployments
 * together, and a vector match `on (...)` without cluster pairs series across them.
 */
function groupingProblem(expr: string): string | null {
  if (/\babsent(_over_time)?\s*\(/.test(expr)) return 'absent() has no deployment label';
  for (const m of expr.matchAll(/\b(sum|count|max|min|avg|stddev|stdvar|topk|bottomk|quantile|count_values|group)\s*(by|without)?\s*(\([^)]*\))?\s*\(/g)) {
    if (m[2] !== 'by' || !/\bcluster\b/.test(m[3] ?? '')) return `${m[0].trim()} is not grouped by cluster`;
  }
  for (const m of expr.matchAll(/\b(on|ignoring)\s*\(([^)]*)\)/g)) {
    if (m[1] === 'ignoring' || !/\bcluster\b/.test(m[2]!)) return `${m[0]} does not match on cluster`;
  }
  return null;
}

describe('alert rules (compose/alert-rules.yml)', { timeout: 60_000 }, () => {
  test('are valid Prometheus rules, each with a severity, a summary and a runbook link', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', rulesPath]);
    assert.match(stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
    assert.ok(rules.length >= 20, `${rules.length} rules`);
    for (const r of rules) {
      assert.ok(['critical', 'warning'].includes(r.labels?.severity ?? ''), `${r.alert}: severity ${r.labels?.severity}`);
      assert.ok(r.annotations?.summary?.includes('{{ $labels.cluster }}'), `${r.alert}: the summary names the deployment`);
    }
  });

  test('read only metric names the installed exporters (captured /metrics), the backup job or gauntlet produce; a typo is caught', () => {
    const known = knownMetricNames();
    const unknown = rules.flatMap((r) => promqlMetricNames(r.expr).filter((n) => !known.has(n)).map((n) => `${r.alert}: ${n}`));
    assert.deepEqual(unknown, []);
    assert.ok(known.has('redis_cpu_user_main_thread_seconds_total') && known.has('redis_sentinel_master_ok_sentinels') && known.has('probe_ssl_earliest_cert_expiry'));
    assert.deepEqual(promqlMetricNames('rate(redis_cpu_main_thread_seconds_total{job="redis"}[2m]) > 0.8').filter((n) => !known.has(n)), ['redis_cpu_main_thread_seconds_total']);
  });

  test('pass their promtool unit tests, which test every rule firing and not firing', async () => {
    const { stdout, stderr } = await run('promtool', ['test', 'rules', join(compose, 'alert-rules.test.yml')], { cwd: compose });
    assert.match(stdout + stderr, /SUCCESS/);
    for (const r of rules) {
      const cases = unitTests.filter((c) => c.alertname === r.alert);
      assert.ok(cases.some((c) => c.exp_alerts.length > 0), `${r.alert}: no promtool test sees it fire`);
      assert.ok(cases.some((c) => c.exp_alerts.length === 0), `${r.alert}: no promtool test sees it not fire`);
    }
  });

  test('every runbook_url resolves to a heading of docs/runbook.md (GitHub anchors); a broken one is caught', () => {
    assert.ok(runbookAnchors.has('restore-from-backup-point-in-time-restore'), 'anchors are read the way GitHub makes them');
    assert.deepEqual(rules.map((r) => runbookProblem(r, runbookAnchors)).filter(Boolean), []);
    assert.match(runbookProblem({ alert: 'X', expr: 'up', annotations: { runbook_url: 'docs/runbook.md#no-such-section' } }, runbookAnchors) ?? '', /no anchor #no-such-section/);
    assert.match(runbookProblem({ alert: 'X', expr: 'up', annotations: {} }, runbookAnchors) ?? '', /no runbook_url/);
    // A heading inside a fenced code block is no anchor.
    assert.equal(markdownAnchors('```sh\n# not a heading\n```\n## Real one\n').has('not-a-heading'), false);
    assert.equal(markdownAnchors('```sh\n# not a heading\n```\n## Real one\n').has('real-one'), true);
  });

  test('every expression keeps the deployments apart (grouped and matched by cluster); the old ungrouped ones are caught', () => {
    assert.deepEqual(rules.map((r) => [r.alert, groupingProblem(r.expr)]).filter(([, p]) => p), []);
    assert.match(groupingProblem('absent(redis_instance_info{role="master"} and on(instance) redis_up == 1)') ?? '', /absent/);
    assert.match(groupingProblem('count(redis_instance_info{role="master"}) > 1') ?? '', /not grouped by cluster/);
    assert.match(groupingProblem('max by (instance) (redis_connected_slaves) < 2') ?? '', /not grouped by cluster/);
    assert.match(groupingProblem('redis_connected_slaves and on(instance) redis_instance_info{role="master"}') ?? '', /does not match on cluster/);
    assert.equal(groupingProblem('count by (cluster) (redis_up) unless on (cluster) redis_up == 1'), null);
  });

  test("the time-scaled copy gauntlet's 1 s Prometheus evaluates is valid, has every non-backup rule, and scales for: by 15", async () => {
    const scaled = timeScaledRules(rulesSource, { factor: 15, dropGroups: ['redis-session-store-backup'] });
    const file = join(scratchDir('gauntlet-rules-'), 'alert-rules.yml');
    writeFileSync(file, scaled);
    const { stdout } = await run('promtool', ['check', 'rules', file]);
    const scaledRules = (parse(scaled) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
    assert.match(stdout, new RegExp(`SUCCESS: ${scaledRules.length} rules found`));
    assert.deepEqual(scaledRules.map((r) => r.alert), rules.filter((r) => !r.alert.startsWith('RedisBackup')).map((r) => r.alert));
    assert.equal(scaledRules.find((r) => r.alert === 'RedisDown')?.for, '2s');
    assert.equal(scaledRules.find((r) => r.alert === 'SentinelQuorumLost')?.for, '4s');
  });
});
