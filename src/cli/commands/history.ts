import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { driftRuleProblem, type DriftRule } from '../../history/driftRule.js';
import { driftCheckText, driftRuleText } from '../../history/driftText.js';
import { readNights } from '../../history/readNights.js';
import { renderTrendPage } from '../../history/trendPage.js';
import { buildTrendHistory } from '../../history/trendSeries.js';

export interface HistoryOptions extends DriftRule {
  out: string;
}

/**
 * `gauntlet history DIR|summary.json...`: the trend page and history.json of many nights; exit 1
 * when the drift rule fires, so a pipeline can gate on it.
 */
export async function history(paths: string[], o: HistoryOptions): Promise<number> {
  const rule: DriftRule = { window: o.window, rising: o.rising, minRisePct: o.minRisePct, minRiseMs: o.minRiseMs };
  const problem = driftRuleProblem(rule);
  if (problem) throw new UserError(problem);
  const { nights, skipped } = await readNights(paths);
  for (const s of skipped) process.stderr.write(`gauntlet: skipped ${s.file}: ${s.reason}\n`);
  if (nights.length === 0) throw new UserError(`no readable summary.json in ${paths.join(', ')}`);
  const out = resolve(o.out);
  const h = buildTrendHistory(nights, skipped, rule, out, new Date());
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'history.json'), `${JSON.stringify(h, null, 2)}\n`);
  await writeFile(join(out, 'index.html'), renderTrendPage(h));
  const lines = [`${nights.length} nights in ${h.groups.length} series; ${driftRuleText(rule)}`];
  for (const g of h.groups) {
    const count = (v: string): number => g.nights.filter((n) => n.verdict === v).length;
    lines.push(`${g.label}: ${g.nights.length} night${g.nights.length === 1 ? '' : 's'} (${count('pass')} pass, ${count('fail')} fail, ${count('invalid')} invalid)`);
    const fired = g.drift.filter((d) => d.assessment.status === 'drift');
    const notJudged = g.drift.every((d) => d.assessment.status === 'too-few-nights');
    if (fired.length) for (const d of fired) lines.push(`  ${driftCheckText(d, rule)}`);
    else lines.push(notJudged ? `  drift not judged: fewer than ${rule.window} passing nights` : '  no drift');
  }
  lines.push(`trend page: ${join(out, 'index.html')} (history.json beside it)`);
  console.log(lines.join('\n'));
  return h.driftFired ? ExitCode.thresholdFailed : ExitCode.pass;
}
