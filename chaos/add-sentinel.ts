import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Adding a sentinel and removing it again (docs/runbook.md): under load a fourth sentinel starts
 * from a copy of a running one's config and must be discovered by all; at the end it is stopped
 * and the others forget it after SENTINEL RESET. No failover, nothing lost.
 */
export default defineExperiment({
  name: 'add-sentinel',
  description: 'add a fourth sentinel under load, then remove it with SENTINEL RESET one sentinel at a time',
  steps: [{ at: '30%', fault: { kind: 'add-sentinel' } }],
  thresholds: { expectFailover: false },
});
