import { defineExperiment } from '../src/chaos/experiment.js';

/** SIGSTOP the master for 6 s (twice down-after-milliseconds): a failover must happen. */
export default defineExperiment({
  name: 'freeze-master',
  description: 'SIGSTOP the master for 6 s at 50 % of the run, then SIGCONT',
  steps: [{ at: '50%', fault: { kind: 'freeze-master', duration: '6s' } }],
  thresholds: { expectFailover: true },
});
