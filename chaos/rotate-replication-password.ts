import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Rotating the replication user's password (docs/runbook.md, "Rotating ACL passwords"): new
 * password on every node, `masterauth` changed live and rewritten on every node, old password
 * retired, replica links dropped: every replica must log in again with the new one.
 */
export default defineExperiment({
  name: 'rotate-replication-password',
  description: 'rotate the replicator password and masterauth under load: replicas reconnect with the new one, old refused, both persisted',
  steps: [{ at: '40%', fault: { kind: 'rotate-service-password', user: 'replicator' } }],
  thresholds: { expectFailover: false, maxWriteUnavailabilityMs: 5000 },
});
