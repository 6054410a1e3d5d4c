import { readFileSync } from 'node:fs';
import { esc, uplotCss, uplotJs } from '../report/htmlReport.js';
import { driftCheckText, driftRuleText } from './driftText.js';
import type { TrendGroup, TrendHistory } from './trendSeries.js';

const chartsJs = readFileSync(new URL('./assets/trendCharts.js', import.meta.url), 'utf8');

const verdictLabel = { pass: 'pass', fail: 'FAIL', invalid: 'INVALID' } as const;

function nightsTable(g: TrendGroup): string {
  const rows = g.nights
    .map((n, i) => {
      const run = n.report ? `<a href="${esc(n.report)}">${esc(n.runId)}</a>` : `${esc(n.runId)} <span class="muted">(no index.html)</span>`;
      return `<tr class="night ${n.verdict}"><td>${i + 1}</td><td>${esc(n.startedAt.slice(0, 16).replace('T', ' '))}</td><td>${run}</td><td class="verdict ${n.verdict}">${verdictLabel[n.verdict]}${n.aborted ? ' (stopped early)' : ''}</td><td>${esc(n.verdictReason)}</td></tr>`;
    })
    .join('\n');
  return `<table class="nights"><thead><tr><th>#</th><th>started (UTC)</th><th>run (its report)</th><th>verdict</th><th>why</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function driftBlock(g: TrendGroup, gi: number, h: TrendHistory): string {
  const fired = g.drift.filter((d) => d.assessment.status === 'drift');
  const judged = g.drift.some((d) => d.assessment.status !== 'too-few-nights');
  const head = fired.length
    ? `<div class="banner fail drift" id="drift-${gi}">DRIFT in ${fired.length} metric${fired.length === 1 ? '' : 's'}</div>`
    : `<div class="banner ${judged ? 'pass' : 'muted-banner'}" id="drift-${gi}">${judged ? 'No drift' : 'Drift not judged yet: too few passing nights'}</div>`;
  const items = g.drift.map((d) => `<li class="${d.assessment.status}">${esc(driftCheckText(d, h.rule))}</li>`).join('\n');
  return `${head}\n<ul class="drift-checks">\n${items}\n</ul>`;
}

/** The trend page: one section per group of comparable runs; self-contained (uPlot inlined), opens offline. */
export function renderTrendPage(h: TrendHistory): string {
  const data = JSON.stringify(h).replace(/</g, '\\u003c');
  const groups = h.groups
    .map(
      (g, gi) => `<section class="group" id="group-${gi}">
<h2>${esc(g.label)}</h2>
<p class="muted">${g.nights.length} night${g.nights.length === 1 ? '' : 's'}: ${g.nights.filter((n) => n.verdict === 'pass').length} passed, ${g.nights.filter((n) => n.verdict === 'fail').length} failed, ${g.nights.filter((n) => n.verdict === 'invalid').length} invalid. Failed nights are shaded red, invalid ones yellow; dashed lines are the limits the nights' summaries state.</p>
${driftBlock(g, gi, h)}
${nightsTable(g)}
${g.charts.map((c) => `<div class="chart" id="chart-${gi}-${esc(c.id)}"></div>`).join('\n')}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>gauntlet history: ${h.driftFired ? 'DRIFT' : 'no drift'}</title>
<style>${uplotCss}
body{font:14px/1.4 system-ui,sans-serif;margin:20px;color:#222;max-width:1150px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:17px;margin:34px 0 8px;border-bottom:1px solid #ddd}
.banner{padding:10px 16px;border-radius:6px;color:#fff;font-size:16px;margin:10px 0}
.banner.pass{background:#2a7d46}.banner.fail{background:#b3261e}.banner.muted-banner{background:#888}
table{border-collapse:collapse;margin:6px 0;font-size:13px} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4} td.verdict.pass{color:#2a7d46;font-weight:bold} td.verdict.fail{color:#b3261e;font-weight:bold} td.verdict.invalid{color:#b8860b;font-weight:bold}
tr.night.fail{background:#fbeaea} tr.night.invalid{background:#fdf6e0}
li.drift{color:#b3261e;font-weight:bold} li.too-few-nights{color:#777}
.muted{color:#777}.chart{margin:10px 0}
</style></head><body>
<h1>gauntlet history</h1>
<div class="muted">${h.groups.reduce((n, g) => n + g.nights.length, 0)} nights in ${h.groups.length} series (runs of the same scenario, target kind and settings); generated ${esc(h.generatedAt)}.</div>
<p class="muted" id="rule">Rule: ${esc(driftRuleText(h.rule))}.</p>
<div class="banner ${h.driftFired ? 'fail' : 'pass'}" id="verdict">${h.driftFired ? 'DRIFT: a slow rise across passing nights (see below)' : 'No drift'}</div>
${h.skipped.length ? `<p>Not read: ${h.skipped.map((s) => `${esc(s.file)} (${esc(s.reason)})`).join('; ')}</p>` : ''}
${groups}
<script type="application/json" id="history">${data}</script>
<script>${uplotJs}</script>
<script>${chartsJs}</script>
</body></html>
`;
}
