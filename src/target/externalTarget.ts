import type { RedisOptions } from 'ioredis';
import { externalClusterTarget } from './externalClusterTarget.js';
import { isClusterSpec, isEndpointSpec, type ExternalAccess } from './externalTargetFile.js';
import type { InfoAccess, Target } from './target.js';

/**
 * A deployment gauntlet did not start, from its spec: through its sentinels, at one plain
 * endpoint, or a Redis Cluster (externalClusterTarget.ts). INFO (memory, server time, the endpoint's replication id) is read as the spec's
 * audit user when it names one, else as the app user if that user may (checkTargetReachable
 * finds out).
 */
export function externalTarget(a: ExternalAccess, allowDestructiveFlag: boolean): Target {
  const t = a.spec;
  if (isClusterSpec(t)) return externalClusterTarget(a, t, allowDestructiveFlag);
  const app: RedisOptions = isEndpointSpec(t)
    ? { host: t.endpoint.host, port: t.endpoint.port, username: a.app.username, password: a.app.password, tls: a.tls }
    : {
        sentinels: t.sentinels,
        name: t.masterName,
        username: a.app.username,
        password: a.app.password,
        sentinelUsername: a.sentinelAuth.username,
        sentinelPassword: a.sentinelAuth.password,
        natMap: t.natMap,
        tls: a.tls,
        enableTLSForSentinelMode: Boolean(t.tls),
        sentinelTLS: t.tls?.sentinels ? a.tls : undefined,
        updateSentinels: false,
      };
  const audit: RedisOptions | null = a.auditAuth ? { ...app, username: a.auditAuth.username, password: a.auditAuth.password } : null;
  const target: Target = {
    kind: 'external',
    topology: null,
    allowDestructive: t.allowDestructive && allowDestructiveFlag,
    infoAllowed: null,
    clientOptions: () => ({ ...app }),
    infoAccess: (): InfoAccess => {
      if (audit) return { options: { ...audit }, as: `audit user ${a.auditAuth!.username}` };
      if (target.infoAllowed === false) return { options: null, why: `the app user ${a.app.username} may not run INFO and ${a.source} names no audit user` };
      return { options: { ...app }, as: `app user ${a.app.username}` };
    },
    sentinelEndpoints: () =>
      isEndpointSpec(t)
        ? []
        : t.sentinels.map((s) => ({ name: `${s.host}:${s.port}`, options: { host: s.host, port: s.port, username: a.sentinelAuth.username, password: a.sentinelAuth.password, tls: t.tls?.sentinels ? a.tls : undefined } })),
    plainEndpoint: () =>
      isEndpointSpec(t) ? { name: `${t.endpoint.host}:${t.endpoint.port}`, host: t.endpoint.host, port: t.endpoint.port, options: { ...(audit ?? app) }, readsInfo: audit !== null || target.infoAllowed !== false } : null,
    describe: () => ({
      kind: 'external',
      masterName: isEndpointSpec(t) ? '' : t.masterName,
      sentinels: isEndpointSpec(t) ? [] : t.sentinels.map((s) => `${s.host}:${s.port}`),
      endpoint: isEndpointSpec(t) ? `${t.endpoint.host}:${t.endpoint.port}` : null,
      topologyId: null,
      tls: Boolean(t.tls),
      settings: null,
    }),
    close: async () => undefined,
  };
  return target;
}
