import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * What a gate refuses. Redis counts any byte it receives from a node as a sign of life, so a node
 * is cut from the cluster bus only when both directions are: its own gate refuses everyone
 * (`refuseAll`), and every other node's gate refuses the connections it makes (`refusedSources`,
 * its `bind-source-addr`). Toxiproxy cannot do the second: every node reaches another through
 * that node's one proxy, and a proxy does not tell its clients apart.
 */
export interface GateRule {
  refuseAll: boolean;
  /** Remote addresses refused (IPv4, as the kernel reports the connection's source). */
  refusedSources: string[];
}

export interface GateStatus extends GateRule {
  name: string;
  /** Where it listens: what the node announces as its bus port. */
  listen: string;
  upstream: string;
  /** Connections relayed now, by source address. */
  openBySource: Record<string, number>;
  /** Connections refused since the gate was created, by source address. */
  refusedBySource: Record<string, number>;
}

const openRule = (): GateRule => ({ refuseAll: false, refusedSources: [] });

/** One listener relaying to one upstream (a node's bus proxy), refusing what its rule says. */
class Gate {
  rule: GateRule = openRule();
  readonly refusedBySource = new Map<string, number>();
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();

  constructor(
    readonly name: string,
    readonly upstream: { host: string; port: number },
    private readonly server: Server,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  get listen(): string {
    const a = this.server.address();
    return a && typeof a !== 'string' ? `${a.address}:${a.port}` : '';
  }

  private refuses(source: string): boolean {
    return this.rule.refuseAll || this.rule.refusedSources.includes(source);
  }

  private accept(client: Socket): void {
    const source = client.remoteAddress ?? '';
    if (this.refuses(source)) {
      this.refusedBySource.set(source, (this.refusedBySource.get(source) ?? 0) + 1);
      // A reset, as a firewall's REJECT with tcp-reset would: the node sees its link fail at once.
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = createConnection({ ...this.upstream, noDelay: true });
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Applies a rule: connections it now refuses are reset, so an established link breaks too. */
  apply(rule: GateRule): void {
    this.rule = { refuseAll: rule.refuseAll, refusedSources: [...rule.refusedSources] };
    for (const pair of [...this.pairs]) {
      if (!this.refuses(pair.client.remoteAddress ?? '')) continue;
      this.pairs.delete(pair);
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
  }

  status(): GateStatus {
    const openBySource: Record<string, number> = {};
    for (const { client } of this.pairs) openBySource[client.remoteAddress ?? ''] = (openBySource[client.remoteAddress ?? ''] ?? 0) + 1;
    return { name: this.name, listen: this.listen, upstream: `${this.upstream.host}:${this.upstream.port}`, ...this.rule, openBySource, refusedBySource: Object.fromEntries(this.refusedBySource) };
  }

  close(): void {
    this.server.close();
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }
}

export class GateNotFoundError extends Error {}

/**
 * The cluster bus's source-aware relays: one gate per node, each a TCP listener on loopback in
 * front of the node's bus proxy. Run inside the bus-gate process (busGateProcess.ts); plain
 * in-process objects here so the relaying and refusing can be tested without it.
 */
export class BusGates {
  private readonly gates = new Map<string, Gate>();

  /** A gate on a free loopback port (the kernel's choice, so there is no race for it). */
  async create(name: string, upstream: string): Promise<GateStatus> {
    if (this.gates.has(name)) throw new Error(`gate ${name} exists`);
    const i = upstream.lastIndexOf(':');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    // A failed accept (EMFILE) must not end the process: every node's bus runs through it.
    server.on('error', (e) => console.error(`gate ${name}: ${e.message}`));
    const gate = new Gate(name, { host: upstream.slice(0, i), port: Number(upstream.slice(i + 1)) }, server);
    this.gates.set(name, gate);
    return gate.status();
  }

  list(): GateStatus[] {
    return [...this.gates.values()].map((g) => g.status());
  }

  set(name: string, rule: GateRule): GateStatus {
    const g = this.gates.get(name);
    if (!g) throw new GateNotFoundError(`no gate ${name}`);
    g.apply(rule);
    return g.status();
  }

  /** Every gate open again. */
  reset(): void {
    for (const g of this.gates.values()) g.apply(openRule());
  }

  close(): void {
    for (const g of this.gates.values()) g.close();
    this.gates.clear();
  }
}
