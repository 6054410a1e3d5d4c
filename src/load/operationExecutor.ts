import { classifyError, type ErrorKind } from './errorKinds.js';
import type { OperationCode } from './scenario.js';
import type { OperationOutcome } from './session/sessionOperations.js';
import type { SimSession } from './session/simSession.js';

export type OperationCall = (s: SimSession, op: OperationCode) => Promise<OperationOutcome>;
/**
 * `readyMs`: when the generator could first send it: the intended time, or, for an action that
 * waited behind its session's previous one, when that one's reply came (the target's time).
 */
export type OperationDone = (s: SimSession, op: OperationCode, intendedMs: number, readyMs: number, sentMs: number, doneMs: number, outcome: OperationOutcome, error: ErrorKind | null) => void;

/**
 * Execution and back-pressure. A session runs one operation at a time (as one browser tab
 * would); an action whose intended time comes while the previous one is in flight waits on the
 * session and is still measured from its own intended time. At most `maxInFlight` operations are
 * in flight; the rest wait in a backlog (parallel arrays, read from a head index: no object per
 * waiting action, no shift()).
 */
export class OperationExecutor {
  private inFlight = 0;
  private backlogSession: SimSession[] = [];
  private backlogOp: OperationCode[] = [];
  private backlogAt: number[] = [];
  private backlogHead = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly now: () => number,
    private readonly call: OperationCall,
    private readonly done: OperationDone,
  ) {}

  get idle(): boolean {
    return this.inFlight === 0 && this.backlogHead >= this.backlogSession.length;
  }

  execute(s: SimSession, op: OperationCode, at: number): void {
    if (s.busy) {
      (s.queue ??= []).push(op, at);
      return;
    }
    s.busy = true;
    if (this.inFlight < this.maxInFlight) {
      void this.perform(s, op, at, at);
      return;
    }
    this.backlogSession.push(s);
    this.backlogOp.push(op);
    this.backlogAt.push(at);
  }

  private async perform(s: SimSession, op: OperationCode, at: number, ready: number): Promise<void> {
    this.inFlight++;
    const sent = this.now();
    let error: ErrorKind | null = null;
    let outcome: OperationOutcome = 'ok';
    try {
      outcome = await this.call(s, op);
    } catch (e) {
      error = classifyError(e as Error);
    }
    const doneAt = this.now();
    this.inFlight--;
    this.done(s, op, at, ready, sent, doneAt, outcome, error);
    s.busy = false;
    const q = s.queue;
    if (q !== null && q.length > 0) {
      const nextOp = q.shift() as OperationCode;
      const nextAt = q.shift()!;
      if (q.length === 0) s.queue = null;
      s.busy = true;
      void this.perform(s, nextOp, nextAt, nextAt > doneAt ? nextAt : doneAt);
    } else s.queue = null;
    if (this.backlogHead < this.backlogSession.length) this.runFromBacklog();
  }

  private runFromBacklog(): void {
    const i = this.backlogHead++;
    const s = this.backlogSession[i]!;
    const op = this.backlogOp[i]!;
    const at = this.backlogAt[i]!;
    if (this.backlogHead === this.backlogSession.length) {
      this.backlogSession = [];
      this.backlogOp = [];
      this.backlogAt = [];
      this.backlogHead = 0;
    }
    void this.perform(s, op, at, at);
  }
}
