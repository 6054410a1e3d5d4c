import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Cut the master from replicas and sentinels for 8 s while clients still reach it (the Jepsen
 * split-brain case). Sentinels promote a replica; the old master's writes in the meantime are
 * lost when it rejoins; the acknowledged-write ledger counts them as lost or resurrected.
 */
export default defineExperiment({
  name: 'partition-master',
  description: "cut the master's peer proxy for 8 s at 50 % of the run; clients keep reaching it",
  steps: [{ at: '50%', fault: { kind: 'partition-master', duration: '8s' } }],
  thresholds: { expectFailover: true },
});
