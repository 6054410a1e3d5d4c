import { defineExperiment } from '../src/chaos/experiment.js';

export default defineExperiment({
  name: 'restart-master-from-aof',
  description: "SIGKILL the master at 50 % and restart it on its AOF before any failover",
  steps: [{ at: '50%', fault: { kind: 'restart-master-from-aof' } }],
  thresholds: { expectFailover: false },
});
