import { defineScenario } from '../src/load/scenario.js';

/**
 * 50,000 logins in rising steps (1,000, 2,000, then 4,000 logins per second) while earlier
 * sessions stay mostly idle: how fast the target takes logins within the latency budget.
 * The per-second time series in summary.json shows where p99 leaves the budget, if it does.
 */
export default defineScenario({
  name: 'login-storm',
  description: '50,000 logins at 1k, 2k, then 4k logins/s; p99 < 10 ms',
  stages: [
    { name: 'storm-1k', duration: '10s', loginRate: 1000 },
    { name: 'storm-2k', duration: '10s', loginRate: 2000 },
    { name: 'storm-4k', duration: '5s', loginRate: 4000 },
  ],
  session: {
    thinkTime: { distribution: 'exponential', meanMs: 60_000 },
    mix: { request: 90, refresh: 10, oauth: 0, revokeAll: 0 },
    meanLifetime: '30m',
    tokenReuseRate: 0,
    ttl: { session: '30m', refreshToken: '2h', oauthState: '5m' },
  },
  clients: { instances: 4, autoPipelining: false, commandTimeoutMs: 1000 },
  thresholds: { p99Ms: 10, perOperationP99Ms: 10, maxErrorRate: 0.001 },
});
