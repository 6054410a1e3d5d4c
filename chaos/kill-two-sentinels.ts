import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Kill two of three sentinels, then the master: with no majority no failover may happen (the
 * master stays down until healing restarts it). Shows that a quorum of 2 is also a majority
 * requirement, and what losing it costs.
 */
export default defineExperiment({
  name: 'kill-two-sentinels',
  description: 'SIGKILL 2 of 3 sentinels at 30 %, then the master at 50 %: no failover may happen',
  steps: [
    { at: '30%', fault: { kind: 'kill-sentinels', count: 2 } },
    { at: '50%', fault: { kind: 'kill-master' } },
  ],
  // The store is down from the master's kill until healing: an outage this experiment expects, not one to recover from.
  thresholds: { expectFailover: false, recoverWithinMs: null },
});
