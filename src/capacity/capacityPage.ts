import { readFileSync } from 'node:fs';
import { esc, pageHead, uplotJs } from '../report/htmlReport.js';
import type { Capacity, CapacityStep } from './capacitySchema.js';

const chartsJs = readFileSync(new URL('./assets/capacityCharts.js', import.meta.url), 'utf8');

const rate = (x: number | null): string => (x === null ? '-' : `${Math.round(x).toLocaleString('en-US')}`);
const mib = (b: number): string => `${(b / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;
const gib = (b: number): string => (b < 2 ** 30 ? mib(b) : `${(b / 2 ** 30).toLocaleString('en-US', { maximumFractionDigits: 2 })} GiB`);
const bannerClass = (c: Capacity): string => (c.outcome.kind === 'knee' ? (c.outcome.aboveTargetRate ? 'pass' : 'fail') : c.outcome.kind === 'no-knee' && c.outcome.exitCode === 0 ? 'pass' : 'invalid');

function stepRow(s: CapacityStep): string {
  const link = `<a href="steps/${esc(s.runId)}.html">${s.index}</a>`;
  const ci = `${s.p99Interval.lowMs}–${s.p99Interval.highMs}${s.p99Interval.stable ? '' : ' (not stable)'}`;
  const cells = [
    s.phase + (s.attempt > 1 ? ` (hold ×${2 ** (s.attempt - 1)})` : ''), rate(s.requestedRate), rate(s.offeredRate), rate(s.achievedRate), s.sessions, (s.holdMs / 1000).toFixed(0),
    s.latencyMs.p50, s.latencyMs.p99, ci, s.latencyMs.p999, `${(s.errorRate * 100).toFixed(3)} %`, s.throughputRatio.toFixed(3),
    `${s.generator.cpuPercentMean} / ${s.generator.cpuPercentMax} %`, s.memory.bytesPerSession ?? '-',
  ];
  return `<tr class="step ${s.result}"><td>${link}</td>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}<td class="result ${s.result}">${esc(s.result)}</td><td>${esc(s.reasons.join('; '))}</td></tr>`;
}

function sizingBlock(c: Capacity): string {
  const z = c.sizing;
  if (z.rows.length === 0) return `<p class="muted">No sizing table: memory per session was not measured (${esc(c.memory.notMeasured ?? '')}).</p>`;
  const node = (n: { nodeBytes: number; instance: Capacity['sizing']['rows'][number]['selfManaged']['instance'] }): string =>
    `${gib(n.nodeBytes)}${n.instance ? ` → ${esc(n.instance.name)} (${n.instance.memoryGiB} GiB${n.instance.pricePerMonth === null ? '' : `, ${n.instance.pricePerMonth.toFixed(2)}/month`})` : ''}`;
  const rows = z.rows
    .map((r) => `<tr><td>${r.sessions.toLocaleString('en-US')}</td><td>${rate(r.opsPerSecond)}${r.withinCapacity === null ? '' : r.withinCapacity ? '' : ' <b class="bad">over the measured capacity</b>'}</td><td>${mib(r.redisBytes)}</td><td>${mib(r.maxmemoryBytes)}</td><td>${node(r.selfManaged)}</td><td>${node(r.elasticache)}</td></tr>`)
    .join('\n');
  return `<p>From ${c.memory.bytesPerSession === null ? '-' : Math.round(c.memory.bytesPerSession)} bytes per concurrent session (median of the steps) over a base of ${mib(c.memory.baseBytes)}: maxmemory keeps ${z.headroomPct} % free; a self-managed node adds ${z.selfManagedForkReservePct} % of maxmemory for a fork (BGSAVE, AOF rewrite) under writes; an ElastiCache node holds maxmemory after its reserved-memory-percent of ${z.elasticacheReservedPct} %. Instance sizes and prices: ${z.source ? esc(z.source) : 'none given (--sizing FILE)'}. One master serves all writes: more replicas add reads and failover, not write capacity.</p>
<table id="sizing"><thead><tr><th>sessions</th><th>ops/s at the scenario's rate</th><th>Redis memory</th><th>maxmemory</th><th>self-managed node</th><th>ElastiCache node</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** The sweep's page: outcome, latency against offered rate with the knee, errors, generator CPU and memory per step, the sizing table. Self-contained (uPlot inlined). */
export function renderCapacityPage(c: Capacity): string {
  const data = JSON.stringify(c).replace(/</g, '\\u003c');
  const t = c.target;
  return `${pageHead(`gauntlet capacity ${c.runId}: ${c.outcome.kind}`, 'td.result.within{color:#2a7d46;font-weight:bold} td.result.over,.bad{color:#b3261e;font-weight:bold} td.result.harness-limit{color:#b8860b;font-weight:bold} tr.step.over{background:#fbeaea} tr.step.harness-limit{background:#fdf6e0}')}
<h1>gauntlet capacity ${esc(c.runId)}</h1>
<div class="muted">scenario <b>${esc(c.scenario.name)}</b> (target rate ${rate(c.scenario.targetRate)} ops/s; p99 budget ${c.scenario.p99BudgetMs} ms, errors ≤ ${(c.scenario.maxErrorRate * 100).toFixed(3)} %, completed/intended ≥ ${c.scenario.minThroughputRatio}) on ${esc(t.kind)} target ${esc(t.topologyId ?? t.endpoint ?? t.sentinels.join(', '))} (Redis ${esc(t.redisVersion ?? '?')}); started ${esc(c.startedAt)}, ${(c.durationMs / 1000).toFixed(0)} s, ${c.steps.length} steps; ${c.environment.cpus} CPUs</div>
<div class="banner ${bannerClass(c)}" id="outcome">${esc(c.outcome.line)}</div>

<h2>Latency against offered rate</h2>
<p class="muted">Each step ramps to the sessions that offer its rate (the scenario's think time, mix and lifetime) and holds them; latency is from each operation's intended start (coordinated-omission correct), of the operations intended in the hold. Rising steps ×${c.settings.factor} from ${rate(c.settings.from)} ops/s, then bisection to within ${c.settings.resolution * 100} %. The shaded region is over budget (red) or beyond the harness (yellow); the dashed line is the p99 budget.</p>
<div class="chart" id="chart-latency"></div>
<div class="chart" id="chart-errors"></div>
<div class="chart" id="chart-generator"></div>
<div class="chart" id="chart-memory"></div>

<h2>Steps</h2>
<p class="muted">A step is judged by the run's gates: the load gates over the hold (p99 overall and per operation, error rate, completed/intended) and the run's validity gates (the generator kept its schedule, a breach is not its own stall). A failed validity gate makes the step the harness's limit, not the target's. The p99's 95 % interval (binomial order statistics) must lie within ±${c.settings.p99Precision * 100} % of it, or the hold is doubled (at most twice). Each step's own report is linked by its number.</p>
<table id="steps"><thead><tr><th>#</th><th>phase</th><th>asked ops/s</th><th>offered ops/s</th><th>achieved ops/s</th><th>sessions</th><th>hold s</th><th>p50 ms</th><th>p99 ms</th><th>p99 95 % interval</th><th>p99.9 ms</th><th>errors</th><th>completed / intended</th><th>generator CPU mean / max</th><th>bytes / session</th><th>result</th><th>why</th></tr></thead><tbody>
${c.steps.map(stepRow).join('\n')}
</tbody></table>

<h2>Sizing</h2>
${sizingBlock(c)}
<script type="application/json" id="capacity">${data}</script>
<script>${uplotJs}</script>
<script>${chartsJs}</script>
</body></html>
`;
}
