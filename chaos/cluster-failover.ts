import { defineExperiment } from '../src/chaos/experiment.js';

/** Redis Cluster planned maintenance: CLUSTER FAILOVER on shard 0's replica (coordinated: nothing acknowledged may be lost). */
export default defineExperiment({
  name: 'cluster-failover',
  description: "Cluster: manual CLUSTER FAILOVER of shard 0 at 50 % (planned maintenance)",
  steps: [{ at: '50%', fault: { kind: 'cluster-failover', shard: 0 } }],
  thresholds: { expectFailover: true },
});
