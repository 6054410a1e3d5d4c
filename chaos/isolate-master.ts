import { defineExperiment } from '../src/chaos/experiment.js';

export default defineExperiment({
  name: 'isolate-master',
  description: "cut the master's app and peer proxies for 8 s at 50 %",
  steps: [{ at: '50%', fault: { kind: 'isolate-master', duration: '8s' } }],
  thresholds: { expectFailover: true },
});
