import { defineExperiment } from '../src/chaos/experiment.js';

/** 20 ± 5 ms on the master's app link for 5 s: no failover may happen, latency recovers. */
export default defineExperiment({
  name: 'master-latency',
  description: '20 ± 5 ms latency on the master app link for 5 s at 50 % of the run',
  steps: [{ at: '50%', fault: { kind: 'master-latency', latencyMs: 20, jitterMs: 5, duration: '5s' } }],
  thresholds: { expectFailover: false },
});
