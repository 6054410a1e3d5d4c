import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Redis Cluster: SIGKILL shard 0's master half-way through the run. Its replica must be promoted
 * (the other masters flag it failing after cluster-node-timeout and vote), and the clients must
 * write to shard 0 again; the other shards never stop. The killed master is restarted once its
 * replica is promoted (a supervisor's restart) and rejoins as that replica's replica, so a durable
 * run's shard has a replica to WAIT for again.
 */
export default defineExperiment({
  name: 'kill-shard-master',
  description: "Cluster: SIGKILL shard 0's master at 50 %; its replica promoted, the old master restarted as its replica, clients back on the shard",
  steps: [{ at: '50%', fault: { kind: 'kill-shard-master', shard: 0 } }],
  thresholds: { expectFailover: true },
});
