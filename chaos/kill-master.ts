import { defineExperiment } from '../src/chaos/experiment.js';

/** SIGKILL the master half-way through the run: sentinels must promote a replica, clients follow. */
export default defineExperiment({
  name: 'kill-master',
  description: 'SIGKILL the master at 50 % of the run; failover and client recovery within 30 s',
  steps: [{ at: '50%', fault: { kind: 'kill-master' } }],
  thresholds: { expectFailover: true },
});
