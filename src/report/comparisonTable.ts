import Table from 'cli-table3';
import pc from 'picocolors';
import type { RegressionCheck as ComparisonRow } from '../gates/regressionGates.js';

export function renderComparison(rows: readonly ComparisonRow[]): string {
  const t = new Table({ head: ['metric', 'baseline', 'current', 'change', 'tolerance', 'result'], style: { head: [], border: [] } });
  for (const r of rows) t.push([r.metric, r.baseline ?? '-', r.current ?? '-', r.change, r.tolerance, r.regression ? pc.red('REGRESSION') : pc.green('ok')]);
  const n = rows.filter((r) => r.regression).length;
  return `${t.toString()}\n${n ? pc.red(`${n} regression(s)`) : pc.green('no regression')}`;
}
