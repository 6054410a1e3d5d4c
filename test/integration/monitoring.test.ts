import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, isolatedHome, isPidAlive } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import { MonitoringStack } from '../../src/monitoring/monitoringStack.js';
import { startLiveMetrics } from '../../src/report/liveMetrics.js';
import { freePort } from '../../src/topology/freePort.js';

isolatedHome();

describe('monitoring stack on a real topology', { timeout: 180_000 }, () => {
  test('exporters + Prometheus evaluate the alert rules: nothing fires while healthy, RedisDown fires when the master is killed', async () => {
    await using topology = await new EmbeddedTopology().start();
    const gauntletPort = await freePort();
    const metrics = await startLiveMetrics(gauntletPort, () => 0);
    const monitoring = await MonitoringStack.start(topology, { gauntletMetrics: `127.0.0.1:${gauntletPort}` });
    // Healthy: every exporter reports redis_up 1, one master, three sentinels that each know it,
    // and gauntlet's own series are scraped too; no alert fires.
    await eventually('three nodes, three sentinels and gauntlet scraped, one master', async () => {
      const nodes = await monitoring.query('redis_up{job="redis"} == 1');
      const sentinels = await monitoring.query('redis_up{job="sentinel"} == 1');
      const sentinelMasters = await monitoring.query('redis_sentinel_masters == 1');
      const masters = await monitoring.query('redis_instance_info{role="master"}');
      const own = await monitoring.query('up{job="gauntlet"} == 1 and on() gauntlet_sessions >= 0');
      return nodes.length === 3 && sentinels.length === 3 && sentinelMasters.length === 3 && masters.length === 1 && own.length === 1;
    }, 30_000);
    await metrics.close();
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual((await monitoring.alerts()).filter((a) => a.state === 'firing'), []);

    const master = await topology.currentMaster();
    assert.ok(master);
    process.kill(master.pid, 'SIGKILL');
    const fired = await eventually('RedisDown firing for the killed master', async () => {
      const alerts = await monitoring.alerts();
      return alerts.find((a) => a.name === 'RedisDown' && a.state === 'firing' && a.labels.node === master.name);
    }, 60_000);
    assert.equal(fired.labels.severity, 'critical');
    const pids = topology.snapshot.processes.filter((p) => p.kind === 'exporter' || p.kind === 'prometheus').map((p) => p.pid);
    assert.equal(pids.length, 7, 'six exporters and Prometheus');
    await topology.stop();
    assert.deepEqual(pids.filter(isPidAlive), [], 'stopping the topology stops its monitoring processes');
  });
});
