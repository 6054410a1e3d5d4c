import { defineExperiment } from '../src/chaos/experiment.js';

export default defineExperiment({
  name: 'bandwidth',
  description: "limit the master's app link to 50 KB/s for 5 s at 50 %",
  steps: [{ at: '50%', fault: { kind: 'master-bandwidth', rateKBps: 50, duration: '5s' } }],
  thresholds: { expectFailover: false },
});
