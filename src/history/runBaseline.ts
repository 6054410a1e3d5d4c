import { stat } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { readSummaryFile } from '../report/readSummary.js';
import type { Summary } from '../report/summarySchema.js';
import { pickBaseline } from './baselinePicker.js';
import type { Night } from './nightSummary.js';
import { readNights } from './readNights.js';
import { runSettingsLabel } from './runSettings.js';

export interface BaselineOptions {
  /** A summary.json, or "auto". */
  baseline?: string;
  /** With "auto": where earlier runs are (searched recursively); the run's --out directory when not given. */
  history?: string;
  out: string;
}

/** The run to compare with, or none, and the line that says which (or why none). */
export interface BaselineChoice {
  summary: Summary | null;
  line: string;
}

export interface RunBaseline {
  choose(current: Summary): Promise<BaselineChoice>;
}

/**
 * `run --baseline FILE|auto [--history DIR]`. Called before the run starts, so a mistake is
 * reported before any server starts and the history is read before this run adds itself to it;
 * `choose` is called with the finished run's summary. No matching run is not an error: the run
 * goes on without a comparison and says so.
 */
export async function openRunBaseline(o: BaselineOptions): Promise<RunBaseline | null> {
  if (o.history !== undefined && o.baseline !== 'auto') throw new UserError('--history DIR goes with --baseline auto (it is where the baseline is picked from)');
  if (o.baseline === undefined) return null;
  if (o.baseline !== 'auto') {
    const summary = await readSummaryFile(o.baseline);
    return { choose: async () => ({ summary, line: `against baseline ${o.baseline}` }) };
  }
  const dir = o.history ?? o.out;
  // The default (--out) may not exist before the first run; a --history the user named must.
  const absentDefault = o.history === undefined && !(await stat(dir).then((s) => s.isDirectory(), () => false));
  const nights: Night[] = absentDefault ? [] : (await readNights([dir])).nights;
  return {
    choose: async (current) => {
      const what = `passing run of ${runSettingsLabel(current)} in ${dir}`;
      const picked = pickBaseline(nights, current);
      if (!picked) return { summary: null, line: `no baseline: no earlier ${what}; not compared` };
      try {
        const summary = await readSummaryFile(picked.file);
        return { summary, line: `against baseline ${picked.file} (run ${picked.summary.runId} of ${picked.summary.startedAt}; --baseline auto: the newest ${what})` };
      } catch (e) {
        return { summary: null, line: `no baseline: ${(e as Error).message}; not compared` };
      }
    },
  };
}
