import { buildFault, faultType } from '../chaos/faultRegistry.js';
import type { Experiment } from '../chaos/experiment.js';
import { clientReconnectBudgetMs, failoverBudgetMs } from './chaosGates.js';

const seconds = (ms: number): string => `${ms / 1000} s`;

/**
 * What must hold for an experiment to pass, in words, from its thresholds and its steps: the
 * same rules chaosGates and failoverGates judge after a run (and their defaults), for
 * `gauntlet experiments` to say before one. Every run's load and ledger gates come on top.
 */
export function experimentRules(e: Experiment): string[] {
  const t = e.thresholds;
  const faults = e.steps.map((s) => ({ kind: s.fault.kind, fault: buildFault(s.fault) }));
  const rules = [`every step strikes and completes (${faults.map((f) => f.kind).join(', ')})`];
  // A cluster's failover is a replica's promotion after cluster-node-timeout, not a sentinel's +switch-master.
  const cluster = faults.some((f) => faultType(f.kind).topology === 'cluster');
  const detection = cluster ? 'cluster-node-timeout' : 'down-after-milliseconds';
  if (t.expectFailover === true) {
    rules.push('a failover: at least one master switch caused by a step');
    rules.push(`failover time, strike to ${cluster ? "the replica's promotion" : '+switch-master'} <= ${t.failoverWithinMs !== undefined ? seconds(t.failoverWithinMs) : `${detection} + ${seconds(failoverBudgetMs)}`}`);
  } else if (t.expectFailover === false) rules.push('no failover: no master switch at all');
  if (t.maxWriteUnavailabilityMs !== undefined || t.expectFailover === true) {
    rules.push(`worst client's write gap <= ${t.maxWriteUnavailabilityMs !== undefined ? seconds(t.maxWriteUnavailabilityMs) : `${detection} + ${seconds(failoverBudgetMs + clientReconnectBudgetMs)}`}`);
  }
  // Only a strike on the data path opens a chaos window.
  if (faults.some((f) => faultType(f.kind).hitsDataPath)) {
    rules.push(t.recoverWithinMs === null ? 'no recovery limit: the outage is expected to last until healing' : `each chaos window recovers within ${seconds(t.recoverWithinMs)}, with at most ${(t.maxErrorRateInWindow * 100).toFixed(0)} % errors inside windows${t.expectFailover === true ? ' (in the window of the step that fails the master over: from the end of the outage, the switch seen and every client writing again; the outage is the write gap above)' : ''}`);
  }
  for (const f of faults) {
    if (f.fault.checks) rules.push(`${f.kind}: the procedure's own checks pass`);
    if (f.fault.drill) rules.push(`${f.kind}: the restore holds exactly what the ledger acknowledged (lost 0, resurrected 0)`);
  }
  rules.push(`topology healthy again within ${seconds(t.healthyWithinMs)} after healing`);
  return rules;
}
