import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Redis Cluster: cut shard 0's master from the cluster bus (both ways) and from its replica for
 * 8 s while clients still reach it. The other masters fail it over; the old master refuses writes
 * once it sees it lost the majority and rejoins as a replica after healing. Writes it acknowledged
 * in between are lost (the ledger reports them) unless the run is durable.
 */
export default defineExperiment({
  name: 'partition-shard-master',
  description: "Cluster: cut shard 0's master from the bus and its replica for 8 s at 50 %; clients keep reaching it; failover, the old master rejoins as a replica",
  steps: [{ at: '50%', fault: { kind: 'partition-shard-master', shard: 0, duration: '8s' } }],
  thresholds: { expectFailover: true },
});
