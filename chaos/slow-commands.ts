import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * The first look of the RedisCpuHigh response (docs/runbook.md): five commands hold the master's
 * main thread 100 ms each; SLOWLOG GET must show them, and the report's slow-log table lists
 * them. The latency they cause lands inside the chaos window, so the load gates judge the rest.
 */
export default defineExperiment({
  name: 'slow-commands',
  description: 'slow commands hold the master\'s main thread; SLOWLOG GET must show them',
  steps: [{ at: '40%', fault: { kind: 'slow-commands', count: 5, blockMs: 100 } }],
  thresholds: { expectFailover: false },
});
