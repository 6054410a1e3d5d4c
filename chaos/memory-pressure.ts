import { defineExperiment } from '../src/chaos/experiment.js';

export default defineExperiment({
  name: 'memory-pressure',
  description: "fill the master up to maxmemory for 5 s at 50 %: what the eviction policy does to sessions",
  steps: [{ at: '50%', fault: { kind: 'memory-pressure', fillFraction: 1, duration: '5s' } }],
  thresholds: { expectFailover: false },
});
