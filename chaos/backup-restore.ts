import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Restore from backup (docs/runbook.md): back up under load at 40 %; after the run the data is
 * destroyed, the backup restored into a fresh node and checked against the ledger of that moment.
 * Destroys the target's data after the run: embedded or detached topologies only.
 */
export default defineExperiment({
  name: 'backup-restore',
  description: 'back up under load, destroy the data after the run, restore into a fresh node: exactly what was acknowledged at the backup',
  steps: [{ at: '40%', fault: { kind: 'backup-restore' } }],
  thresholds: { expectFailover: false },
});
