import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * Sentinels 300 ms away from the clients, then the master dies. Each client's reconnect loop now
 * spends most of its time asking a sentinel for the master, so the +switch-master message lands
 * during such a look-up: ioredis 6.0.0 then ends the client for good unless the application
 * connects it again (docs/client-settings.md, scenario `clients.reconnectOnEnd`). On the 2-core
 * test machine 300 and 500 ms caught 8 of 8 clients in each of 6 runs; 150 ms, 1 s and 2 s caught none.
 */
export default defineExperiment({
  name: 'slow-sentinels-kill-master',
  description: '300 ms on every sentinel app link from 40 % for 12 s, SIGKILL the master at 45 %: clients must still follow the failover',
  steps: [
    { at: '40%', fault: { kind: 'slow-sentinels', latencyMs: 300, duration: '12s' } },
    { at: '45%', fault: { kind: 'kill-master' } },
  ],
  thresholds: { expectFailover: true },
});
