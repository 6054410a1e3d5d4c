import { defineExperiment } from '../src/chaos/experiment.js';

/** Redis Cluster resharding under load: 64 slots move from shard 0 to shard 1 with MIGRATE; no failover, nothing acknowledged lost. */
export default defineExperiment({
  name: 'migrate-slots',
  description: 'Cluster: move 64 slots from shard 0 to shard 1 (MIGRATE) at 40 % of the run; clients follow ASK/MOVED',
  steps: [{ at: '40%', fault: { kind: 'migrate-slots', from: 0, to: 1, slots: 64 } }],
  thresholds: { expectFailover: false },
});
