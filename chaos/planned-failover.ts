import { defineExperiment } from '../src/chaos/experiment.js';

export default defineExperiment({
  name: 'planned-failover',
  description: "maintenance failover at 50 %: pause writes, wait for a caught-up replica, SENTINEL FAILOVER",
  steps: [{ at: '50%', fault: { kind: 'planned-failover', safe: true } }],
  thresholds: { expectFailover: true },
});
