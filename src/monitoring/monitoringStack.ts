import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { UserError } from '../errors.js';
import { composeDir } from '../topology/configTemplate.js';
import { freePort } from '../topology/freePort.js';
import { startServerProcess, stopProcess, tailOfFile } from '../topology/processControl.js';
import type { StartedCluster } from '../topology/startedCluster.js';
import type { StartedTopology } from '../topology/startedTopology.js';
import { firedAlertsQuery, monitoringScrapeIntervalS } from './monitoringQueries.js';
import { globalScrapeIntervalMs, timeScaledRules } from './timeScaledRules.js';

export interface FiredAlert {
  name: string;
  state: string;
  activeAt: string;
  labels: Record<string, string>;
}

/**
 * One prometheus-redis-exporter per node and per sentinel (the least-privilege `monitoring`
 * user, straight to the server's port; on a Redis Cluster one per node, which also reports the
 * node's CLUSTER INFO as redis_cluster_* series) and one Prometheus that scrapes them and, during a run,
 * gauntlet's own live metrics every second and evaluates compose/alert-rules.yml, time-scaled
 * to that interval (timeScaledRules.ts). Every target carries the deployment label
 * `cluster="gauntlet-<topology id>"`, as the rules require. Processes are recorded in the
 * topology, so its stop() and the stale-topology cleanup end them too.
 */
export class MonitoringStack {
  private constructor(
    readonly prometheusUrl: string,
    private readonly pids: number[],
  ) {}

  static async start(t: StartedTopology | StartedCluster, options: { gauntletMetrics?: string } = {}): Promise<MonitoringStack> {
    const dir = join(t.dir, 'monitoring');
    await mkdir(dir, { recursive: true });
    const pids: number[] = [];
    try {
      return await MonitoringStack.startInto(t, dir, pids, options);
    } catch (e) {
      // Half a stack is of no use to anyone: end what did start before saying what failed.
      await Promise.all(pids.map((p) => stopProcess(p)));
      throw e;
    }
  }

  private static async startInto(t: StartedTopology | StartedCluster, dir: string, pids: number[], options: { gauntletMetrics?: string }): Promise<MonitoringStack> {
    const mon = t.credentials.monitoring;
    const tls = t.snapshot.tls;
    const tlsArgs = tls ? [`-tls-ca-cert-file=${tls.ca}`, `-tls-client-cert-file=${tls.clientCert}`, `-tls-client-key-file=${tls.clientKey}`] : [];
    // The exporter finds out by itself whether it talks to a node, a cluster node (redis_cluster_*
    // series) or a sentinel (redis_sentinel_* series).
    const sentinels = 'sentinels' in t ? t.sentinels : [];
    const servers = [...t.nodes.map((n) => ({ name: n.name, port: n.controlPort, job: 'redis', label: 'node' })), ...sentinels.map((s) => ({ name: s.name, port: s.controlPort, job: 'sentinel', label: 'sentinel' }))];
    const cluster = `gauntlet-${t.id}`;
    const targets: Record<string, Array<{ targets: string[]; labels: Record<string, string> }>> = { redis: [], sentinel: [] };
    for (const server of servers) {
      const port = await freePort();
      const pid = startServerProcess(
        '/usr/bin/prometheus-redis-exporter',
        [`-redis.addr=${tls ? 'rediss' : 'redis'}://127.0.0.1:${server.port}`, `-redis.user=${mon.username}`, `-web.listen-address=127.0.0.1:${port}`, ...tlsArgs],
        { cwd: dir, logFile: join(dir, `exporter-${server.name}.log`), env: { REDIS_PASSWORD: mon.password } },
      );
      await t.recordProcess({ name: `exporter-${server.name}`, kind: 'exporter', pid, cwd: dir });
      pids.push(pid);
      targets[server.job]!.push({ targets: [`127.0.0.1:${port}`], labels: { cluster, [server.label]: server.name } });
    }
    if (options.gauntletMetrics) targets.gauntlet = [{ targets: [options.gauntletMetrics], labels: { cluster } }];
    const rules = join(dir, 'alert-rules.yml');
    const productionScrapeMs = globalScrapeIntervalMs(await readFile(join(composeDir, 'prometheus', 'prometheus.yml'), 'utf8'));
    await writeFile(rules, timeScaledRules(await readFile(join(composeDir, 'alert-rules.yml'), 'utf8'), { factor: productionScrapeMs / (monitoringScrapeIntervalS * 1000), dropGroups: ['redis-session-store-backup'] }));
    const promPort = await freePort();
    const config = join(dir, 'prometheus.yml');
    const interval = `${monitoringScrapeIntervalS}s`;
    await writeFile(
      config,
      stringify({
        global: { scrape_interval: interval, evaluation_interval: interval },
        rule_files: [rules],
        scrape_configs: Object.entries(targets).map(([job, list]) => ({ job_name: job, static_configs: list })),
      }),
    );
    const pid = startServerProcess('/usr/bin/prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { cwd: dir, logFile: join(dir, 'prometheus.log') });
    await t.recordProcess({ name: 'prometheus', kind: 'prometheus', pid, cwd: dir });
    pids.push(pid);
    const url = `http://127.0.0.1:${promPort}`;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return new MonitoringStack(url, pids);
      await sleep(200);
    }
    throw new UserError(`prometheus did not become ready on ${url}; last lines of its log:\n${await tailOfFile(join(dir, 'prometheus.log'))}`);
  }

  async alerts(): Promise<FiredAlert[]> {
    const body = (await (await fetch(`${this.prometheusUrl}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string; activeAt: string }> } };
    return body.data.alerts.map((a) => ({ name: a.labels.alertname ?? '?', state: a.state, activeAt: a.activeAt, labels: a.labels }));
  }

  /** Every alert that was firing at any time in [fromMs, toMs] (wall clock), with when it first and last fired. */
  async firedBetween(fromMs: number, toMs: number): Promise<Array<{ name: string; labels: Record<string, string>; firstFiringAt: string; lastFiringAt: string }>> {
    const q = new URLSearchParams({ query: firedAlertsQuery, start: String(fromMs / 1000), end: String(toMs / 1000), step: String(monitoringScrapeIntervalS) });
    const body = (await (await fetch(`${this.prometheusUrl}/api/v1/query_range?${q}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
    return body.data.result.map((r) => {
      const { alertname, alertstate: _s, __name__: _n, ...labels } = r.metric;
      const times = r.values.map(([t]) => t * 1000);
      return { name: alertname ?? '?', labels, firstFiringAt: new Date(Math.min(...times)).toISOString(), lastFiringAt: new Date(Math.max(...times)).toISOString() };
    });
  }

  async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const body = (await (await fetch(`${this.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    return body.data.result;
  }

  async stop(): Promise<void> {
    await Promise.all(this.pids.map((p) => stopProcess(p)));
  }
}
