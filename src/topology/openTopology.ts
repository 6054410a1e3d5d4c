import { StartedCluster } from './startedCluster.js';
import { StartedTopology } from './startedTopology.js';
import type { TopologyState } from './topologyState.js';

/** A running embedded topology of either shape (Sentinel or Cluster): what faults and views act on. */
export type AnyTopology = StartedTopology | StartedCluster;

export function openTopology(state: TopologyState): Promise<AnyTopology> {
  return state.kind === 'cluster' ? StartedCluster.fromState(state) : StartedTopology.fromState(state);
}
