import { create } from 'xmlbuilder2';
import type { Summary } from './summarySchema.js';

/**
 * junit.xml: one testcase per gate, so CI systems show a failing gate as a failing test. A
 * validity gate that failed (the harness could not measure: the run is `invalid`) is an error,
 * not a failure: CI tools show it apart, and it means "rerun", not "regression". An outweighed
 * one (the generator fell behind, but the target's breach stands without it) is a failure of
 * type `outweighed`: the run failed on the target's gates, and this one says the harness was late.
 */
export function renderJunit(s: Summary): string {
  const invalid = (t: Summary['thresholds'][number]): boolean => !t.pass && t.kind === 'validity' && t.outweighed === undefined;
  const failures = s.thresholds.filter((t) => !t.pass && !invalid(t)).length;
  const errors = s.thresholds.filter(invalid).length;
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: 'gauntlet', tests: s.thresholds.length, failures, errors });
  const suite = root.ele('testsuite', {
    name: `gauntlet.${s.scenario.name}${s.chaos.experiment ? `.${s.chaos.experiment}` : ''}`,
    tests: s.thresholds.length,
    failures,
    errors,
    timestamp: s.startedAt,
    time: (s.durationMs / 1000).toFixed(3),
  });
  for (const t of s.thresholds) {
    const tc = suite.ele('testcase', { classname: `gauntlet.${t.kind ?? 'thresholds'}`, name: t.name, time: '0' });
    if (invalid(t)) tc.ele('error', { message: `${t.actual} (limit ${t.limit})`, type: 'invalid' }).txt(s.verdictReason);
    else if (!t.pass) tc.ele('failure', { message: `${t.actual} (limit ${t.limit})`, type: t.outweighed !== undefined ? 'outweighed' : 'threshold' }).txt(`${t.name}: actual ${t.actual}, limit ${t.limit}`);
  }
  suite.ele('system-out').txt(`verdict ${s.verdict}: ${s.verdictReason}\nrun ${s.runId}`);
  return root.end({ prettyPrint: true });
}
