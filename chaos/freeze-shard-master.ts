import { defineExperiment } from '../src/chaos/experiment.js';

/** Redis Cluster: SIGSTOP shard 0's master for 8 s (beyond cluster-node-timeout): failed over while frozen, a replica once thawed. */
export default defineExperiment({
  name: 'freeze-shard-master',
  description: "Cluster: SIGSTOP shard 0's master for 8 s at 50 %; failover, the thawed node rejoins as a replica",
  steps: [{ at: '50%', fault: { kind: 'freeze-shard-master', shard: 0, duration: '8s' } }],
  thresholds: { expectFailover: true },
});
