import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, isolatedHome, isPidAlive } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import { MonitoringStack } from '../../src/monitoring/monitoringStack.js';

isolatedHome();

describe('monitoring stack on a real topology', { timeout: 180_000 }, () => {
  test('exporters + Prometheus evaluate the alert rules: nothing fires while healthy, RedisDown fires when the master is killed', async () => {
    await using topology = await new EmbeddedTopology().start();
    const monitoring = await MonitoringStack.start(topology);
    // Healthy: all three exporters report redis_up 1 and one master; no alert fires.
    await eventually('three nodes scraped with one master', async () => {
      const up = await monitoring.query('redis_up == 1');
      const masters = await monitoring.query('redis_instance_info{role="master"}');
      return up.length === 3 && masters.length === 1;
    }, 30_000);
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
    assert.equal(pids.length, 4);
    await topology.stop();
    assert.deepEqual(pids.filter(isPidAlive), [], 'stopping the topology stops its monitoring processes');
  });
});
