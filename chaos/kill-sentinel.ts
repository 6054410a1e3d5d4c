import { defineExperiment } from '../src/chaos/experiment.js';

/** Kill one of three sentinels, then the master: the remaining two still hold the quorum and fail over. */
export default defineExperiment({
  name: 'kill-sentinel',
  description: 'SIGKILL 1 of 3 sentinels at 30 %, then the master at 50 %: quorum holds, failover happens',
  steps: [
    { at: '30%', fault: { kind: 'kill-sentinels', count: 1 } },
    { at: '50%', fault: { kind: 'kill-master' } },
  ],
  thresholds: { expectFailover: true },
});
