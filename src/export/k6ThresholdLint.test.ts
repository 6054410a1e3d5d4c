import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../load/loadScenario.js';
import { k6Script } from './k6Script.js';
import { definedMetrics, lintK6Thresholds, parseThresholdExpression, parseThresholdKey, scriptOptions } from './k6ThresholdLint.js';

test('threshold expressions parse as k6 parses them', () => {
  assert.deepEqual(parseThresholdExpression('p(99)<10'), { aggregation: 'p', percentile: 99, operator: '<', value: 10 });
  assert.deepEqual(parseThresholdExpression('p(99.9) <= 2.5'), { aggregation: 'p', percentile: 99.9, operator: '<=', value: 2.5 });
  assert.deepEqual(parseThresholdExpression('rate<=0.001'), { aggregation: 'rate', operator: '<=', value: 0.001 });
  assert.deepEqual(parseThresholdExpression('count>=3'), { aggregation: 'count', operator: '>=', value: 3 });
  assert.deepEqual(parseThresholdExpression('avg===1'), { aggregation: 'avg', operator: '===', value: 1 });
  for (const bad of ['p99<10', 'p(101)<10', 'p()<1', 'rate<', 'rate 0.1', 'avg<ten', 'median<1', '<1']) {
    assert.equal(typeof parseThresholdExpression(bad), 'string', `"${bad}" is refused`);
  }
});

test('threshold keys: a metric name, optionally with name:value tags', () => {
  assert.deepEqual(parseThresholdKey('iteration_duration'), { metric: 'iteration_duration', tags: [] });
  assert.deepEqual(parseThresholdKey('iteration_duration{op:login}'), { metric: 'iteration_duration', tags: [['op', 'login']] });
  assert.deepEqual(parseThresholdKey('x_y{a:1, b:2}'), { metric: 'x_y', tags: [['a', '1'], ['b', '2']] });
  for (const bad of ['iteration_duration{op}', 'iteration_duration{op:login', 'iteration_duration}', 'a{op:x}', '9lives', 'x{op:login}y', 'x{:v}']) {
    assert.equal(typeof parseThresholdKey(bad), 'string', `"${bad}" is refused`);
  }
});

test('definedMetrics and scriptOptions read the script text', () => {
  const script = `import { Trend, Rate } from 'k6/metrics';\nconst a = new Trend('op_time', true);\nconst b = new Rate("op_errors");\nexport const options = {"thresholds": {"op_time": ["p(99)<10"]}, "note": "a } in a string"};\n`;
  assert.deepEqual([...definedMetrics(script)], [['op_time', 'trend'], ['op_errors', 'rate']]);
  assert.deepEqual(scriptOptions(script), { thresholds: { op_time: ['p(99)<10'] }, note: 'a } in a string' });
  assert.equal(typeof scriptOptions('export const options = options();'), 'string');
});

function scriptWith(thresholds: Record<string, unknown>): string {
  return `import { Rate, Trend } from 'k6/metrics';
const errors = new Rate('session_op_errors');
const time = new Trend('op_time', true);
export const options = ${JSON.stringify({ thresholds })};
export default function () {}
`;
}

test('sound thresholds lint clean', () => {
  assert.deepEqual(
    lintK6Thresholds(scriptWith({
      'iteration_duration{op:login}': ['p(99)<10'],
      session_op_errors: ['rate<=0.001', { threshold: 'rate<0.01', abortOnFail: true }],
      op_time: ['avg<5', 'med<4'],
      dropped_iterations: ['count<=100'],
    })),
    [],
  );
});

test('each planted mistake is reported, naming the key', () => {
  const planted: Array<[string, unknown[], RegExp]> = [
    ['session_op_error', ['rate<=0.001'], /defines no metric "session_op_error"/],
    ['iteration_duration{op:login}', ['p99<10'], /unknown aggregation "p99"/],
    ['iteration_duration', ['rate<0.1'], /trend metrics take avg, min, max, med, p, not "rate"/],
    ['session_op_errors', ['p(99)<1'], /rate metrics take rate, not "p"/],
    ['dropped_iterations', ['value<1'], /counter metrics take count, rate, not "value"/],
    ['iteration_duration{op}', ['p(99)<10'], /tag "op" is not name:value/],
    ['op_time', ['p(99)<ten'], /not a number/],
    ['op_time', [], /non-empty array/],
    ['op_time', [{ abortOnFail: true }], /neither a string nor/],
  ];
  for (const [key, list, message] of planted) {
    const problems = lintK6Thresholds(scriptWith({ 'iteration_duration{scenario:sessions}': ['p(99)<10'], [key]: list }));
    assert.equal(problems.length, 1, `${key}: ${JSON.stringify(list)} gives one problem: ${problems.join('; ')}`);
    assert.match(problems[0]!, message);
    assert.ok(problems[0]!.includes(`"${key}"`), 'names the key');
  }
});

test('a generated script lints clean, and the same script with a planted bad threshold does not', async () => {
  const script = k6Script((await loadScenario('steady-50k')).scenario);
  assert.deepEqual(lintK6Thresholds(script), []);
  const badExpression = script.replace('"rate<=0.001"', '"rate=<0.001"');
  assert.match(lintK6Thresholds(badExpression).join('; '), /"session_op_errors": "rate=<0.001"/);
  const badMetric = script.replace('"session_op_errors": [', '"session_op_error": [');
  assert.match(lintK6Thresholds(badMetric).join('; '), /defines no metric "session_op_error"/);
});
