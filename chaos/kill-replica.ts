import { defineExperiment } from '../src/chaos/experiment.js';

export default defineExperiment({
  name: 'kill-replica',
  description: "SIGKILL one replica at 50 %; writes continue, no failover",
  steps: [{ at: '50%', fault: { kind: 'kill-replica' } }],
  thresholds: { expectFailover: false },
});
