import { defineExperiment } from '../src/chaos/experiment.js';

export default defineExperiment({
  name: 'kill-shard-replica',
  description: "Cluster: SIGKILL shard 0's replica at 50 %; writes continue, no failover",
  steps: [{ at: '50%', fault: { kind: 'kill-shard-replica', shard: 0 } }],
  thresholds: { expectFailover: false },
});
