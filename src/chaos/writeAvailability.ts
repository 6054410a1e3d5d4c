import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';

/**
 * Client-observed write unavailability around each fault: for every app client, from its last
 * successful operation completed before the fault to the first successful operation it sent
 * after the fault (every session operation writes: even a request slides the expiry).
 */
export class WriteAvailability implements OperationObserver {
  private readonly lastOk = new Map<number, number>();
  private readonly perFault: Array<{ atMs: number; before: Map<number, number>; after: Map<number, number> }> = [];

  onOperation(e: Readonly<OperationEvent>): void {
    this.record(e.client, e.sentMs, e.doneMs, e.error === null);
  }

  markFault(atMs: number): void {
    this.perFault.push({ atMs, before: new Map(this.lastOk), after: new Map() });
  }

  record(client: number, sentMs: number, doneMs: number, ok: boolean): void {
    if (!ok) return;
    this.lastOk.set(client, Math.max(this.lastOk.get(client) ?? 0, doneMs));
    for (const f of this.perFault) {
      if (doneMs <= f.atMs) f.before.set(client, Math.max(f.before.get(client) ?? 0, doneMs));
      else if (sentMs >= f.atMs && !f.after.has(client)) f.after.set(client, doneMs);
    }
  }

  /** Per fault: the worst client's gap in ms (null if some client never wrote again), and each client's. */
  gaps(): Array<{ atMs: number; maxMs: number | null; perClientMs: Array<number | null> }> {
    return this.perFault.map((f) => {
      const clients = [...f.before.keys()].sort((a, b) => a - b);
      const perClientMs = clients.map((c) => (f.after.has(c) ? Math.round(f.after.get(c)! - f.before.get(c)!) : null));
      const maxMs = perClientMs.some((g) => g === null) ? null : Math.max(0, ...(perClientMs as number[]));
      return { atMs: f.atMs, maxMs, perClientMs };
    });
  }
}
