import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Redis Cluster: cut shard 0's master from the cluster bus and its replica for 8 s while clients
 * still reach it. The majority promotes the replica; the old master takes writes until it has
 * been cut off for cluster-node-timeout, and those are lost when it rejoins (the ledger counts
 * them; `--durable` makes them unacknowledged instead).
 */
export default defineExperiment({
  name: 'partition-shard-master',
  description: "Cluster: cut shard 0's master from the bus and its replica for 8 s at 50 %; clients keep reaching it",
  steps: [{ at: '50%', fault: { kind: 'partition-shard-master', shard: 0, duration: '8s' } }],
  thresholds: { expectFailover: true },
});
