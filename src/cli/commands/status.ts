import { openTopology } from '../../topology/openTopology.js';
import { StartedCluster } from '../../topology/startedCluster.js';
import { listTopologies } from '../../topology/staleTopologies.js';
import { UserError } from '../../errors.js';
import { clusterStatus, renderClusterStatusTable, renderStatusTable, topologyStatus, type ClusterStatusJson, type TopologyStatusJson } from '../topologyView.js';

/** `gauntlet status [--json] [--id ID]`: every running embedded topology, or one. */
export async function status(options: { json: boolean; id?: string }): Promise<number> {
  const running = (await listTopologies()).filter((t) => t.state && t.status !== 'stale' && (!options.id || t.state.id === options.id));
  if (running.length === 0) {
    if (options.id) throw new UserError(`no running topology with id ${options.id}`);
    if (options.json) console.log('[]');
    else console.log('no embedded topology is running (start one with `gauntlet up --detach`)');
    return 0;
  }
  const statuses: Array<TopologyStatusJson | ClusterStatusJson> = [];
  for (const t of running) {
    const topology = await openTopology(t.state!);
    try {
      statuses.push(topology instanceof StartedCluster ? await clusterStatus(topology) : await topologyStatus(topology));
    } finally {
      topology.closeControlConnections();
    }
  }
  if (options.json) console.log(JSON.stringify(options.id ? statuses[0] : statuses, null, 2));
  else console.log(statuses.map((s) => ('kind' in s ? renderClusterStatusTable(s) : renderStatusTable(s))).join('\n\n'));
  return 0;
}
