/**
 * The stretches of a run that the steady-state gates do not judge: from a fault's strike until
 * the system has recovered from it. One value per run, shared by the latency recorder and the
 * generator monitor, so both exclude exactly the same time. A window is open (endMs null) until
 * whoever watches the recovery closes it.
 */
export interface ChaosWindow {
  label: string;
  startMs: number;
  endMs: number | null;
}

export class ChaosWindows {
  readonly windows: ChaosWindow[] = [];

  open(label: string, startMs: number): ChaosWindow {
    const w: ChaosWindow = { label, startMs, endMs: null };
    this.windows.push(w);
    return w;
  }

  close(w: ChaosWindow, endMs: number): void {
    if (w.endMs === null) w.endMs = Math.max(w.startMs, endMs);
  }

  /** A window of known length (a fault with a fixed duration and a fixed slack). */
  add(label: string, startMs: number, endMs: number): ChaosWindow {
    const w = this.open(label, startMs);
    this.close(w, endMs);
    return w;
  }

  get any(): boolean {
    return this.windows.length > 0;
  }

  /** True when [fromMs, toMs] touches a window: an operation in flight during a fault is the fault's. */
  overlaps(fromMs: number, toMs: number): boolean {
    return this.firstOverlapping(fromMs, toMs) >= 0;
  }

  /** The index of the first window [fromMs, toMs] touches, or -1: the window an operation is counted in. */
  firstOverlapping(fromMs: number, toMs: number): number {
    const ws = this.windows;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      if (w.startMs <= toMs && (w.endMs === null || w.endMs >= fromMs)) return i;
    }
    return -1;
  }

  /** Windows still open at the end of the run end there. */
  closeAllAt(endMs: number): void {
    for (const w of this.windows) this.close(w, endMs);
  }
}
