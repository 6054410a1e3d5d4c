import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, isolatedHome, isPidAlive, reportedSummary, runCli, smokeScenarioFile, scratchDir } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import { MonitoringStack, type FiredAlert } from '../../src/monitoring/monitoringStack.js';
import { startLiveMetrics } from '../../src/report/liveMetrics.js';
import { freePort } from '../../src/topology/freePort.js';
import { KillMaster } from '../../src/chaos/faults/killMaster.js';
import { KillSentinels } from '../../src/chaos/faults/killSentinels.js';
import { listTopologies } from '../../src/topology/staleTopologies.js';

isolatedHome();

const firing = (alerts: FiredAlert[], name: string): FiredAlert[] => alerts.filter((a) => a.name === name && a.state === 'firing');
const noStrike = (): void => undefined;

/**
 * The production rules (written for a 15 s scrape) evaluated every second with each for: divided
 * by 15 (src/monitoring/timeScaledRules.ts), against real exporters of a real topology, while
 * chaos faults hit it. Each alert is checked both ways: it fires on its fault, and it was not
 * firing while the topology was healthy or under another fault.
 */
describe('monitoring stack on a real topology under chaos', { timeout: 300_000 }, () => {
  test('nothing fires while healthy; RedisDown on kill-master, RedisReplicationBroken on a replication cut, SentinelQuorumLost on kill-two-sentinels', async () => {
    await using topology = await new EmbeddedTopology().start();
    const gauntletPort = await freePort();
    const metrics = await startLiveMetrics(gauntletPort, () => 0);
    const monitoring = await MonitoringStack.start(topology, { gauntletMetrics: `127.0.0.1:${gauntletPort}` });
    const cluster = `gauntlet-${topology.id}`;
    // Healthy: every exporter reports redis_up 1 under the deployment label, one master, three
    // sentinels that each know it, and gauntlet's own series are scraped too; no alert fires.
    await eventually('three nodes, three sentinels and gauntlet scraped with the cluster label, one master', async () => {
      const nodes = await monitoring.query(`redis_up{job="redis",cluster="${cluster}"} == 1`);
      const sentinels = await monitoring.query(`redis_up{job="sentinel",cluster="${cluster}"} == 1`);
      const sentinelMasters = await monitoring.query('redis_sentinel_masters == 1');
      const masters = await monitoring.query('redis_instance_info{role="master"}');
      const own = await monitoring.query(`up{job="gauntlet",cluster="${cluster}"} == 1 and on() gauntlet_sessions >= 0`);
      return nodes.length === 3 && sentinels.length === 3 && sentinelMasters.length === 3 && masters.length === 1 && own.length === 1;
    }, 30_000);
    await metrics.close();
    await new Promise((r) => setTimeout(r, 5000));
    assert.deepEqual((await monitoring.alerts()).filter((a) => a.state === 'firing'), [], 'no alert fires on a healthy topology');

    // kill-master: RedisDown for the killed node (not for the others); the sentinels keep their
    // majority, so SentinelQuorumLost stays quiet.
    const killMaster = new KillMaster();
    const master = await topology.currentMaster();
    assert.ok(master);
    await killMaster.inject(topology, noStrike);
    const down = await eventually('RedisDown firing for the killed master', async () => {
      const alerts = firing(await monitoring.alerts(), 'RedisDown');
      return alerts.length ? alerts : undefined;
    }, 60_000);
    assert.deepEqual(down.map((a) => [a.labels.node, a.labels.cluster, a.labels.severity]), [[master.name, cluster, 'critical']]);
    assert.deepEqual(firing(await monitoring.alerts(), 'SentinelQuorumLost'), [], 'one dead master leaves the sentinels their majority');
    await killMaster.heal(topology);
    await topology.waitHealthy(60_000);
    await eventually('RedisDown resolved after the old master came back', async () => firing(await monitoring.alerts(), 'RedisDown').length === 0, 60_000);

    // Replication cut: the master's peer link (replication and sentinels) disabled. Its replicas
    // lose it, the sentinels promote one of them, and the cut-off old master keeps running as a
    // second master without replicas: RedisReplicationBroken, and RedisTooManyMasters.
    const cutOff = await topology.currentMaster();
    assert.ok(cutOff);
    await topology.setProxyEnabled(cutOff.peerProxyName, false);
    try {
      await eventually('RedisReplicationBroken and RedisTooManyMasters firing during the cut', async () => {
        const alerts = await monitoring.alerts();
        return firing(alerts, 'RedisReplicationBroken').length > 0 && firing(alerts, 'RedisTooManyMasters').length > 0;
      }, 60_000);
      const broken = firing(await monitoring.alerts(), 'RedisReplicationBroken');
      assert.deepEqual(broken.map((a) => [a.labels.cluster, a.labels.severity]), [[cluster, 'warning']]);
      assert.deepEqual(firing(await monitoring.alerts(), 'SentinelQuorumLost'), [], 'a replication cut leaves the sentinels their majority');
    } finally {
      await topology.resetProxies();
    }
    await topology.waitHealthy(60_000);
    await eventually('replication alerts resolved after the cut healed', async () => {
      const alerts = await monitoring.alerts();
      return firing(alerts, 'RedisReplicationBroken').length === 0 && firing(alerts, 'RedisTooManyMasters').length === 0;
    }, 60_000);
    assert.deepEqual(firing(await monitoring.alerts(), 'SentinelQuorumLost'), [], 'not firing before the sentinels are killed');

    // kill-two-sentinels: the one left sees itself alone of three, no majority.
    const killSentinels = new KillSentinels(2);
    await killSentinels.inject(topology, noStrike);
    const lost = await eventually('SentinelQuorumLost firing', async () => {
      const alerts = firing(await monitoring.alerts(), 'SentinelQuorumLost');
      return alerts.length ? alerts : undefined;
    }, 60_000);
    assert.deepEqual(lost.map((a) => [a.labels.cluster, a.labels.master_name, a.labels.severity]), [[cluster, topology.masterName, 'critical']]);
    const sentinelsDown = await eventually('SentinelDown firing for both killed sentinels', async () => {
      const alerts = firing(await monitoring.alerts(), 'SentinelDown');
      return alerts.length >= 2 ? alerts : undefined;
    }, 30_000);
    assert.equal(sentinelsDown.length, 2, 'each killed sentinel is down, the third is not');

    const pids = topology.snapshot.processes.filter((p) => p.kind === 'exporter' || p.kind === 'prometheus').map((p) => p.pid);
    assert.equal(pids.length, 7, 'six exporters and Prometheus');
    await topology.stop();
    assert.deepEqual(pids.filter(isPidAlive), [], 'stopping the topology stops its monitoring processes');
  });
});

/**
 * `gauntlet run --cluster --monitoring` with the shipped kill-shard-master experiment: an
 * exporter per cluster node, the same rules. The 12 s of load before the kill are the healthy
 * side (the Sentinel-shaped rules, unfiltered, fired RedisTooManyMasters and
 * RedisReplicationBroken within seconds on a cluster's three masters); the kill is the other.
 */
describe('monitoring a Redis Cluster run', { timeout: 240_000 }, () => {
  test('nothing fires before the kill; killing shard 0\'s master fires RedisDown for it, and every alert that fires follows the kill and concerns that shard (or the cluster state)', async () => {
    const work = scratchDir('gauntlet-cluster-monitoring-');
    const scenario = smokeScenarioFile(work, 'smoke-ci', { p99Ms: 200, perOperationP99Ms: 200, maxErrorRate: 0.001 });
    const r = await runCli(['run', '--cluster', '--monitoring', '--scenario', scenario, '--chaos', 'kill-shard-master', '--duration', '24s', '--out', join(work, 'reports'), '--quiet'], { timeoutMs: 180_000 });
    const { s } = reportedSummary(r);
    assert.deepEqual(await listTopologies(), [], 'the embedded cluster and its monitoring are gone');
    const step = s.chaos?.steps[0];
    const names = /(\S+) promoted, (\S+) restarted/.exec(step?.detail ?? '');
    assert.ok(step && names, `the kill and the promotion happened: ${step?.detail}`);
    const [, promoted, victim] = names;
    const strikeMs = Date.parse(s.startedAt) + step.atMs;
    const alerts = s.alerts;
    assert.ok(alerts, 'the report lists the alerts (an empty list: none fired)');
    console.log(`cluster --monitoring: ${step.detail}; fired ${alerts.map((a) => `${a.name}{${a.labels.node ?? ''}} ${((Date.parse(a.firstFiringAt) - strikeMs) / 1000).toFixed(1)} s after the kill`).join(', ')}`);
    const cluster = `gauntlet-${s.target.topologyId}`;
    const down = alerts.filter((a) => a.name === 'RedisDown');
    assert.deepEqual(down.map((a) => [a.labels.node, a.labels.cluster, a.labels.severity]), [[victim, cluster, 'critical']]);
    for (const a of alerts) {
      assert.ok(Date.parse(a.firstFiringAt) >= strikeMs, `${a.name} on ${a.labels.node} fired at ${a.firstFiringAt}, before the kill (${new Date(strikeMs).toISOString()})`);
      const shard0 = a.labels.node === victim || a.labels.node === promoted;
      assert.ok(a.name === 'RedisClusterStateFail' || (shard0 && ['RedisDown', 'RedisReplicationLinkDown', 'RedisClusterReplicaMissing'].includes(a.name)), `unexpected ${a.name} ${JSON.stringify(a.labels)}`);
    }
  });
});
