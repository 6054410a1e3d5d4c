import { PopulationPlan } from '../load/population/populationPlan.js';
import type { Scenario } from '../load/scenario.js';
import { keyPatternParts, keyPatterns, type KeyName } from '../load/session/sessionKeys.js';
import { loginScript, logoutScript, revokeAllScript, rotateScript, touchScript } from '../load/session/sessionOperations.js';
import { k6Names, k6Thresholds } from './k6Thresholds.js';
import { ratePlan, type RatePlan } from './k6RatePlan.js';

/**
 * `gauntlet export k6`: a k6 script (JavaScript, k6 with its Redis extension `k6/x/redis`) that
 * offers a scenario's load to a Sentinel-managed Redis: its stages, operation mix, key schema,
 * Lua scripts and thresholds. Pure: scenario in, script text out.
 *
 * Executor: one ramping-arrival-rate scenario for every stage kind. Each iteration is one
 * session operation; the rate is the plan's total (logins + actions + logouts, k6RatePlan.ts)
 * and each iteration draws which of the three it is in proportion to their rates at that
 * moment. Sessions live in the VU that logged them in (k6 VUs share no memory); an action picks
 * one of its VU's sessions at random, which for exponential think times is exactly which session
 * acts next. One VU per session (ramping-vus) was not chosen: a k6 VU is a JavaScript runtime
 * with its own Redis client, so 50,000 sessions would be 50,000 runtimes and 50,000 connections,
 * and ramping-vus is a closed model (a slow reply delays the session's next operation).
 */

/** What the generated script's clients and executor are sized from. */
interface ScriptParameters {
  plan: RatePlan;
  preAllocatedVUs: number;
  maxVUs: number;
}

/**
 * VUs: one runs one operation at a time, so Little's law wants rate × latency of them. Twice the
 * p99 budget at the peak rate is pre-allocated; five times that is the ceiling. Past it k6 drops
 * iterations (the dropped_iterations gate) instead of queueing them without bound.
 */
function parameters(s: Scenario): ScriptParameters {
  const plan = ratePlan(s);
  const preAllocatedVUs = Math.max(10, Math.ceil((plan.peakRate * 2 * s.thresholds.p99Ms) / 1000));
  return { plan, preAllocatedVUs, maxVUs: preAllocatedVUs * 5 };
}

function duration(ms: number): string {
  const whole = Math.round(ms);
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

/** k6 stage targets are whole iterations per timeUnit: per minute keeps a sixtieth of an operation per second. */
const perMinute = (ratePerSecond: number): number => Math.round(ratePerSecond * 60);

function k6Options(s: Scenario, p: ScriptParameters): Record<string, unknown> {
  const total = (r: { login: number; action: number; logout: number }): number => perMinute(r.login + r.action + r.logout);
  const stages: Array<{ duration: string; target: number }> = [];
  let current = total(p.plan.segments[0]!.start);
  const startRate = current;
  for (const seg of p.plan.segments) {
    // A rate that jumps between stages (a ramp's end) is a zero-length k6 stage.
    if (total(seg.start) !== current) stages.push({ duration: '0s', target: total(seg.start) });
    current = total(seg.end);
    stages.push({ duration: duration(seg.durationMs), target: current });
  }
  const c = s.clients;
  return {
    scenarios: {
      [k6Names.scenario]: {
        executor: 'ramping-arrival-rate',
        startRate,
        timeUnit: '1m',
        preAllocatedVUs: p.preAllocatedVUs,
        maxVUs: p.maxVUs,
        stages,
        // As the load engine drains: operations in flight may take their timeout and retries.
        gracefulStop: duration(c.commandTimeoutMs * (c.maxRetriesPerRequest + 2) + 2000),
      },
    },
    thresholds: k6Thresholds(s, p.plan),
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(99)', 'p(99.9)'],
  };
}

/** The key builders of sessionKeys.ts as JavaScript, made from the same patterns. */
function keyFunctions(): string {
  return (Object.keys(keyPatterns) as KeyName[])
    .map((name) => {
      const { literals, params } = keyPatternParts(keyPatterns[name]);
      const pieces = [JSON.stringify(literals[0])];
      params.forEach((param, i) => pieces.push(param, JSON.stringify(literals[i + 1])));
      const body = pieces.filter((x) => x !== '""').join(' + ');
      const doc = params.map((param) => `@param {string} ${param}`).join(' ');
      return `/** ${keyPatterns[name]} ${doc} */\nfunction ${name}Key(${params.join(', ')}) {\n  return ${body};\n}`;
    })
    .join('\n');
}

const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000));

export function k6Script(s: Scenario): string {
  const p = parameters(s);
  const c = s.clients;
  const plan = p.plan.segments.reduce<Array<{ startMs: number; endMs: number; start: number[]; end: number[]; replaceEnded: boolean }>>((rows, seg) => {
    const startMs = rows.length ? rows[rows.length - 1]!.endMs : 0;
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    rows.push({
      startMs,
      endMs: startMs + Math.round(seg.durationMs),
      start: [seg.start.login, seg.start.action, seg.start.logout].map(round),
      end: [seg.end.login, seg.end.action, seg.end.logout].map(round),
      replaceEnded: seg.replaceEnded,
    });
    return rows;
  }, []);
  // As the load engine draws users: some users hold several sessions.
  const userSpace = Math.max(1, Math.round(Math.max(new PopulationPlan(s.stages).peakSessions(), 1000) * s.session.usersPerSession));
  const ttl = { session: seconds(s.session.ttl.session), refreshToken: seconds(s.session.ttl.refreshToken), oauthState: seconds(s.session.ttl.oauthState) };
  const scripts = { login: loginScript, touch: touchScript, logout: logoutScript, rotate: rotateScript, revokeAll: revokeAllScript };
  // go-redis retries a command after a network error; 0 there means its default of 3, -1 none.
  const maxRetries = c.maxRetriesPerRequest === 0 ? -1 : c.maxRetriesPerRequest;

  return `// Generated by \`gauntlet export k6 --scenario ${s.name}\`: ${s.description.replace(/\n/g, ' ')}
// Regenerate rather than edit. It offers the scenario's load with k6 and its Redis extension:
//
//   REDIS_SENTINEL=host:port REDIS_MASTER_NAME=name REDIS_USERNAME=app REDIS_PASSWORD=... k6 run this.js
//
// Optional: REDIS_SENTINEL_USERNAME, REDIS_SENTINEL_PASSWORD, REDIS_CA_FILE (TLS, PEM CA).
// k6 needs k6/x/redis: automatic extension resolution (k6 1.2 and later) or a k6 built with
// \`xk6 build --with github.com/grafana/xk6-redis\`. What differs from \`gauntlet run\`: docs/k6.md.
import redis from 'k6/x/redis';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

/** @type {import('k6/options').Options} */
export const options = ${JSON.stringify(k6Options(s, p), null, 2)};

/**
 * The offered load over time (gauntlet's rate plan): rates in operations per second of
 * [login, action, logout] at the start and end of each piece, linear in between. The executor
 * runs their sum; each iteration draws one of the three in proportion.
 */
const plan = ${JSON.stringify(plan)};
/** Relative weights of what an authenticated session does next. */
const mix = ${JSON.stringify(s.session.mix)};
const tokenReuseRate = ${s.session.tokenReuseRate};
const userSpace = ${userSpace};
/** Seconds. */
const ttl = ${JSON.stringify(ttl)};

/** The session operations' Lua scripts (src/load/session/sessionOperations.ts). */
const scripts = {
${Object.entries(scripts)
  .map(([name, lua]) => `  ${name}: ${JSON.stringify(lua)},`)
  .join('\n')}
};

// The key schema (src/load/session/sessionKeys.ts).
${keyFunctions()}

const opErrors = new Rate('${k6Names.errors}');
const opOutcomes = new Counter('${k6Names.outcomes}');

/** @param {string} name */
function required(name) {
  const value = __ENV[name];
  if (!value) throw new Error('set ' + name + ' (see the head of this script)');
  return value;
}

/** @returns {import('k6/x/redis').Options} */
function clientOptions() {
  const sentinel = required('REDIS_SENTINEL');
  const colon = sentinel.lastIndexOf(':');
  /** @type {import('k6/x/redis').SocketOptions} */
  const socket = {
    host: colon < 0 ? sentinel : sentinel.slice(0, colon),
    port: colon < 0 ? 26379 : Number(sentinel.slice(colon + 1)),
    readTimeout: ${c.commandTimeoutMs},
    writeTimeout: ${c.commandTimeoutMs},
    // A VU runs one operation at a time: one connection each.
    poolSize: 1,
  };
  const caFile = __ENV.REDIS_CA_FILE;
  if (caFile) socket.tls = { ca: [open(caFile)] };
  /** @type {import('k6/x/redis').Options} */
  const o = {
    socket,
    masterName: required('REDIS_MASTER_NAME'),
    username: required('REDIS_USERNAME'),
    password: required('REDIS_PASSWORD'),
    maxRetries: ${maxRetries},
  };
  const sentinelUsername = __ENV.REDIS_SENTINEL_USERNAME;
  const sentinelPassword = __ENV.REDIS_SENTINEL_PASSWORD;
  if (sentinelUsername) o.sentinelUsername = sentinelUsername;
  if (sentinelPassword) o.sentinelPassword = sentinelPassword;
  return o;
}

// One client per VU (k6 runs this init code in every VU); it connects on its first command.
const client = new redis.Client(clientOptions());

/** @param {unknown} e */
function errorText(e) {
  if (e && typeof e === 'object' && 'error' in e && typeof e.error === 'function') return String(e.error());
  return String(e);
}

/**
 * A nil reply rejects in the extension; here it is null.
 * @param {Promise<unknown>} reply
 */
async function nilAsNull(reply) {
  try {
    return await reply;
  } catch (e) {
    if (errorText(e) === 'redis: nil') return null;
    throw e;
  }
}

/** @type {Record<string, string>} */
let shas = {};

/**
 * EVALSHA, and EVAL when the server lacks the script (a new master after a failover), as ioredis does.
 * @param {keyof typeof scripts} name @param {string[]} keys @param {(string | number)[]} args
 */
async function evalScript(name, keys, args) {
  try {
    return await nilAsNull(client.sendCommand('EVALSHA', shas[name] || '', keys.length, ...keys, ...args));
  } catch (e) {
    if (!errorText(e).startsWith('NOSCRIPT')) throw e;
    return nilAsNull(client.sendCommand('EVAL', scripts[name], keys.length, ...keys, ...args));
  }
}

/** @typedef {{ uid: string, sid: string, family: string, token: string, previousToken: string | null, nonce: string | null }} Session */

/** This VU's logged-in sessions. @type {Session[]} */
const sessions = [];
/** Sessions of this VU that ended early in a session stage: their users log in again, as gauntlet does. */
let replacements = 0;
/** Random per VU and run, so two runs never write each other's keys. */
let idPrefix = '';
let nextId = 0;

function randomText() {
  return Math.floor(Math.random() * 2 ** 52).toString(36);
}

function tokenHash() {
  return idPrefix + randomText() + randomText();
}

/** @returns {Session} */
function newSession() {
  const id = (nextId++).toString(36);
  return {
    uid: 'u' + Math.floor(Math.random() * userSpace).toString(36),
    sid: idPrefix + id,
    family: idPrefix + 'f' + id,
    token: tokenHash(),
    previousToken: null,
    nonce: null,
  };
}

/** @type {Record<string, (s: Session) => Promise<string>>} */
const operations = {
  async login(s) {
    await evalScript(
      'login',
      [sessionKey(s.uid, s.sid), refreshTokenKey(s.uid, s.token), tokenFamilyKey(s.uid, s.family), userSessionsKey(s.uid)],
      [s.uid, s.sid, s.family, s.token, ttl.session, ttl.refreshToken, Date.now()],
    );
    return 'ok';
  },
  async request(s) {
    const version = await evalScript('touch', [sessionKey(s.uid, s.sid)], [ttl.session]);
    return version === null ? 'session-gone' : 'ok';
  },
  async refresh(s) {
    const replay = Math.random() < tokenReuseRate && s.previousToken !== null;
    const presented = replay && s.previousToken ? s.previousToken : s.token;
    const next = tokenHash();
    const reply = /** @type {unknown[]} */ (
      await evalScript(
        'rotate',
        [refreshTokenKey(s.uid, presented), tokenFamilyKey(s.uid, s.family), sessionKey(s.uid, s.sid), refreshTokenKey(s.uid, next), userSessionsKey(s.uid)],
        [ttl.refreshToken, next, s.sid],
      )
    );
    const status = reply[0];
    if (status === 'reuse') return 'token-reuse-revoked';
    if (status === 'rejected') return 'token-rejected';
    s.previousToken = s.token;
    s.token = next;
    return status === 'gone' ? 'session-gone' : 'ok';
  },
  async oauthBegin(s) {
    const nonce = tokenHash();
    const reply = await nilAsNull(client.sendCommand('SET', oauthStateKey(nonce), s.uid + '|' + s.sid, 'EX', ttl.oauthState, 'NX'));
    if (reply !== 'OK') throw new Error('OAuth state nonce collision');
    s.nonce = nonce;
    return 'ok';
  },
  async oauthComplete(s) {
    const nonce = s.nonce;
    s.nonce = null;
    if (!nonce) return 'oauth-state-missing';
    const value = await nilAsNull(client.sendCommand('GETDEL', oauthStateKey(nonce)));
    return value === s.uid + '|' + s.sid ? 'ok' : 'oauth-state-missing';
  },
  async logout(s) {
    // 0: the session was already gone and its family not revoked (expired, or lost), as in gauntlet.
    const deleted = await evalScript('logout', [sessionKey(s.uid, s.sid), tokenFamilyKey(s.uid, s.family), userSessionsKey(s.uid)], [s.sid]);
    return Number(deleted) === 0 ? 'session-gone' : 'ok';
  },
  async revokeAll(s) {
    await evalScript('revokeAll', [userSessionsKey(s.uid)], [s.uid]);
    return 'ok';
  },
};

/**
 * Rates of [login, action, logout] at ms into the scenario.
 * @param {number} ms
 */
function planAt(ms) {
  for (const piece of plan) {
    if (ms < piece.endMs) {
      const f = piece.endMs > piece.startMs ? Math.max(0, (ms - piece.startMs) / (piece.endMs - piece.startMs)) : 0;
      return { rates: piece.start.map((r, i) => r + ((piece.end[i] ?? r) - r) * f), replaceEnded: piece.replaceEnded };
    }
  }
  const last = plan[plan.length - 1];
  return { rates: last ? last.end : [1, 0, 0], replaceEnded: last ? last.replaceEnded : false };
}

/** @param {number[]} rates */
function drawKind(rates) {
  const [login = 0, action = 0, logout = 0] = rates;
  const u = Math.random() * (login + action + logout);
  if (u < login) return 'login';
  return u < login + action ? 'action' : 'logout';
}

function drawAction() {
  const total = mix.request + mix.refresh + mix.oauth + mix.revokeAll;
  let u = Math.random() * total;
  if ((u -= mix.request) < 0) return 'request';
  if ((u -= mix.refresh) < 0) return 'refresh';
  if ((u -= mix.oauth) < 0) return 'oauthBegin';
  return 'revokeAll';
}

/** @param {Session} s */
function forget(s) {
  const i = sessions.indexOf(s);
  if (i >= 0) sessions.splice(i, 1);
}

/**
 * Runs one operation, measures it and reacts like the app: a session found gone or revoked ends.
 * @param {string} op @param {Session} s @param {boolean} replaceEnded
 */
async function perform(op, s, replaceEnded) {
  // The iteration is the operation: k6's iteration_duration of this iteration carries its name.
  exec.vu.metrics.tags.op = op;
  const run = operations[op];
  let outcome = 'error';
  try {
    if (!run) throw new Error('unknown operation ' + op);
    outcome = await run(s);
    opErrors.add(0, { op });
  } catch (e) {
    opErrors.add(1, { op });
  }
  opOutcomes.add(1, { op, outcome });
  if (op === 'login') {
    if (outcome === 'ok') sessions.push(s);
    else if (replaceEnded) replacements++;
    return;
  }
  const ended = op === 'logout' || op === 'revokeAll' || outcome === 'session-gone' || outcome === 'token-reuse-revoked' || outcome === 'token-rejected';
  if (!ended) return;
  forget(s);
  if (op !== 'logout' && replaceEnded) replacements++;
}

/** Loads the scripts once; every VU gets their SHA1s. */
export async function setup() {
  /** @type {Record<string, string>} */
  const loaded = {};
  for (const [name, lua] of Object.entries(scripts)) loaded[name] = String(await client.sendCommand('SCRIPT', 'LOAD', lua));
  return { shas: loaded };
}

/** @param {{ shas: Record<string, string> }} data */
export default async function (data) {
  shas = data.shas;
  if (!idPrefix) idPrefix = 'k6' + randomText().slice(0, 4) + '.' + exec.vu.idInTest.toString(36) + '.';
  const now = planAt(Date.now() - exec.scenario.startTime);
  let kind = drawKind(now.rates);
  if (kind !== 'login' && sessions.length === 0) kind = 'login';
  if (kind === 'action' && replacements > 0) {
    replacements--;
    kind = 'login';
  }
  if (kind === 'login') return perform('login', newSession(), now.replaceEnded);
  const s = sessions[Math.floor(Math.random() * sessions.length)];
  if (!s) return perform('login', newSession(), now.replaceEnded);
  if (kind === 'logout') return perform('logout', s, now.replaceEnded);
  return perform(s.nonce ? 'oauthComplete' : drawAction(), s, now.replaceEnded);
}
`;
}
