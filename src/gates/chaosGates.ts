import type { ChaosOutcome, ChaosStepRecord } from '../chaos/chaosRunner.js';
import type { Gate } from './gate.js';

const stepActual = (s: ChaosStepRecord): string => {
  switch (s.outcome) {
    case 'completed':
      return `struck at ${(s.atMs / 1000).toFixed(1)} s and completed`;
    case 'failed':
      return s.detail;
    case 'never-ran':
      return `never ran (scheduled at ${(s.scheduledAtMs / 1000).toFixed(1)} s)`;
    case 'still-running':
      return 'still running when the run ended';
  }
};

/**
 * What an experiment must show: every step struck and ran to completion (a fault that could not
 * be injected proves nothing), the failover expectation and the worst client's write gap, each
 * procedure's own checks, each drill's restore against the ledger, and a healthy topology after
 * healing.
 */
export function chaosGates(c: ChaosOutcome): Gate[] {
  const gates: Gate[] = c.steps.map((s) => ({
    name: `${s.name}: ${s.procedure ? 'procedure' : 'fault'} ran to completion`,
    kind: 'chaos',
    limit: 'struck and completed',
    actual: stepActual(s),
    pass: s.outcome === 'completed' && s.struck,
  }));
  const t = c.thresholds;
  const switches = c.failover.count;
  if (t.expectFailover !== undefined) {
    gates.push({
      name: t.expectFailover ? 'a failover happened' : 'no failover happened',
      kind: 'availability',
      limit: t.expectFailover ? '>= 1 master switch' : '0 master switches',
      actual: `${switches} master switch(es)`,
      pass: t.expectFailover ? switches >= 1 : switches === 0,
    });
  }
  if (t.maxWriteUnavailabilityMs !== undefined) {
    const worst = c.failover.clientObservedMs;
    const struck = c.steps.some((s) => s.struck);
    gates.push({
      name: 'client-observed write unavailability (worst client)',
      kind: 'availability',
      limit: `<= ${t.maxWriteUnavailabilityMs} ms`,
      actual: !struck ? 'not measured: no step struck' : worst === null ? 'some client never wrote again' : `${worst} ms`,
      pass: struck && worst !== null && worst <= t.maxWriteUnavailabilityMs,
    });
  }
  for (const check of c.checks) gates.push({ ...check, kind: 'procedure' });
  for (const d of c.drills) {
    const v = d.verification;
    gates.push({
      name: `${d.name}: the restore holds what the ledger acknowledged`,
      kind: 'correctness',
      limit: 'lost 0, resurrected 0',
      actual: v ? `${v.keysChecked} keys checked: lost ${v.lost}, resurrected ${v.resurrected}` : `not verified: ${d.error ?? 'unknown'}`,
      pass: v !== null && v.keysChecked > 0 && v.lost === 0 && v.resurrected === 0,
    });
  }
  gates.push({
    name: 'topology healthy again after healing',
    kind: 'correctness',
    limit: `within ${c.thresholds.healthyWithinMs} ms`,
    actual: c.health.healthy ? 'healthy' : c.health.problems.join('; '),
    pass: c.health.healthy,
  });
  return gates;
}
