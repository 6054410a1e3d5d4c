import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Summary } from './summarySchema.js';
import { clientEndsLine, writeGapText } from './findingText.js';
import { attributionHeadline, attributionRows } from './attributionText.js';
import { firedAlertsQuery, monitoringScrapeIntervalS } from '../monitoring/monitoringQueries.js';
import { ledgerNotVerified, ledgerVerificationFailed } from './ledgerText.js';
import { shardColumns, shardRows } from './shardRows.js';

const require = createRequire(import.meta.url);
/** uPlot (small, fast canvas time series) is inlined, so the report (and the trend page of `gauntlet history`) opens from disk with no network. */
export const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
export const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
const chartsJs = readFileSync(new URL('./assets/reportCharts.js', import.meta.url), 'utf8');

export const esc = (x: unknown): string => String(x ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The Prometheus queries behind the alerts table, so a reader can ask their own Prometheus the same. */
const monitoringQueriesNote = `<p class="muted">Prometheus queries used: <code>${esc(firedAlertsQuery)}</code> as a range query from the run's start to its end, step ${monitoringScrapeIntervalS} s; the rules are <code>compose/alert-rules.yml</code> (expressions in docs/alerts.md), evaluated every ${monitoringScrapeIntervalS} s with each <code>for:</code> scaled from the 15 s scrape they are written for.</p>`;

function table(head: string[], rows: unknown[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The head of a self-contained page with the report's look (uPlot's CSS inlined); `css` adds the page's own rules. */
export function pageHead(title: string, css: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${uplotCss}
body{font:14px/1.4 system-ui,sans-serif;margin:20px;color:#222;max-width:1150px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.banner{padding:14px 18px;border-radius:6px;color:#fff;font-size:18px;margin:12px 0}
.banner.pass{background:#2a7d46}.banner.fail{background:#b3261e}.banner.invalid{background:#b8860b}
table{border-collapse:collapse;margin:6px 0;font-size:13px} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4} ${css}
.muted{color:#777}.chart{margin:10px 0}
</style></head><body>`;
}

/** One self-contained HTML page per run: verdict, gates, charts, failover, ledger, generator, environment. */
export function renderHtmlReport(s: Summary): string {
  const verdictClass = { pass: 'pass', fail: 'fail', invalid: 'invalid' }[s.verdict];
  const ops = Object.entries(s.latencyMs.byOp).sort(([a], [b]) => a.localeCompare(b));
  const perShard = shardRows(s);
  const f = s.failover;
  const l = s.ledger;
  const g = s.generator;
  const settings = s.target.settings ?? {};
  // JSON inside <script>: escape "<" so no string in it can close the tag.
  const data = JSON.stringify(s).replace(/</g, '\\u003c');
  return `${pageHead(`gauntlet ${s.runId}: ${s.verdict}`, 'td.ok{color:#2a7d46;font-weight:bold} td.bad,p.bad{color:#b3261e;font-weight:bold}')}
<h1>gauntlet run ${esc(s.runId)}</h1>
<div class="muted">scenario <b>${esc(s.scenario.name)}</b> (${esc(s.scenario.description)}) on ${esc(s.target.kind)} target ${esc(s.target.topologyId ?? s.target.endpoint ?? s.target.sentinels.join(', '))}; started ${esc(s.startedAt)}, ${(s.durationMs / 1000).toFixed(1)} s; ${esc(s.writeMode)} writes${s.chaos.experiment ? `; chaos <b>${esc(s.chaos.experiment)}</b>` : ''}</div>
<div class="banner ${verdictClass}" id="verdict">${esc(s.verdict.toUpperCase())}: ${esc(s.verdictReason)}</div>

<h2>Thresholds</h2>
<table id="thresholds"><thead><tr><th>threshold</th><th>limit</th><th>actual</th><th>result</th></tr></thead><tbody>
${s.thresholds.map((t) => `<tr><td>${esc(t.name)}</td><td>${esc(t.limit)}</td><td>${esc(t.actual)}</td><td class="${t.pass ? 'ok' : 'bad'}">${t.pass ? 'pass' : 'FAIL'}</td></tr>`).join('\n')}
</tbody></table>

<h2>Latency and throughput</h2>
<p class="muted">Latency is measured from each operation's intended start (coordinated-omission correct). Peak ${s.sessions.peakConcurrent} concurrent sessions; ${s.ops.total} operations of ${s.ops.intended} intended, ${s.ops.errors} errors${Object.keys(s.ops.errorKinds).length ? ` (${esc(Object.entries(s.ops.errorKinds).map(([k, v]) => `${k} ${v}`).join(', '))})` : ''}.</p>
<div class="chart" id="chart-latency"></div>
<div class="chart" id="chart-throughput"></div>
<div class="chart" id="chart-sessions"></div>
${table(['operation', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'service p99 ms'], [
  ...ops.map(([op, p]) => [op, p.count, p.p50, p.p90, p.p99, p.p999, p.max, s.serviceTimeMs.byOp[op]?.p99 ?? '']),
  ['all', s.latencyMs.overall.count, s.latencyMs.overall.p50, s.latencyMs.overall.p90, s.latencyMs.overall.p99, s.latencyMs.overall.p999, s.latencyMs.overall.max, s.serviceTimeMs.overall.p99],
])}
<div class="chart" id="chart-spectrum"></div>
${perShard ? `<h3>Per shard</h3>
<p class="muted">Latency from each operation's intended start, every operation (chaos windows included); each shard's master memory (used_memory less the replication backlog) and its server time per EVALSHA call (INFO commandstats), read once a second on whichever node was its master.</p>
${table(shardColumns, perShard, 'shards')}` : ''}
${s.attribution ? `<h3>Where the p99 went</h3>
<p${s.attribution.cause ? ' class="bad"' : ''}>${esc(attributionHeadline(s.attribution))}</p>
${table(['part', 'at the p99', 'detail'], attributionRows(s.attribution), 'attribution')}` : ''}

<h2>Chaos and failover</h2>
${s.chaos.steps.length ? table(['step', 'at s', 'ended s', 'what happened'], s.chaos.steps.map((st) => [st.name, (st.atMs / 1000).toFixed(2), st.endMs === null ? '' : (st.endMs / 1000).toFixed(2), st.detail])) : '<p class="muted">No chaos experiment in this run.</p>'}
${s.chaos.windows.length ? `<h3>Chaos windows</h3>
<p class="muted">From each strike (or a failover seen outside gauntlet) until recovery: the fault over, the failover done, latency under budget three seconds running. ${s.chaos.excludedOps} operations (${s.ops.total ? ((s.chaos.excludedOps / s.ops.total) * 100).toFixed(1) : 0} % of all; ${s.chaos.excludedErrors} errors) touched a window and are judged by the window's gates, not the steady-state ones.</p>
${table(['window', 'from s', 'to s', 'operations', 'share of all', 'errors', 'after its outage: operations, errors', 'recovery'], s.chaos.windows.map((w) => [w.label, (w.startMs / 1000).toFixed(1), w.endMs === null ? '' : (w.endMs / 1000).toFixed(1), w.ops ?? '', w.ops === undefined || !s.ops.total ? '' : `${((w.ops / s.ops.total) * 100).toFixed(1)} %`, w.errors ?? '', w.afterOutage ? `${w.afterOutage.ops}, ${w.afterOutage.errors}` : '', w.recoveredAtMs ? `recovered after ${((w.recoveredAtMs - w.startMs) / 1000).toFixed(1)} s` : w.exceeded ? 'did not recover in time' : 'not recovered']), 'windows')}` : ''}
${f ? `<p>${f.count} master switch(es); worst client-observed write unavailability <b>${esc(writeGapText(f.clientObservedMs))}</b>${f.writeGapEndsAt === 'confirmed write' ? ' (to the first write confirmed on the final master)' : ''}; latency back under budget after ${esc(f.latencyRecoveryMs.map((x) => (x === null ? 'never' : `${x} ms`)).join(', ') || '-')}.</p>
${(f.switches ?? []).length ? table(['switch at s', 'to', 'seen by', 'cause', 'strike to switch ms', '+sdown to switch ms'], (f.switches ?? []).map((w) => [(w.atMs / 1000).toFixed(1), w.to, w.seenBy, w.cause ?? 'outside gauntlet', w.fromStrikeMs ?? '', w.sdownToSwitchMs ?? '']), 'switches') : ''}
${f.splitBrain ? `<p class="bad">Split brain: ${f.splitBrain.sessions} sessions' writes, acknowledged by the master being replaced between ${(f.splitBrain.firstAtMs / 1000).toFixed(1)} s and ${(f.splitBrain.lastAtMs / 1000).toFixed(1)} s, were lost.</p>` : ''}
${table(['time', s.target.endpoint ? 'seen at' : 'sentinel', 'event', 'detail'], f.sentinelEvents.map((e) => [e.t.slice(11, 23), e.sentinel, e.event, e.detail]), 'events')}` : ''}
${s.clients?.endedByIoredis ? `<p class="bad">${esc(clientEndsLine(s.clients))}</p>` : ''}
${s.chaos.drills.length ? `<h3>Recovery drills</h3>\n${table(['drill', 'what was restored', 'keys checked', 'lost', 'resurrected', 'expired', 'indeterminate'], s.chaos.drills.map((d) => (d.verification ? [d.name, d.detail, d.verification.keysChecked, d.verification.lost, d.verification.resurrected, d.verification.expired, d.verification.indeterminate] : [d.name, `not verified: ${d.error ?? ''}`, '', '', '', '', ''])))}` : ''}

<h2>Acknowledged writes (ledger)</h2>
${l ? `${table(['facts checked', 'lost', 'of them found missing or older live', 'resurrected', 'stale reads', 'unverifiable', 'unverifiable share', 'expired'], [[l.keysChecked, l.lost, l.lostObservedLive ?? '', l.resurrected, l.staleReads, l.indeterminate, l.unverifiableShare === undefined ? '' : `${(l.unverifiableShare * 100).toFixed(2)} %`, l.expired]])}
${l.examples.length ? table(['kind', 'key', 'acknowledged', 'found'], l.examples.map((e) => [e.kind, e.key, e.acknowledged, e.found])) : '<p class="muted">No examples: nothing lost, resurrected or read stale.</p>'}` : `<p class="${ledgerVerificationFailed(s) ? 'bad' : 'muted'}">Ledger ${esc(ledgerNotVerified(s))}.</p>`}

<h2>Alerts and slow log</h2>
${s.alerts === null ? '<p class="muted">Alerts: not evaluated (run with --monitoring).</p>' : s.alerts.length ? table(['alert', 'labels', 'first firing', 'last firing'], s.alerts.map((a) => [a.name, Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(' '), a.firstFiringAt.slice(11, 23), a.lastFiringAt.slice(11, 23)]), 'alerts') : '<p>No alert fired.</p>'}
${s.alerts === null ? '' : monitoringQueriesNote}
${s.slowLog === null ? '<p class="muted">Slow log: not collected (external target).</p>' : s.slowLog.length ? table(['node', 'at', 'ms', 'command'], s.slowLog.slice(0, 20).map((e) => [e.node, e.at.slice(11, 19), e.durationMs, e.command])) : '<p>No slow-log entries (slower than slowlog-log-slower-than) during the run.</p>'}

<h2>Generator health</h2>
${table(['scheduler lag p99 / max', 'outside chaos p99', 'event-loop delay p99', 'CPU mean / max', 'waited for a CPU, mean / max a second', 'RSS start / peak', 'saturated'], [[`${g.schedulerLagMs.p99} / ${g.schedulerLagMs.max} ms`, `${g.schedulerLagOutsideChaosMs.p99} ms`, `${g.eventLoopDelayMs.p99} ms`, `${g.cpuPercent.mean} / ${g.cpuPercent.max} %`, g.cpuWaitMs ? `${g.cpuWaitMs.meanPerSecond} / ${g.cpuWaitMs.maxPerSecond} ms` : '-', `${g.rssMb.start} / ${g.rssMb.peak} MB`, g.saturated ? `yes: ${g.reason}` : 'no']])}
${s.scaleOut ? `<p class="muted">The load came from ${s.scaleOut.shards > 1 ? `${s.scaleOut.shards} shards of ` : ''}${s.scaleOut.workers} worker${s.scaleOut.workers > 1 ? 's' : ''} each; their histograms, ledgers and timelines are merged. Each generator's own health:</p>
${table(['generator', 'scheduler lag p99 outside chaos', 'stalled seconds', 'longest GC pause', 'kept up'], s.scaleOut.generators.map((x) => [x.label, `${x.schedulerLagOutsideChaosP99Ms} ms`, x.stalledSeconds, `${x.gcMaxMs} ms`, x.saturated ? `no: ${x.reason ?? ''}` : 'yes']))}` : ''}

<h2>Environment</h2>
${table(['setting', 'value'], [
  ['Redis', s.target.redisVersion ?? '?'],
  ...(s.target.endpoint ? [['endpoint', s.target.endpoint]] : [['master name', s.target.masterName], ['sentinels', s.target.sentinels.join(', ')]]),
  ['TLS', s.target.tls ? 'on' : 'off'],
  ...Object.entries(settings).map(([k, v]) => [k, v]),
  ['appendfsync (reference)', 'everysec'],
  ['maxmemory-policy (reference)', 'noeviction'],
  [s.memory.byShard?.length ? `target memory (${s.memory.byShard.length} shard masters, summed)` : 'target memory', s.memory.bytesPerSession === null ? `not measured${s.memory.notMeasured ? ` (${s.memory.notMeasured})` : ''}` : `${s.memory.usedBytesStart} -> ${s.memory.usedBytesPeak} bytes, ${s.memory.bytesPerSession} bytes per session`],
  ['gauntlet / Node', `${s.environment.gauntletVersion} / ${s.environment.node} on ${s.environment.platform}, ${s.environment.cpus} CPUs`],
  ['seed', s.scenario.seed],
])}
<script type="application/json" id="summary">${data}</script>
<script>${uplotJs}</script>
<script>${chartsJs}</script>
</body></html>
`;
}
