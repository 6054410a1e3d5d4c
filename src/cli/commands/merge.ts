import { renderConsoleSummary } from '../../report/consoleSummary.js';
import { writeRunReport } from '../../report/writeRunReport.js';
import { executeMerge } from '../../run/executeMerge.js';
import { checkedTarget, type TargetFlags } from '../targetFlags.js';
import { exitFor } from './run.js';

export interface MergeOptions extends TargetFlags {
  out: string;
  quiet: boolean;
  json: boolean;
}

/** `gauntlet merge DIR... --out DIR`: the shards' partial results as one run: verify, judge, report, exit with the verdict. */
export async function merge(dirs: string[], o: MergeOptions): Promise<number> {
  const target = await checkedTarget(o);
  const result = await executeMerge(
    { dirs, target },
    {
      onProgress: (p) => {
        if (p.kind !== 'second' && !o.quiet) process.stderr.write(`${p.message}\n`);
      },
    },
  );
  const dir = await writeRunReport(o.out, result);
  const print = (text: string): void => void (o.json ? process.stderr : process.stdout).write(`${text}\n`);
  print(renderConsoleSummary(result.summary));
  print(`report: ${dir}/summary.json (index.html, junit.xml beside it)`);
  if (o.json) process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
  return exitFor[result.summary.verdict];
}
