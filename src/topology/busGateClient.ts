import type { GateRule, GateStatus } from './busGates.js';

/** The bus-gate process's HTTP API (busGateProcess.ts), as toxiproxy-node-client is Toxiproxy's. */
export class BusGateClient {
  constructor(readonly api: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.api}${path}`, {
      method,
      signal: AbortSignal.timeout(5000),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const value = (await res.json()) as T | { error: string };
    if (!res.ok) throw new Error(`bus gate ${method} ${path}: ${(value as { error: string }).error}`);
    return value as T;
  }

  list(): Promise<GateStatus[]> {
    return this.call('GET', '/gates');
  }

  create(name: string, upstream: string): Promise<GateStatus> {
    return this.call('POST', '/gates', { name, upstream });
  }

  set(name: string, rule: GateRule): Promise<GateStatus> {
    return this.call('PUT', `/gates/${encodeURIComponent(name)}`, rule);
  }

  /** Every gate open again. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }
}
