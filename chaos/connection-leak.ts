import { defineExperiment } from '../src/chaos/experiment.js';

/**
 * The response to RedisTooManyConnections / RedisRejectedConnections (docs/runbook.md): a client
 * leaks 300 connections into the master's maxclients (lowered for the step); CLIENT LIST grouped
 * by connection name finds it and its connections are killed. The app's established connections
 * keep working throughout. With --monitoring the report shows RedisRejectedConnections firing.
 */
export default defineExperiment({
  name: 'connection-leak',
  description: 'a client leaks connections until maxclients rejects them; found by CLIENT LIST name and killed',
  steps: [{ at: '40%', fault: { kind: 'connection-leak', connections: 300, duration: '3s' } }],
  thresholds: { expectFailover: false, maxWriteUnavailabilityMs: 2000 },
});
