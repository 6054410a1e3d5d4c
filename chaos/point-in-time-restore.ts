import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Point-in-time restore (docs/runbook.md): a moment chosen under load at 40 %; after the run an
 * accident destroys the data, the AOF is cut at that second and restored into a fresh node, which
 * must hold exactly what the ledger had acknowledged by then (and none of the later writes' effects
 * may count as lost: they are checked against the ledger of the moment, not the final one).
 */
export default defineExperiment({
  name: 'point-in-time-restore',
  description: 'cut the AOF at a moment chosen under load and restore it: exactly what was acknowledged by then',
  steps: [{ at: '40%', fault: { kind: 'point-in-time-restore' } }],
  thresholds: { expectFailover: false },
});
