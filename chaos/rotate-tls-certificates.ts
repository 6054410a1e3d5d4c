import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Rotating TLS certificates (docs/runbook.md): under load a new server certificate from the same
 * CA is loaded live on every node and, by rolling restarts, on every sentinel. Afterwards every
 * server presents it, no failover happened and nothing acknowledged is lost. Needs `--tls`.
 */
export default defineExperiment({
  name: 'rotate-tls-certificates',
  description: 'rotate the server certificate under load: live reload on nodes, rolling restart of sentinels',
  steps: [{ at: '30%', fault: { kind: 'rotate-tls-certificates' } }],
  thresholds: { expectFailover: false, maxWriteUnavailabilityMs: 5000 },
});
