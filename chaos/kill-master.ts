import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * SIGKILL the master half-way through the run: sentinels must promote a replica, clients follow.
 * What must hold comes from the thresholds (src/gates/experimentRules.ts): a failover within
 * down-after + 5 s, every client writing again within down-after + 7 s, the chaos window closed
 * (recovered) within 30 s of the strike with at most 50 % errors inside it from the end of the
 * outage (before it every write fails by design: the write-gap limit judges that outage).
 */
export default defineExperiment({
  name: 'kill-master',
  description: 'SIGKILL the master at 50 % of the run: a replica is promoted within down-after + 5 s, clients write again, recovered within 30 s',
  steps: [{ at: '50%', fault: { kind: 'kill-master' } }],
  thresholds: { expectFailover: true },
});
