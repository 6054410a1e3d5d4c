import type { MasterChange } from './failoverWatch.js';

/** What one poll of a plain endpoint saw. */
export interface EndpointObservation {
  /** The address the endpoint's name resolves to now (ip:port). */
  address: string;
  /** The role of the server behind that address; unknown when it did not answer (or the watch's connection was elsewhere). */
  role: 'master' | 'replica' | 'unknown';
  /** For a replica: the master it follows, as ROLE names it. */
  replicaOf: string | null;
  /** master_replid of INFO replication, where INFO is allowed: a promoted replica starts a new one. */
  replid: string | null;
}

interface Leader {
  address: string;
  replid: string | null;
}

const label = (l: Leader): string => `${l.address}${l.replid ? ` (replid ${l.replid.slice(0, 8)})` : ''}`;

/**
 * Decides, poll by poll, whether a plain endpoint still leads to the same master: the address
 * its name resolves to, the role of the server there and (where INFO is allowed) the master's
 * replication id. A change is recorded once, when the endpoint stops leading to the master it
 * led to (another address, another replication id, or a replica now); the master it leads to
 * after that is where the failover went, not a second change.
 */
export class EndpointLead {
  private leader: Leader | null = null;
  /** A change was recorded and no master has been seen since. */
  private lost = false;

  observe(o: EndpointObservation, atMs: number): MasterChange | null {
    if (this.leader === null) {
      if (o.role === 'master') this.leader = { address: o.address, replid: o.replid };
      return null;
    }
    const moved = o.address !== this.leader.address;
    if (o.role === 'master') {
      const was = this.leader;
      const otherHistory = o.replid !== null && was.replid !== null && o.replid !== was.replid;
      this.leader = { address: o.address, replid: o.replid ?? (moved ? null : was.replid) };
      const wasLost = this.lost;
      this.lost = false;
      return (moved || otherHistory) && !wasLost ? { atMs, from: label(was), to: label(this.leader), seenBy: 'poll' } : null;
    }
    if (this.lost || (o.role === 'unknown' && !moved)) return null;
    this.lost = true;
    return { atMs, from: label(this.leader), to: o.role === 'replica' ? `${o.address} (a replica of ${o.replicaOf ?? 'an unknown master'})` : o.address, seenBy: 'poll' };
  }
}
