import { relative, sep } from 'node:path';
import { assessDrift, type DriftAssessment, type DriftRule, type NightValue } from './driftRule.js';
import type { Night, NightSummary } from './nightSummary.js';
import { runSettingsKey, runSettingsLabel } from './runSettings.js';

/** One night on the trend page: its verdict and a link to its own report. */
export interface TrendNight {
  runId: string;
  startedAt: string;
  verdict: NightSummary['verdict'];
  verdictReason: string;
  aborted: boolean;
  /** The night's index.html relative to the trend page (forward slashes), null when it has none. */
  report: string | null;
  summaryFile: string;
}

/** One line of a chart: a value per night (null where the night has none). */
export interface TrendLine {
  label: string;
  values: Array<number | null>;
  /** A threshold line: the limit the night's summary states for the metric. */
  limit: boolean;
}

export interface TrendChart {
  id: string;
  title: string;
  unit: string;
  lines: TrendLine[];
}

export interface DriftCheck {
  metric: string;
  assessment: DriftAssessment;
}

/** The nights of one group of comparable runs (runSettingsKey), oldest first. */
export interface TrendGroup {
  key: string;
  label: string;
  nights: TrendNight[];
  charts: TrendChart[];
  drift: DriftCheck[];
}

/** history.json: the series behind the trend page. */
export interface TrendHistory {
  generatedAt: string;
  rule: DriftRule;
  driftFired: boolean;
  groups: TrendGroup[];
  skipped: Array<{ file: string; reason: string }>;
}

/** The number in a threshold's limit text ("< 10.000 ms", "<= 30000 ms", ">= 0.95", "0"), or null. */
export function limitNumber(limit: string): number | null {
  const m = /-?\d+(?:\.\d+)?/.exec(limit);
  return m ? Number(m[0]) : null;
}

/**
 * The limit of a gate of the night by name; in chaos runs the load gates carry the suffix
 * " (outside chaos windows)" and judge only those operations (`suffixed: false` skips them).
 */
function limitOf(s: NightSummary, name: string, suffixed = true): number | null {
  const t = s.thresholds.find((x) => x.name === name || (suffixed && x.name === `${name} (outside chaos windows)`));
  return t ? limitNumber(t.limit) : null;
}

/** The latencies the gates judge: outside chaos windows in a chaos run, all operations otherwise. */
function steadyLatency(s: NightSummary): NonNullable<NightSummary['latencyMs']['outsideChaos']> {
  return s.latencyMs.outsideChaos ?? { overall: s.latencyMs.overall, byOp: s.latencyMs.byOp };
}

/**
 * Sentinel failover time: the first +switch-master minus the strike of the latest chaos step
 * before it (the step that made the sentinels act), in ms; null without a switch.
 */
export function sentinelFailoverMs(s: NightSummary): number | null {
  const start = Date.parse(s.startedAt);
  const switchAt = s.failover?.sentinelEvents.filter((e) => e.event === '+switch-master').map((e) => Date.parse(e.t) - start).sort((a, b) => a - b)[0];
  if (switchAt === undefined) return null;
  const strikes = s.chaos.steps.map((st) => st.atMs).filter((at) => at <= switchAt);
  return strikes.length ? Math.round(switchAt - Math.max(...strikes)) : null;
}

const line = (label: string, nights: readonly NightSummary[], value: (s: NightSummary) => number | null | undefined, limit = false): TrendLine => ({
  label,
  values: nights.map((s) => value(s) ?? null),
  limit,
});

const hasAny = (l: TrendLine): boolean => l.values.some((v) => v !== null);

/** Only the threshold lines some night has a value for: no empty "limit" in the legend. */
function chart(id: string, title: string, unit: string, lines: TrendLine[]): TrendChart {
  return { id, title, unit, lines: lines.filter((l) => !l.limit || hasAny(l)) };
}

/** The charts of one group: p50/p99 per operation, throughput, failover, ledger, generator; each against its threshold. */
export function groupCharts(nights: readonly NightSummary[]): TrendChart[] {
  const ops = [...new Set(nights.flatMap((s) => Object.keys(steadyLatency(s).byOp)))].sort();
  const charts: TrendChart[] = [
    chart('latency-all', 'Latency, all operations (steady state)', 'ms', [
      line('p50', nights, (s) => steadyLatency(s).overall.p50),
      line('p99', nights, (s) => steadyLatency(s).overall.p99),
      line('p99 limit', nights, (s) => limitOf(s, 'p99 latency, all operations'), true),
    ]),
    ...ops.map((op) =>
      chart(`latency-${op}`, `Latency, ${op} (steady state)`, 'ms', [
        line('p50', nights, (s) => steadyLatency(s).byOp[op]?.p50),
        line('p99', nights, (s) => steadyLatency(s).byOp[op]?.p99),
        line('p99 limit', nights, (s) => limitOf(s, `p99 latency, ${op}`), true),
      ]),
    ),
    chart('throughput', 'Throughput', 'ops/s', [
      line('achieved', nights, (s) => s.ops.achievedPerSecond),
      line('intended', nights, (s) => s.ops.intendedPerSecond),
      // The gate is "completed / intended >= ratio"; in ops/s that is ratio x intended. A chaos
      // run's gate counts only operations outside chaos windows, which these totals do not show.
      line('required', nights, (s) => {
        const ratio = limitOf(s, 'operations completed / intended', false);
        return ratio === null ? null : Math.round(ratio * s.ops.intendedPerSecond * 10) / 10;
      }, true),
    ]),
  ];
  if (nights.some((s) => s.failover !== null)) {
    charts.push(
      chart('failover', 'Failover', 'ms', [
        line('worst client write gap', nights, (s) => s.failover?.clientObservedMs),
        line('sentinel failover time', nights, sentinelFailoverMs),
        line('write gap limit', nights, (s) => limitOf(s, 'client-observed write unavailability (worst client)'), true),
      ]),
    );
  }
  charts.push(
    chart('ledger', 'Acknowledged writes (ledger)', 'keys', [
      line('lost', nights, (s) => s.ledger?.lost),
      line('resurrected', nights, (s) => s.ledger?.resurrected),
      line('indeterminate', nights, (s) => s.ledger?.indeterminate),
      line('lost/resurrected limit', nights, (s) => limitOf(s, 'acknowledged writes lost'), true),
    ]),
    chart('generator-cpu', 'Generator CPU', '%', [line('mean', nights, (s) => s.generator.cpuPercent.mean), line('max', nights, (s) => s.generator.cpuPercent.max)]),
    chart('generator-lag', 'Generator scheduler lag p99 outside chaos windows (invalid above the scenario limit, unless a target breach outweighs it)', 'ms', [line('p99', nights, (s) => (s.generator.schedulerLagOutsideChaosMs ?? s.generator.schedulerLagMs).p99)]),
  );
  return charts;
}

/** The metrics the drift rule watches: p99 overall and per operation, and the worst client write gap. */
export function watchedMetrics(nights: readonly NightSummary[]): Array<{ metric: string; value: (s: NightSummary) => number | null }> {
  const ops = [...new Set(nights.flatMap((s) => Object.keys(steadyLatency(s).byOp)))].sort();
  return [
    { metric: 'p99 latency, all operations', value: (s) => steadyLatency(s).overall.p99 },
    ...ops.map((op) => ({ metric: `p99 latency, ${op}`, value: (s: NightSummary) => steadyLatency(s).byOp[op]?.p99 ?? null })),
    ...(nights.some((s) => s.failover !== null) ? [{ metric: 'worst client write gap (failover)', value: (s: NightSummary) => s.failover?.clientObservedMs ?? null }] : []),
  ];
}

/** The drift rule on every watched metric of a group, over its passing nights only. */
export function groupDrift(nights: readonly NightSummary[], rule: DriftRule): DriftCheck[] {
  const passing = nights.filter((s) => s.verdict === 'pass' && !s.aborted);
  return watchedMetrics(nights).map(({ metric, value }) => {
    const values: NightValue[] = passing.flatMap((s) => {
      const v = value(s);
      return v === null ? [] : [{ runId: s.runId, value: v }];
    });
    return { metric, assessment: assessDrift(values, rule) };
  });
}

/** Groups the nights by comparable settings and builds every series and drift check (pure; `pageDir` only makes links relative). */
export function buildTrendHistory(nights: readonly Night[], skipped: TrendHistory['skipped'], rule: DriftRule, pageDir: string, now: Date): TrendHistory {
  const byKey = new Map<string, Night[]>();
  for (const n of nights) {
    const key = runSettingsKey(n.summary);
    byKey.set(key, [...(byKey.get(key) ?? []), n]);
  }
  const groups: TrendGroup[] = [...byKey].map(([key, members]) => {
    const summaries = members.map((m) => m.summary);
    return {
      key,
      label: runSettingsLabel(members[members.length - 1]!.summary),
      nights: members.map((m) => ({
        runId: m.summary.runId,
        startedAt: m.summary.startedAt,
        verdict: m.summary.verdict,
        verdictReason: m.summary.verdictReason,
        aborted: m.summary.aborted,
        report: m.reportFile ? relative(pageDir, m.reportFile).split(sep).join('/') : null,
        summaryFile: m.file,
      })),
      charts: groupCharts(summaries),
      drift: groupDrift(summaries, rule),
    };
  });
  // Newest group first: the series a user looks for is usually the one that ran last.
  groups.sort((a, b) => Date.parse(b.nights[b.nights.length - 1]!.startedAt) - Date.parse(a.nights[a.nights.length - 1]!.startedAt));
  return { generatedAt: now.toISOString(), rule, driftFired: groups.some((g) => g.drift.some((d) => d.assessment.status === 'drift')), groups, skipped };
}
