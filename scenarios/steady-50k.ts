import { defineScenario } from '../src/load/scenario.js';

/**
 * The default acceptance load: 50,000 concurrent sessions doing what an auth service sees, at
 * about 6,250 session operations per second (50,000 sessions / 8 s mean think time).
 * Ramp 30 s, hold 60 s (the README's first look; --duration 30m for a long hold), ramp down 10 s.
 */
export default defineScenario({
  name: 'steady-50k',
  description: '50,000 concurrent sessions, realistic mix, ~6,250 operations/s, p99 < 10 ms per operation',
  stages: [
    { name: 'ramp-up', duration: '30s', sessions: 50_000 },
    { name: 'steady', duration: '60s', sessions: 50_000 },
    { name: 'ramp-down', duration: '10s', sessions: 0 },
  ],
  session: {
    thinkTime: { distribution: 'exponential', meanMs: 8000 },
    // Per authenticated action: mostly requests; a refresh every ~10 actions (access tokens of a
    // few minutes), some OAuth logins to linked providers, rare "log out everywhere".
    mix: { request: 84, refresh: 10, oauth: 5, revokeAll: 0.2 },
    meanLifetime: '30m',
    tokenReuseRate: 0.002,
    usersPerSession: 0.8,
    // Production refresh tokens live for days; 2 h keeps a staging target from filling up with
    // test tokens while keeping every key's size and layout the same.
    ttl: { session: '30m', refreshToken: '2h', oauthState: '5m' },
  },
  clients: { instances: 4, autoPipelining: false, commandTimeoutMs: 1000, maxRetriesPerRequest: 2 },
  thresholds: { p99Ms: 10, perOperationP99Ms: 10, maxErrorRate: 0.001, minThroughputRatio: 0.97 },
});
