import { defineExperiment } from '../src/chaos/experiment.js';

export default defineExperiment({
  name: 'planned-failover-naive',
  description: "SENTINEL FAILOVER at 50 % without pausing writes (compare with planned-failover)",
  steps: [{ at: '50%', fault: { kind: 'planned-failover', safe: false } }],
  thresholds: { expectFailover: true },
});
