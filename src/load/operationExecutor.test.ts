import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationExecutor } from './operationExecutor.js';
import { op, type OperationCode } from './scenario.js';
import { sameLayout } from './sameLayout.testSupport.js';
import type { SimSession } from './session/simSession.js';

// One test, alone in its file, so in a process of its own (see sameLayout).

const session = (id: number): SimSession => ({
  id, rng: null as never, uid: 'u', sid: `s${id}`, family: 'f', token: 't', previousToken: null, version: 0, oauthNonce: null, consumedNonce: null,
  lastRead: null, revoked: null, clientIndex: 0, store: null as never, at: 0, heapIndex: -1, endAt: 0, alive: true, loggedIn: false, busy: false,
  queue: null, slot: 0, opCode: op.login, opAt: 0, opReady: 0, opSent: 0, proposed: null, sentCloses: 0, onReply: null, onError: null,
});

test('actions that waited in their session\'s queue keep the layout every session shares (their codes stay small integers)', async () => {
  let done = 0;
  const ex = new OperationExecutor(10, () => performance.now(), () => Promise.resolve(null), () => 'ok', () => done++);
  const settled = (): Promise<void> => new Promise((r) => setImmediate(r));
  const run = async (s: SimSession, code: OperationCode, at: number, ...queued: OperationCode[]): Promise<void> => {
    ex.execute(s, code, at);
    queued.forEach((q, i) => ex.execute(s, q, at + 0.25 * (i + 1)));
    await settled();
  };
  // Times with a fraction, as the schedule's are: the first operations give the time fields their layout.
  const first = session(0);
  ex.attach(first);
  await run(first, op.login, 0.5);
  const idle = session(1);
  ex.attach(idle);
  await run(idle, op.login, 1.5);
  // Enough queued actions for V8 to optimize the executor's completion path, where a code read
  // from the queue's doubles came out as a heap number and changed every session's layout.
  let last = idle;
  for (let i = 0; i < 20_000; i++) {
    last = session(2 + i);
    ex.attach(last);
    await run(last, op.request, 2.5 + i, op.refresh, op.request, op.oauthBegin);
  }
  assert.equal(done, 2 + 80_000);
  assert.equal(last.opCode, op.oauthBegin);
  assert.ok(sameLayout(last, idle), 'a session that ran a queued action has the layout of one that ran none');
});
