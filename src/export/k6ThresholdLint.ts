/**
 * Lints the thresholds of a k6 script without k6: every key names a metric the script defines
 * (or a k6 built-in), every key parses as `metric{tag:value,...}`, every expression parses as
 * k6's threshold grammar, and its aggregation suits the metric's type. The rules are k6's own
 * (metrics/thresholds_parser.go, metrics/metric.go, metrics/registry.go and metric_type.go in
 * grafana/k6), so a script that passes here is not refused by `k6 run` for its thresholds.
 *
 * It reads the scripts `gauntlet export k6` writes: `export const options = {...}` holding a
 * JSON object literal, and metrics defined as `new Trend('name')` (or Rate, Counter, Gauge).
 */

export type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** k6's built-in metrics that every script has (metrics/builtin.go; the protocol ones appear only when used, but k6 registers them all). */
export const k6BuiltinMetrics: Readonly<Record<string, K6MetricType>> = {
  vus: 'gauge',
  vus_max: 'gauge',
  iterations: 'counter',
  iteration_duration: 'trend',
  dropped_iterations: 'counter',
  checks: 'rate',
  group_duration: 'trend',
  data_sent: 'counter',
  data_received: 'counter',
  http_reqs: 'counter',
  http_req_failed: 'rate',
  http_req_duration: 'trend',
  http_req_blocked: 'trend',
  http_req_connecting: 'trend',
  http_req_tls_handshaking: 'trend',
  http_req_sending: 'trend',
  http_req_waiting: 'trend',
  http_req_receiving: 'trend',
  ws_sessions: 'counter',
  ws_msgs_sent: 'counter',
  ws_msgs_received: 'counter',
  ws_ping: 'trend',
  ws_session_duration: 'trend',
  ws_connecting: 'trend',
  grpc_req_duration: 'trend',
};

const aggregationsByType: Readonly<Record<K6MetricType, readonly string[]>> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'max', 'med', 'p'],
};

/** Longer operators first: the scan takes the first one found, as k6's does. */
const operators = ['<=', '<', '>=', '>', '===', '==', '!='] as const;
const metricName = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;
const numberText = /^\d+(\.\d+)?$/;

export interface ThresholdExpression {
  /** avg, min, max, med, p (with `percentile`), count, rate or value. */
  aggregation: string;
  percentile?: number;
  operator: (typeof operators)[number];
  value: number;
}

/** `aggregation operator value`, e.g. `p(99.9)<10`, `rate<=0.001`, `count<5`; a string says what is wrong. */
export function parseThresholdExpression(text: string): ThresholdExpression | string {
  for (const operator of operators) {
    const at = text.indexOf(operator);
    if (at < 0) continue;
    const left = text.slice(0, at).trim();
    const right = text.slice(at + operator.length).trim();
    if (right === '') continue;
    if (!numberText.test(right)) return `"${text}": the value "${right}" is not a number`;
    const value = Number(right);
    if (['avg', 'min', 'max', 'med', 'count', 'rate', 'value'].includes(left)) return { aggregation: left, operator, value };
    const p = /^p\((.*)\)$/.exec(left);
    if (p) {
      const percentile = Number(p[1]);
      if (p[1]!.trim() === '' || !Number.isFinite(percentile) || percentile < 0 || percentile > 100) return `"${text}": the percentile must be a number from 0 to 100`;
      return { aggregation: 'p', percentile, operator, value };
    }
    return `"${text}": unknown aggregation "${left}" (avg, min, max, med, p(N), count, rate, value)`;
  }
  return `"${text}": not of the form aggregation operator value (operators ${operators.join(' ')})`;
}

/** `metric` or `metric{tag:value,...}`; a string says what is wrong. */
export function parseThresholdKey(key: string): { metric: string; tags: Array<[string, string]> } | string {
  const open = key.indexOf('{');
  const close = key.lastIndexOf('}');
  if (open < 0 && close < 0) return metricName.test(key) ? { metric: key, tags: [] } : `"${key}" is not a valid metric name`;
  if (open < 0 || close < 0 || close < open || close !== key.length - 1) return `"${key}": unmatched or misplaced curly brace`;
  const metric = key.slice(0, open);
  if (!metricName.test(metric)) return `"${key}": "${metric}" is not a valid metric name`;
  const tags: Array<[string, string]> = [];
  for (const part of key.slice(open + 1, close).split(',')) {
    const colon = part.indexOf(':');
    const name = colon < 0 ? '' : part.slice(0, colon).trim();
    const value = colon < 0 ? '' : part.slice(colon + 1).trim();
    if (name === '' || value === '') return `"${key}": tag "${part}" is not name:value`;
    tags.push([name, value]);
  }
  return { metric, tags };
}

/** Custom metrics the script defines: `new Trend('name'...)`, Rate, Counter, Gauge. */
export function definedMetrics(script: string): Map<string, K6MetricType> {
  const found = new Map<string, K6MetricType>();
  for (const m of script.matchAll(/new\s+(Counter|Gauge|Rate|Trend)\(\s*(['"])([^'"]+)\2/g)) {
    found.set(m[3]!, m[1]!.toLowerCase() as K6MetricType);
  }
  return found;
}

/** The object literal after `export const options =`, parsed as JSON; a string says what is wrong. */
export function scriptOptions(script: string): Record<string, unknown> | string {
  const head = /export\s+const\s+options\s*=\s*/.exec(script);
  if (!head) return 'the script exports no options';
  const start = head.index + head[0].length;
  if (script[start] !== '{') return 'options is not an object literal';
  let depth = 0;
  let inString = false;
  for (let i = start; i < script.length; i++) {
    const c = script[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      try {
        return JSON.parse(script.slice(start, i + 1)) as Record<string, unknown>;
      } catch (e) {
        return `options is not a JSON object literal: ${(e as Error).message}`;
      }
    }
  }
  return 'options is not closed';
}

/** Every problem of the script's thresholds, one sentence each; empty when they are all sound. */
export function lintK6Thresholds(script: string): string[] {
  const options = scriptOptions(script);
  if (typeof options === 'string') return [options];
  const thresholds = options.thresholds;
  if (thresholds === undefined) return [];
  if (typeof thresholds !== 'object' || thresholds === null || Array.isArray(thresholds)) return ['thresholds is not an object'];
  const metrics = new Map<string, K6MetricType>([...Object.entries(k6BuiltinMetrics), ...definedMetrics(script)]);
  const problems: string[] = [];
  for (const [key, list] of Object.entries(thresholds)) {
    const parsedKey = parseThresholdKey(key);
    if (typeof parsedKey === 'string') {
      problems.push(parsedKey);
      continue;
    }
    const type = metrics.get(parsedKey.metric);
    if (!type) problems.push(`"${key}": the script defines no metric "${parsedKey.metric}"`);
    if (!Array.isArray(list) || list.length === 0) {
      problems.push(`"${key}": expected a non-empty array of threshold expressions`);
      continue;
    }
    for (const item of list as unknown[]) {
      const text = typeof item === 'string' ? item : typeof item === 'object' && item !== null && 'threshold' in item ? (item as { threshold: unknown }).threshold : undefined;
      if (typeof text !== 'string') {
        problems.push(`"${key}": a threshold is neither a string nor { threshold: string }`);
        continue;
      }
      const expression = parseThresholdExpression(text);
      if (typeof expression === 'string') problems.push(`"${key}": ${expression}`);
      else if (type && !aggregationsByType[type].includes(expression.aggregation)) {
        problems.push(`"${key}": ${type} metrics take ${aggregationsByType[type].join(', ')}, not "${expression.aggregation}"`);
      }
    }
  }
  return problems;
}
