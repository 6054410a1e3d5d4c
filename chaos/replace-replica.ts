import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Replacing a failed replica (docs/runbook.md): under load a replica dies with its disk, an
 * empty node takes its place and full-syncs, every sentinel is reset one at a time and
 * rediscovers; writes never stop (no failover) and nothing acknowledged is lost.
 */
export default defineExperiment({
  name: 'replace-replica',
  description: 'a replica dies with its data and is replaced by an empty node; SENTINEL RESET one sentinel at a time',
  steps: [{ at: '30%', fault: { kind: 'replace-replica' } }],
  thresholds: { expectFailover: false, maxWriteUnavailabilityMs: 5000 },
});
