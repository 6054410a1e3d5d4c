import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { auditNodeConfig, auditSentinel, auditWriteFence } from '../../src/audit/auditChecks.js';
import { composeDir } from '../../src/topology/configTemplate.js';
import { repoRoot, scratchDir } from './support.js';

/**
 * The compose deployment without a Docker engine: Debian's docker-compose (v1.29, the Compose
 * Specification) resolves and validates the file, and the init script renders the configs the
 * containers would get, which must pass what `gauntlet audit` checks on a live deployment.
 */

const exampleEnv = Object.fromEntries(
  readFileSync(join(composeDir, 'example.env'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
);

function composeConfig(env: Record<string, string>, compose = readFileSync(join(composeDir, 'docker-compose.yml'), 'utf8')): { code: number; out: string; err: string } {
  const dir = scratchDir('gauntlet-compose-');
  cpSync(composeDir, join(dir, 'compose'), { recursive: true });
  writeFileSync(join(dir, 'compose', 'docker-compose.yml'), compose);
  const envFile = join(dir, 'test.env');
  writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
  const r = spawnSync('docker-compose', ['-f', join(dir, 'compose', 'docker-compose.yml'), '--env-file', envFile, 'config'], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

interface ComposeService {
  image?: string;
  build?: { dockerfile?: string };
  restart?: string;
  healthcheck?: { test: string[] };
  mem_limit?: string | number;
  ports?: Array<string | { host_ip?: string; published?: number | string }>;
  volumes?: Array<string | { source?: string; target?: string; type?: string }>;
}

const bytes = (v: string | number): number => {
  if (typeof v === 'number') return v;
  const m = /^(\d+)([kmg]?)b?$/i.exec(v.trim());
  assert.ok(m, `a size: ${v}`);
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2]!.toLowerCase()]!;
};

/** A rendered redis.conf / sentinel.conf as `CONFIG GET` would show it: the last line of a key wins. */
function confRecord(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [key, ...rest] = t.split(/\s+/);
    out[key!.toLowerCase()] = rest.join(' ');
  }
  if (out.maxmemory) out.maxmemory = String(bytes(out.maxmemory));
  return out;
}

describe('the compose deployment, validated without a Docker engine', { timeout: 120_000 }, () => {
  test('docker-compose resolves it: pinned images, volumes for all state, health, restarts, memory, loopback ports', () => {
    const r = composeConfig(exampleEnv);
    assert.equal(r.code, 0, r.err);
    const config = parseYaml(r.out) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
    const s = config.services;
    const servers = ['redis-0', 'redis-1', 'redis-2', 'sentinel-0', 'sentinel-1', 'sentinel-2'];
    for (const [name, svc] of Object.entries(s)) {
      // Built here (the backup job): its base image is what must be pinned.
      const image = svc.build ? /^FROM (\S+)/m.exec(readFileSync(join(repoRoot, svc.build.dockerfile!), 'utf8'))?.[1] : svc.image;
      assert.ok(image && !/:latest$/.test(image) && /:v?\d+\.\d+\.\d+/.test(image), `${name}: pinned image, got ${image}`);
      const oneShot = name.endsWith('-init');
      assert.equal(svc.restart, oneShot ? 'no' : 'unless-stopped', `${name}: restart policy`);
      for (const p of svc.ports ?? []) assert.match(typeof p === 'string' ? p : `${p.host_ip}:${p.published}`, /^127\.0\.0\.1:/, `${name} publishes on loopback only`);
    }
    const redisTag = /^redis:(\d+)\.(\d+)\.(\d+)$/.exec(s['redis-0']!.image!);
    assert.ok(redisTag && (Number(redisTag[1]) > 7 || Number(redisTag[2]) >= 2), `Redis 7.2 or newer: ${s['redis-0']!.image}`);
    for (const name of servers) {
      const svc = s[name]!;
      assert.equal(svc.image, s['redis-0']!.image, `${name}: one Redis release everywhere`);
      assert.ok(svc.healthcheck?.test.join(' ').includes('healthcheck.sh'), `${name}: role-aware healthcheck`);
      const data = (svc.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`)).find((v) => /:\/data(:|$)/.test(v));
      assert.ok(data && !data.startsWith('/') && !data.startsWith('.'), `${name}: a named volume at /data, got ${data}`);
      assert.ok(data.split(':')[0]! in config.volumes, `${name}: ${data} is declared`);
    }
    // The node's limit leaves room for maxmemory plus a fork's copy-on-write.
    for (const n of ['redis-0', 'redis-1', 'redis-2']) assert.ok(bytes(s[n]!.mem_limit!) >= 2 * bytes(exampleEnv.MAXMEMORY!) + 128 * 1024 ** 2, `${n}: mem_limit ${s[n]!.mem_limit} for maxmemory ${exampleEnv.MAXMEMORY}`);
    // An exporter per server, Prometheus with the rules, Alertmanager, Grafana with the dashboards.
    for (const n of servers) assert.ok(s[`exporter-${n}`], `exporter-${n}`);
    const mounts = (svc: string): string[] => (s[svc]!.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    assert.ok(mounts('prometheus').some((m) => /compose\/alert-rules\.yml:\/etc\/prometheus\/alert-rules\.yml/.test(m)), mounts('prometheus').join(' '));
    assert.ok(mounts('grafana').some((m) => /compose\/grafana\/dashboards:\/var\/lib\/grafana\/dashboards/.test(m)), mounts('grafana').join(' '));
    assert.ok(existsSync(join(composeDir, 'grafana', 'dashboards', 'gauntlet.json')) && existsSync(join(composeDir, 'grafana', 'dashboards', 'redis.json')));
    assert.ok(s.alertmanager && s['node-exporter'] && s['backup-redis-0']);
    assert.ok(mounts('blackbox').some((m) => /compose\/blackbox\/blackbox\.yml:\/etc\/blackbox\/blackbox\.yml/.test(m)) && mounts('blackbox').some((m) => /^tls:\/tls/.test(m)), mounts('blackbox').join(' '));
  });

  test("Prometheus's configuration is valid, scrapes every 15 s, and labels every target with cluster (nodes also with node)", () => {
    const text = readFileSync(join(composeDir, 'prometheus', 'prometheus.yml'), 'utf8');
    const config = parseYaml(text) as { global: { scrape_interval: string }; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels?: Record<string, string> }> }> };
    assert.equal(config.global.scrape_interval, '15s', 'the interval the alert rules are written for');
    assert.deepEqual(config.scrape_configs.map((j) => j.job_name), ['redis', 'sentinel', 'backup', 'tls']);
    for (const job of config.scrape_configs) {
      for (const sc of job.static_configs) assert.ok(sc.labels?.cluster, `${job.job_name} ${sc.targets.join(',')}: cluster label`);
      if (job.job_name === 'redis') assert.deepEqual(job.static_configs.map((sc) => sc.labels?.node), ['redis-0', 'redis-1', 'redis-2']);
    }
    // promtool reads the rules at the path the container mounts them; point it at the file here.
    const dir = scratchDir('gauntlet-prometheus-');
    writeFileSync(join(dir, 'prometheus.yml'), text.replaceAll('/etc/prometheus/alert-rules.yml', join(composeDir, 'alert-rules.yml')));
    const check = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
  });

  test("blackbox_exporter's module is valid (blackbox_exporter --config.check)", () => {
    const ok = spawnSync('prometheus-blackbox-exporter', ['--config.check', `--config.file=${join(composeDir, 'blackbox', 'blackbox.yml')}`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const bad = join(scratchDir('gauntlet-blackbox-'), 'blackbox.yml');
    writeFileSync(bad, readFileSync(join(composeDir, 'blackbox', 'blackbox.yml'), 'utf8').replace('tls_config:', 'tls_confg:'));
    assert.notEqual(spawnSync('prometheus-blackbox-exporter', ['--config.check', `--config.file=${bad}`], { encoding: 'utf8', timeout: 30_000 }).status, 0, 'a broken module is refused');
  });

  test('docker-compose refuses it when a secret is missing or a key is wrong (the check can fail)', () => {
    const { ADMIN_PASSWORD: _dropped, ...noAdmin } = exampleEnv;
    const missing = composeConfig(noAdmin);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /ADMIN_PASSWORD/);
    const broken = composeConfig(exampleEnv, readFileSync(join(composeDir, 'docker-compose.yml'), 'utf8').replace('  prometheus:\n', '  prometheus:\n    restart_policy_typo: always\n'));
    assert.notEqual(broken.code, 0);
    assert.match(broken.err, /restart_policy_typo/);
  });

  test('the configs config-init renders pass what gauntlet audit checks, and are rendered only once', () => {
    const volumes = scratchDir('gauntlet-render-');
    const render = (env: Record<string, string>): void => {
      execFileSync('sh', [join(composeDir, 'init', 'render-configs.sh')], { env: { PATH: process.env.PATH, ...env, TEMPLATES: composeDir, VOLUMES: volumes }, cwd: repoRoot });
    };
    for (const d of ['redis-0', 'redis-1', 'redis-2', 'sentinel-0', 'sentinel-1', 'sentinel-2']) execFileSync('mkdir', ['-p', join(volumes, d)]);
    render(exampleEnv);
    const downAfterMs = Number(exampleEnv.DOWN_AFTER_MS);
    for (const n of [0, 1, 2]) {
      const conf = confRecord(readFileSync(join(volumes, `redis-${n}`, 'redis.conf'), 'utf8'));
      assert.deepEqual(auditNodeConfig({ name: `redis-${n}`, config: conf }), []);
      assert.deepEqual(auditWriteFence({ name: `redis-${n}`, config: conf }, downAfterMs), []);
      assert.equal(conf.port, '0', 'TLS only: plaintext port off');
      assert.equal(conf['tls-port'], '6379');
      assert.equal(conf['tls-replication'], 'yes');
      assert.equal(conf['replica-announce-ip'], `redis-${n}`, 'announces the name natMap maps');
      assert.equal(conf.replicaof, n === 0 ? undefined : 'redis-0 6379');
      const acl = readFileSync(join(volumes, `redis-${n}`, 'users.acl'), 'utf8');
      const sentinelUser = acl.split('\n').find((l) => l.startsWith('user sentinel '))!;
      assert.ok(!/config\|set|\+config |\+client /.test(sentinelUser), sentinelUser);
    }
    for (const n of [0, 1, 2]) {
      const text = readFileSync(join(volumes, `sentinel-${n}`, 'sentinel.conf'), 'utf8');
      const setting = (name: string): number => Number(new RegExp(`^sentinel ${name} ${exampleEnv.MASTER_NAME} (\\S+)`, 'm').exec(text)?.[1]);
      const quorum = Number(new RegExp(`^sentinel monitor ${exampleEnv.MASTER_NAME} redis-0 6379 (\\d+)`, 'm').exec(text)?.[1]);
      assert.deepEqual(auditSentinel({ name: `sentinel-${n}`, downAfterMs: setting('down-after-milliseconds'), failoverTimeoutMs: setting('failover-timeout'), quorum, knownSentinels: 2 }, 3), []);
      assert.match(text, /^sentinel resolve-hostnames yes$/m);
      assert.match(text, new RegExp(`^sentinel announce-ip sentinel-${n}$`, 'm'));
      assert.match(text, /^tls-port 26379$/m);
      assert.match(text, /^user sentinel-peer on .* -@all \+ping \+client\|setname \+publish \+sentinel\|is-master-down-by-addr$/m);
    }
    // Once: what Redis or Sentinel wrote since is kept on the next start.
    appendFileSync(join(volumes, 'redis-1', 'redis.conf'), '\n# written by CONFIG REWRITE\nreplicaof redis-2 6379\n');
    appendFileSync(join(volumes, 'sentinel-0', 'sentinel.conf'), '\nsentinel known-replica gauntlet redis-2 6379\n');
    render({ ...exampleEnv, MASTER_NAME: 'renamed' });
    assert.match(readFileSync(join(volumes, 'redis-1', 'redis.conf'), 'utf8'), /replicaof redis-2 6379\n$/);
    assert.match(readFileSync(join(volumes, 'sentinel-0', 'sentinel.conf'), 'utf8'), /known-replica gauntlet redis-2 6379\n$/);
    // The other way: a lag above down-after renders a config the audit flags.
    const bad = scratchDir('gauntlet-render-bad-');
    execFileSync('mkdir', ['-p', ...['redis-0', 'redis-1', 'redis-2', 'sentinel-0', 'sentinel-1', 'sentinel-2'].map((d) => join(bad, d))]);
    execFileSync('sh', [join(composeDir, 'init', 'render-configs.sh')], { env: { PATH: process.env.PATH, ...exampleEnv, MIN_REPLICAS_MAX_LAG: '10', TEMPLATES: composeDir, VOLUMES: bad } });
    const badConf = confRecord(readFileSync(join(bad, 'redis-0', 'redis.conf'), 'utf8'));
    assert.deepEqual(auditWriteFence({ name: 'redis-0', config: badConf }, downAfterMs).map((f) => f.id), ['replica-lag-above-down-after']);
  });

  test('the example target file reaches every announced node through natMap, over TLS', () => {
    const t = JSON.parse(readFileSync(join(composeDir, 'target.example.json'), 'utf8')) as { natMap: Record<string, { host: string; port: number }>; sentinels: Array<{ host: string; port: number }>; tls?: unknown };
    const config = parseYaml(composeConfig(exampleEnv).out) as { services: Record<string, ComposeService> };
    const published = (svc: string): string => {
      const p = config.services[svc]!.ports![0]!;
      return typeof p === 'string' ? p.split(':').slice(0, 2).join(':') : `${p.host_ip}:${p.published}`;
    };
    for (const n of [0, 1, 2]) assert.equal(`${t.natMap[`redis-${n}:6379`]?.host}:${t.natMap[`redis-${n}:6379`]?.port}`, published(`redis-${n}`));
    assert.deepEqual(t.sentinels.map((s) => `${s.host}:${s.port}`), [0, 1, 2].map((n) => published(`sentinel-${n}`)));
    assert.ok(t.tls, 'TLS on every link: the target file names the CA');
  });
});
