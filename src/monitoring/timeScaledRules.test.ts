import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { globalScrapeIntervalMs, parsePrometheusDuration, timeScaledRules } from './timeScaledRules.js';

const rules = `groups:
  - name: main
    rules:
      - alert: Quick
        expr: up == 0
        for: 30s
        labels: { severity: critical }
      - alert: Slow
        expr: rate(x[2m]) > 1
        for: 1h30m
        keep_firing_for: 5m
      - alert: AtOnce
        expr: increase(y[5m]) > 0
  - name: backup
    rules:
      - alert: Old
        expr: time() - z > 900
        for: 5m
`;

test('Prometheus durations are read in milliseconds, and anything else is refused', () => {
  assert.equal(parsePrometheusDuration('30s'), 30_000);
  assert.equal(parsePrometheusDuration('1h30m'), 5_400_000);
  assert.equal(parsePrometheusDuration('500ms'), 500);
  assert.throws(() => parsePrometheusDuration('1 minute'));
  assert.throws(() => parsePrometheusDuration('5m junk'));
});

test('every for: is divided by the factor; expressions, labels and rules without for: are unchanged', () => {
  const out = parse(timeScaledRules(rules, { factor: 15 })) as { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> };
  const [quick, slow, atOnce] = out.groups[0]!.rules;
  assert.equal(quick!.for, '2s');
  assert.deepEqual(quick!.labels, { severity: 'critical' });
  assert.equal(slow!.for, '360s');
  assert.equal(slow!.keep_firing_for, '20s');
  assert.equal(slow!.expr, 'rate(x[2m]) > 1');
  assert.equal(atOnce!.for, undefined);
  assert.equal(out.groups[1]!.rules[0]!.for, '20s');
});

test('a duration never scales below one second, and named groups are left out', () => {
  const out = parse(timeScaledRules(rules, { factor: 1000, dropGroups: ['backup'] })) as { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> };
  assert.deepEqual(out.groups.map((g) => g.name), ['main']);
  assert.equal(out.groups[0]!.rules[0]!.for, '1s');
});

test("the reference deployment's Prometheus scrapes every 15 s (the interval the rules are written for)", () => {
  assert.equal(globalScrapeIntervalMs(readFileSync(new URL('../../compose/prometheus/prometheus.yml', import.meta.url), 'utf8')), 15_000);
  assert.equal(globalScrapeIntervalMs('scrape_configs: []\n'), 60_000);
});
