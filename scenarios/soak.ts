import { defineScenario } from '../src/load/scenario.js';

/**
 * Long and gentler: 20,000 sessions for 30 minutes at ~2,000 operations/s, with sessions ending
 * and new ones logging in all the time (mean lifetime 5 min), so TTLs, expiry and memory reach
 * a steady state. Watch memory.bytesPerSession and the p99 time series for drift.
 */
export default defineScenario({
  name: 'soak',
  description: '20,000 sessions for 30 min, ~2,000 operations/s, continuous session churn',
  stages: [
    { name: 'ramp-up', duration: '60s', sessions: 20_000 },
    { name: 'steady', duration: '30m', sessions: 20_000 },
  ],
  session: {
    thinkTime: { distribution: 'exponential', meanMs: 10_000 },
    mix: { request: 84, refresh: 10, oauth: 5, revokeAll: 0.2 },
    meanLifetime: '5m',
    tokenReuseRate: 0.002,
    ttl: { session: '10m', refreshToken: '30m', oauthState: '5m' },
  },
  clients: { instances: 4, autoPipelining: false, commandTimeoutMs: 1000 },
  thresholds: { p99Ms: 10, perOperationP99Ms: 10, maxErrorRate: 0.001 },
});
