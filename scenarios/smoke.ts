import { defineScenario } from '../src/load/scenario.js';

/** Tiny and short: for tests and a first look. 200 sessions, ~100 operations per second. */
export default defineScenario({
  name: 'smoke',
  description: '200 concurrent sessions for 10 s after a 3 s ramp; every operation type appears',
  stages: [
    { name: 'ramp-up', duration: '3s', sessions: 200 },
    { name: 'steady', duration: '10s', sessions: 200 },
  ],
  session: {
    thinkTime: { distribution: 'exponential', meanMs: 2000 },
    mix: { request: 70, refresh: 15, oauth: 10, revokeAll: 1 },
    meanLifetime: '20s',
    tokenReuseRate: 0.05,
    ttl: { session: '10m', refreshToken: '1h', oauthState: '5m' },
  },
  clients: { instances: 2, autoPipelining: false, commandTimeoutMs: 1000 },
  thresholds: { p99Ms: 10, perOperationP99Ms: 10, maxErrorRate: 0.001 },
});
