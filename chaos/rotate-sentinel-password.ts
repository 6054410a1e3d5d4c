import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Rotating the password sentinels use on the nodes (docs/runbook.md, "Rotating ACL passwords"):
 * new password on every node, `SENTINEL SET <master> auth-pass` on every sentinel, old password
 * retired, sentinel links dropped: every sentinel must log in again, and no failover happens.
 */
export default defineExperiment({
  name: 'rotate-sentinel-password',
  description: 'rotate the sentinel user password and auth-pass under load: sentinels reconnect with the new one, no failover',
  steps: [{ at: '40%', fault: { kind: 'rotate-service-password', user: 'sentinel' } }],
  thresholds: { expectFailover: false, maxWriteUnavailabilityMs: 5000 },
});
