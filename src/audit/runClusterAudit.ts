import type { AuditedServer, ClusterReader } from './auditSubject.js';
import type { Finding, NodeConfig } from './auditChecks.js';
import { auditAclConsistency, auditClusterNodeConfig, auditReplicaPlacement, auditSlotCoverage, clusterElectionBoundMs, unseenClusterSettings, type NodeAclList } from './clusterChecks.js';
import { firstLine } from '../errors.js';

export interface ClusterAuditPart {
  findings: Finding[];
  checked: string[];
  notChecked: string[];
}


/**
 * The cluster's part of an audit (runAudit.ts does the rest: probes, node settings): the cluster
 * settings of every node whose configuration was read, the cluster's view of itself (slots,
 * replicas) and the ACL users of every node. Whatever cannot be read is listed as not checked.
 */
export async function runClusterAudit(cluster: ClusterReader, nodes: readonly AuditedServer[], configs: readonly NodeConfig[]): Promise<ClusterAuditPart> {
  const findings: Finding[] = [];
  const checked: string[] = [];
  const notChecked: string[] = [];

  let judged = 0;
  const unseen: string[] = [];
  for (const c of configs) {
    findings.push(...auditClusterNodeConfig(c));
    const missing = unseenClusterSettings(c);
    if (missing.length) unseen.push(`${c.name}: ${missing.join(', ')}`);
    else judged++;
  }
  if (judged) checked.push(`cluster-node-timeout against the 30 s failover goal (node timeout + ${clusterElectionBoundMs / 1000} s for failure reports and the election), cluster-require-full-coverage, cluster-replica-validity-factor (${judged} nodes)`);
  if (unseen.length) notChecked.push(`cluster settings not visible (CONFIG GET refused): ${unseen.join('; ')}`);

  try {
    const v = await cluster.view();
    findings.push(...auditSlotCoverage(v.lines, v.from), ...auditReplicaPlacement(v.lines, (a) => cluster.nameOf(a)));
    checked.push(`every slot covered by a working master, each master with a working replica on another host (by announced address; as ${v.from} sees the cluster)`);
  } catch (e) {
    notChecked.push(`slot coverage and replica placement: CLUSTER NODES failed (${firstLine(e)})`);
  }

  const lists: NodeAclList[] = [];
  let refused = 0;
  for (const n of nodes) {
    try {
      const lines = await cluster.aclList(n);
      if (lines) lists.push({ where: n.name, lines });
      else refused++;
    } catch (e) {
      notChecked.push(`ACL users on ${n.name}: ACL LIST failed (${firstLine(e)})`);
    }
  }
  if (lists.length >= 2) {
    findings.push(...auditAclConsistency(lists));
    checked.push(`ACL users identical on all nodes (${lists.length} of ${nodes.length})`);
  } else if (refused) notChecked.push('ACL users identical on all nodes (the audit user may not ACL LIST)');
  return { findings, checked, notChecked };
}
