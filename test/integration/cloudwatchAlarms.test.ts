import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot, scratchDir } from './support.js';
import { knownMetricNames } from './knownMetrics.js';

/**
 * deploy/cloudwatch/: the CloudFormation template linted by cfn-lint (PyPI, in .tools/ from
 * scripts/setup.sh --with-cfn-lint), each Prometheus rule mapped to an alarm or to a stated gap
 * (docs/alerts.md), and the EC2 alarms reading only what the CloudWatch agent's configuration sends.
 */
const dir = join(repoRoot, 'deploy', 'cloudwatch');
const templatePath = join(dir, 'alarms.yaml');
const cfnLint = join(repoRoot, '.tools', 'cfn-lint-1.58.0', 'bin', 'cfn-lint');

interface MetricRef { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string; Value: string }> }
interface Alarm {
  Condition?: string;
  Properties: MetricRef & { AlarmDescription: string; Metrics?: Array<{ MetricStat?: { Metric: MetricRef } }> };
}
// The short-form intrinsics (!Ref, !Sub, ...) are read as their plain values: enough to see names.
const template = parse(readFileSync(templatePath, 'utf8'), { logLevel: 'silent' }) as { Resources: Record<string, unknown> };
/** Every alarm, the Fn::ForEach bodies included (once each, with the loop variable unexpanded). */
const alarms: Alarm[] = Object.entries(template.Resources).flatMap(([key, value]) => {
  if (key.startsWith('Fn::ForEach::')) return Object.values((value as unknown[])[2] as Record<string, Alarm>);
  return (value as { Type?: string }).Type === 'AWS::CloudWatch::Alarm' ? [value as Alarm] : [];
});
const metricsOf = (a: Alarm): MetricRef[] => (a.Properties.Metrics ? a.Properties.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : [])) : [a.Properties]);
const rules = (parse(readFileSync(join(repoRoot, 'compose', 'alert-rules.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> }).groups.flatMap((g) => g.rules.map((r) => r.alert));

/** docs/alerts.md's mapping table: rule -> [ElastiCache column, EC2 column]. */
function mappingTable(): Map<string, [string, string]> {
  const text = readFileSync(join(repoRoot, 'docs', 'alerts.md'), 'utf8');
  const rows = text.slice(text.indexOf('| rule | ElastiCache alarm | EC2 alarm (CloudWatch agent) |')).split('\n').slice(2);
  const table = new Map<string, [string, string]>();
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const cells = row.split('|').map((c) => c.trim());
    table.set(cells[1]!, [cells[2]!, cells[3]!]);
  }
  return table;
}

/** Rules whose alarm is missing without a stated reason, or stated missing though it exists. */
function mappingProblems(ruleNames: string[], table: Map<string, [string, string]>): string[] {
  const problems: string[] = [];
  for (const rule of ruleNames) {
    const [elasticache, ec2] = table.get(rule) ?? ['', ''];
    for (const [condition, column] of [['IsElastiCache', elasticache], ['IsEc2', ec2]] as const) {
      const has = alarms.some((a) => a.Condition === condition && new RegExp(`\\b${rule}\\b`).test(a.Properties.AlarmDescription));
      if (has && /^none/.test(column)) problems.push(`${rule}: ${condition} has an alarm, docs/alerts.md says none`);
      if (!has && !/^none/.test(column)) problems.push(`${rule}: no ${condition} alarm, and docs/alerts.md does not say why`);
    }
  }
  return problems;
}

function lint(file: string): { code: number; out: string } {
  const r = spawnSync(cfnLint, [file], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? 1, out: r.stdout + r.stderr };
}

describe('CloudWatch alarms as code (deploy/cloudwatch/)', { timeout: 180_000 }, () => {
  test('cfn-lint passes the template, and fails it with a misspelt property or a wrong operator', () => {
    assert.ok(existsSync(cfnLint), `${cfnLint} (run scripts/setup.sh --with-cfn-lint)`);
    const ok = lint(templatePath);
    assert.equal(ok.code, 0, ok.out);
    const work = scratchDir('gauntlet-cfn-');
    const source = readFileSync(templatePath, 'utf8');
    const typo = join(work, 'typo.yaml');
    writeFileSync(typo, source.replace('          Threshold: 52000', '          Threshhold: 52000'));
    assert.match(lint(typo).out, /E3002.*Threshhold/);
    const operator = join(work, 'operator.yaml');
    writeFileSync(operator, source.replace('ComparisonOperator: LessThanThreshold', 'ComparisonOperator: LowerThanThreshold'));
    assert.match(lint(operator).out, /E3030.*LowerThanThreshold/);
  });

  test('an SNS topic receives every alarm and its recovery; ElastiCache can publish to it (unencrypted, aws:SourceOwner)', () => {
    const topic = template.Resources.AlarmTopic as { Type: string; Properties: Record<string, unknown> };
    assert.equal(topic.Type, 'AWS::SNS::Topic');
    assert.equal(topic.Properties.KmsMasterKeyId, undefined, 'ElastiCache cannot publish to an encrypted topic');
    assert.match(JSON.stringify(template.Resources.AlarmTopicPolicy), /aws:SourceOwner/);
    for (const a of alarms) {
      const p = a.Properties as unknown as { AlarmActions: string[]; OKActions: string[] };
      assert.deepEqual([p.AlarmActions, p.OKActions], [['AlarmTopic'], ['AlarmTopic']], a.Properties.AlarmDescription);
    }
  });

  test('each Prometheus rule has an ElastiCache and an EC2 alarm, or docs/alerts.md says why there is none', () => {
    const table = mappingTable();
    assert.deepEqual([...table.keys()].sort(), [...rules].sort(), 'the table lists every rule once');
    assert.deepEqual(mappingProblems(rules, table), []);
    // The other way: a rule with neither alarm nor reason, and a reason where an alarm exists.
    assert.deepEqual(mappingProblems(['RedisSomethingNew'], new Map([['RedisSomethingNew', ['', '']]])), ['RedisSomethingNew: no IsElastiCache alarm, and docs/alerts.md does not say why', 'RedisSomethingNew: no IsEc2 alarm, and docs/alerts.md does not say why']);
    assert.deepEqual(mappingProblems(['RedisDown'], new Map([['RedisDown', ['none', 'x']]])), ['RedisDown: IsElastiCache has an alarm, docs/alerts.md says none']);
  });

  test("every EC2 alarm reads a metric the agent's configuration sends, with the dimensions it declares, named as the exporters name it", () => {
    const agent = JSON.parse(readFileSync(join(dir, 'cloudwatch-agent.json'), 'utf8')) as {
      metrics: { aggregation_dimensions: string[][]; metrics_collected: { procstat: Array<{ pattern: string; measurement: string[] }> } };
      logs: { metrics_collected: { prometheus: { emf_processor: { metric_namespace: string; metric_declaration: Array<{ dimensions: string[][]; metric_selectors: string[]; label_matcher: string }> } } } };
    };
    const emf = agent.logs.metrics_collected.prometheus.emf_processor;
    const known = knownMetricNames();
    const scrape = parse(readFileSync(join(dir, 'prometheus.yaml'), 'utf8')) as { scrape_configs: Array<{ job_name: string }> };
    const jobs = scrape.scrape_configs.map((j) => j.job_name);
    for (const d of emf.metric_declaration) assert.ok(jobs.includes(/^\^(\w+)/.exec(d.label_matcher)![1]!), `${d.label_matcher}: a job the agent scrapes`);
    const declared = (name: string, dims: string[]): boolean =>
      emf.metric_declaration.some((d) => d.metric_selectors.some((s) => new RegExp(s).test(name)) && d.dimensions.some((set) => [...set].sort().join() === [...dims].sort().join()));
    let checked = 0;
    for (const a of alarms.filter((x) => x.Condition === 'IsEc2')) {
      for (const m of metricsOf(a)) {
        const dims = (m.Dimensions ?? []).map((d) => d.Name);
        if (m.Namespace === 'CWAgent') {
          assert.equal(m.MetricName, 'procstat_lookup_pid_count');
          assert.deepEqual(agent.metrics.aggregation_dimensions, [['cluster', 'node', 'pattern']]);
          assert.deepEqual([...dims].sort(), ['cluster', 'node', 'pattern']);
          const pattern = m.Dimensions!.find((d) => d.Name === 'pattern')!.Value;
          assert.ok(agent.metrics.metrics_collected.procstat.some((p) => p.pattern === pattern && p.measurement.includes('pid_count')), `procstat pattern ${pattern}`);
        } else {
          assert.equal(m.Namespace, 'MetricNamespace', 'the namespace parameter (default: the agent\'s metric_namespace)');
          assert.ok(known.has(m.MetricName), `${m.MetricName}: a name the exporters serve`);
          assert.ok(declared(m.MetricName, dims), `${m.MetricName} with ${dims.join(', ')}: declared in cloudwatch-agent.json`);
        }
        checked++;
      }
    }
    assert.ok(checked > 20, `${checked} metric reads checked`);
    const parameters = (parse(readFileSync(templatePath, 'utf8'), { logLevel: 'silent' }) as { Parameters: { MetricNamespace: { Default: string } } }).Parameters;
    assert.equal(parameters.MetricNamespace.Default, emf.metric_namespace);
    assert.equal(declared('redis_up', ['cluster', 'nod']), false, 'the check refuses dimensions the agent does not send');
  });
});
