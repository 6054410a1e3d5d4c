import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Rotating ACL passwords (docs/runbook.md): the app user's password changes under load on every
 * node and sentinel, with both valid while the application rolls; afterwards the old one is
 * refused everywhere, the new one works and is persisted, and no acknowledged write is lost.
 */
export default defineExperiment({
  name: 'rotate-app-password',
  description: 'rotate the app user\'s password under load: old refused, new accepted and persisted, clients keep writing',
  steps: [{ at: '40%', fault: { kind: 'rotate-app-password' } }],
  thresholds: { expectFailover: false, maxWriteUnavailabilityMs: 5000 },
});
