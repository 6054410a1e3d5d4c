import { classifyError, type ErrorKind } from './errorKinds.js';
import type { OperationCode } from './scenario.js';
import type { OperationOutcome } from './session/sessionOperations.js';
import type { SimSession } from './session/simSession.js';

/** Sends the session's operation; null when nothing is sent (the settle then reads a null reply). */
export type OperationSend = (s: SimSession, op: OperationCode) => Promise<unknown> | null;
/** What the reply means for the session; throws when it is not an acknowledgement. */
export type OperationSettle = (s: SimSession, op: OperationCode, reply: unknown) => OperationOutcome;
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
    private readonly send: OperationSend,
    private readonly settle: OperationSettle,
    private readonly done: OperationDone,
  ) {}

  /**
   * Makes the session's reply and error handlers, once: completing an operation from them costs
   * no async frame and no closure per operation, only the promise `then` derives.
   */
  attach(s: SimSession): void {
    s.onReply = (reply) => this.replied(s, reply);
    s.onError = (e) => this.finish(s, 'ok', classifyError(e as Error));
  }

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
      this.perform(s, op, at, at);
      return;
    }
    this.backlogSession.push(s);
    this.backlogOp.push(op);
    this.backlogAt.push(at);
  }

  private perform(s: SimSession, op: OperationCode, at: number, ready: number): void {
    this.inFlight++;
    s.opCode = op;
    s.opAt = at;
    s.opReady = ready;
    s.opSent = this.now();
    let reply: Promise<unknown> | null;
    try {
      reply = this.send(s, op);
    } catch (e) {
      reply = Promise.reject(e);
    }
    // Completed in a later microtask even when nothing was sent, as an awaited call would be.
    (reply ?? Promise.resolve(null)).then(s.onReply, s.onError);
  }

  private replied(s: SimSession, reply: unknown): void {
    let outcome: OperationOutcome;
    try {
      outcome = this.settle(s, s.opCode, reply);
    } catch (e) {
      this.finish(s, 'ok', classifyError(e as Error));
      return;
    }
    this.finish(s, outcome, null);
  }

  private finish(s: SimSession, outcome: OperationOutcome, error: ErrorKind | null): void {
    const doneAt = this.now();
    this.inFlight--;
    this.done(s, s.opCode, s.opAt, s.opReady, s.opSent, doneAt, outcome, error);
    s.busy = false;
    const q = s.queue;
    if (q !== null && q.length > 0) {
      // The queue holds doubles (intended times), so its codes come out as heap numbers: `| 0`
      // keeps opCode a small integer. A heap number stored there once (the first action queued
      // behind a slow one: at a failover) changes the layout of every session.
      const nextOp = (q.shift()! | 0) as OperationCode;
      const nextAt = q.shift()!;
      if (q.length === 0) s.queue = null;
      s.busy = true;
      this.perform(s, nextOp, nextAt, nextAt > doneAt ? nextAt : doneAt);
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
    this.perform(s, op, at, at);
  }
}
