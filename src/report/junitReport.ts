import { create } from 'xmlbuilder2';
import type { Summary } from './summarySchema.js';

/**
 * junit.xml: one testcase per threshold and check, so CI systems show a failing gate as a
 * failing test. An invalid run is one error testcase ("generator kept up").
 */
export function renderJunit(s: Summary): string {
  const failures = s.thresholds.filter((t) => !t.pass).length;
  const errors = s.generator.saturated ? 1 : 0;
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: 'gauntlet', tests: s.thresholds.length + 1, failures, errors });
  const suite = root.ele('testsuite', {
    name: `gauntlet.${s.scenario.name}${s.chaos.experiment ? `.${s.chaos.experiment}` : ''}`,
    tests: s.thresholds.length + 1,
    failures,
    errors,
    timestamp: s.startedAt,
    time: (s.durationMs / 1000).toFixed(3),
  });
  const gen = suite.ele('testcase', { classname: 'gauntlet.generator', name: 'generator kept up with its schedule', time: '0' });
  if (s.generator.saturated) gen.ele('error', { message: s.generator.reason ?? 'generator saturated', type: 'invalid' }).txt(s.verdictReason);
  for (const t of s.thresholds) {
    const tc = suite.ele('testcase', { classname: 'gauntlet.thresholds', name: t.name, time: '0' });
    if (!t.pass) tc.ele('failure', { message: `${t.actual} (limit ${t.limit})`, type: 'threshold' }).txt(`${t.name}: actual ${t.actual}, limit ${t.limit}`);
  }
  suite.ele('system-out').txt(`verdict ${s.verdict}: ${s.verdictReason}\nrun ${s.runId}`);
  return root.end({ prettyPrint: true });
}
