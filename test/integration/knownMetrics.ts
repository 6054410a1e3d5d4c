import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupTextfile } from '../../src/backup/backupMetrics.js';
import { repoRoot } from './support.js';

/**
 * Metric names a dashboard or alert rule may use, from what really produces them: the captured
 * /metrics of Debian's prometheus-redis-exporter 1.45.0 (node, replica, sentinel, unreachable)
 * and blackbox_exporter's TLS probe (test/integration/fixtures/metrics/), the backup job's
 * textfile (rendered by its own code), gauntlet's live metrics as docs/metrics.md lists them
 * (histograms with their _bucket, _sum and _count), and Prometheus's own `up` and `ALERTS`.
 */
export function knownMetricNames(): Set<string> {
  const names = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);
  const fromExposition = (text: string): void => {
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\s)/.exec(line);
      if (m) names.add(m[1]!);
    }
  };
  const fixtures = join(repoRoot, 'test', 'integration', 'fixtures', 'metrics');
  for (const f of readdirSync(fixtures)) fromExposition(readFileSync(join(fixtures, f), 'utf8'));
  fromExposition(backupTextfile({ node: 'n', lastSuccess: 1, lastSnapshot: 1, lastFailure: 1, failuresInARow: 0, archivedFiles: 1 }));
  for (const m of readFileSync(join(repoRoot, 'docs', 'metrics.md'), 'utf8').matchAll(/^\| `(gauntlet_[a-z0-9_]+)` \| (\w+) \|/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m[1]! + suffix);
  }
  return names;
}

const promqlWords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'Inf', 'NaN']);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions, aggregations,
 * keywords, label names (in matchers and in by/on lists) or Grafana variables.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ')
    .replace(/(^|[^a-zA-Z0-9_:])\d[\w.+-]*/g, '$1 ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2] || promqlWords.has(m[1]!)) continue;
    names.add(m[1]!);
  }
  return [...names];
}
