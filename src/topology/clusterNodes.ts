/**
 * CLUSTER NODES, parsed (pure; unit-tested): who is in the cluster, at which announced address,
 * in which role, serving which slots, and with which failure flags. Health, the failover watch,
 * the faults and the audit all read the cluster through this.
 */
export interface ClusterNodeLine {
  id: string;
  /** The announced client address, host:port (the `node-i-peer` proxy in the embedded topology). */
  address: string;
  busPort: number;
  flags: string[];
  myself: boolean;
  role: 'master' | 'replica';
  /** The master's id for a replica; null for a master. */
  masterId: string | null;
  /** `fail?` (PFAIL: this node cannot reach it) or `fail` (FAIL: a majority of masters agreed). */
  failing: 'pfail' | 'fail' | null;
  /** handshake / noaddr: not a full member yet. */
  joining: boolean;
  configEpoch: number;
  linkConnected: boolean;
  /** Slot ranges served, [first, last]. */
  slots: Array<[number, number]>;
  /** Slots being moved away (`[slot->-id]`) or in (`[slot-<-id]`). */
  migrating: number[];
  importing: number[];
}

export function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((line) => {
      const [id = '', addr = '', flagText = '', master = '-', , , epoch = '0', link = '', ...slotFields] = line.split(' ');
      const flags = flagText.split(',');
      const at = addr.indexOf('@');
      const address = at === -1 ? addr : addr.slice(0, at);
      const busPort = at === -1 ? 0 : Number(addr.slice(at + 1).split(',')[0]);
      const slots: Array<[number, number]> = [];
      const migrating: number[] = [];
      const importing: number[] = [];
      for (const f of slotFields) {
        if (f.startsWith('[')) {
          const m = /^\[(\d+)-([<>])-/.exec(f);
          if (m) (m[2] === '>' ? migrating : importing).push(Number(m[1]));
          continue;
        }
        const [a, b] = f.split('-');
        slots.push([Number(a), Number(b ?? a)]);
      }
      return {
        id,
        address,
        busPort,
        flags,
        myself: flags.includes('myself'),
        role: flags.includes('master') ? 'master' : 'replica',
        masterId: master === '-' ? null : master,
        failing: flags.includes('fail') ? 'fail' : flags.includes('fail?') ? 'pfail' : null,
        joining: flags.includes('handshake') || flags.includes('noaddr'),
        configEpoch: Number(epoch),
        linkConnected: link === 'connected',
        slots,
        migrating,
        importing,
      } satisfies ClusterNodeLine;
    });
}

/** How many slots the ranges cover. */
export function slotsIn(ranges: ReadonlyArray<readonly [number, number]>): number {
  return ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/** Whether the slot ranges include `slot`. */
export function servesSlot(ranges: ReadonlyArray<readonly [number, number]>, slot: number): boolean {
  return ranges.some(([a, b]) => slot >= a && slot <= b);
}

/** The master serving `slot` in this view, or null (an uncovered slot). */
export function ownerOf(nodes: readonly ClusterNodeLine[], slot: number): ClusterNodeLine | null {
  return nodes.find((n) => n.role === 'master' && servesSlot(n.slots, slot)) ?? null;
}

/** `shards` contiguous slot ranges of (nearly) equal size, as redis-cli --cluster create splits them. */
export function splitSlots(shards: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const per = 16384 / shards;
  for (let k = 0; k < shards; k++) out.push([Math.round(k * per), Math.round((k + 1) * per) - 1]);
  return out;
}
