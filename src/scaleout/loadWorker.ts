import { parentPort, workerData } from 'node:worker_threads';
import { ledgerForScenario } from '../ledger/ledger.js';
import { LedgerObserver } from '../ledger/ledgerObserver.js';
import { ChaosWindows } from '../load/chaosWindows.js';
import { runLoad } from '../load/loadEngine.js';
import type { OperationObserver } from '../load/operationEvent.js';
import { SecondHistograms } from './histogramCodec.js';
import { OperationStreamWriter } from './operationStream.js';
import { partialFromLoad } from './partialFromLoad.js';
import { targetOf } from './targetSnapshot.js';
import type { FromWorker, ToWorker, WorkerSetup } from './workerProtocol.js';
import { firstLine } from '../errors.js';

/**
 * A load worker (a worker thread; workerPool.ts starts it): one load engine over its share of
 * the schedule, with its own app clients, histograms, generator monitor and ledger. It tells its
 * parent every second and every operation as they happen (the parent runs chaos, failover timing
 * and the live timeline), mirrors the parent's chaos windows, and ends with its partial result.
 */

const port = parentPort!;
const setup = workerData as WorkerSetup;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

const windows = new ChaosWindows();
const ledger = setup.run.verify ? ledgerForScenario(setup.scenario) : null;
const abort = new AbortController();
let abortReason: string | null = null;
let startAt: (at: number) => void = () => undefined;
const started = new Promise<number>((resolve) => (startAt = resolve));

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'start':
      startAt(m.startAt);
      break;
    case 'windows':
      windows.windows.length = 0;
      windows.windows.push(...m.windows);
      break;
    case 'ledger':
      send({ type: 'ledger', id: m.id, shard: ledger ? ledger.toShard() : null });
      break;
    case 'stop':
      abortReason ??= m.reason;
      abort.abort(m.reason);
      // Stopped before the start: the engine still gets a start, and returns at once.
      startAt(performance.timeOrigin + performance.now());
      break;
  }
});

const clientNumber = (local: number): number => setup.clientNumbers[local] ?? local;
const stream = new OperationStreamWriter(clientNumber, (batch) => send({ type: 'operations', batch }, [batch.numbers.buffer as ArrayBuffer, batch.codes.buffer as ArrayBuffer]));
// A batch waits at most this long, so the parent's write-gap clock is never far behind.
const flusher = setInterval(() => stream.flush(), 50);
const seconds = new SecondHistograms();
const observers: OperationObserver[] = [stream];
if (ledger) observers.unshift(new LedgerObserver(ledger));

try {
  const load = await runLoad({
    scenario: setup.scenario,
    target: targetOf(setup.target),
    seed: setup.seed,
    windows,
    observers,
    signal: abort.signal,
    partition: setup.partition,
    durableWaitMs: setup.durableWaitMs,
    prepare: async () => send({ type: 'ready' }),
    clockStart: () => started,
    onIntervalClosed: (t, totals) => void seconds.record(t, totals),
    onSecond: (p) => {
      // The operations of this second reach the parent before the second does.
      stream.flush();
      send({ type: 'second', second: { t: p.elapsedS, ops: p.second.ops, errors: p.second.errors, sessions: p.sessions, ...seconds.at(p.elapsedS) } });
    },
  });
  clearInterval(flusher);
  stream.flush();
  send({
    type: 'result',
    partial: partialFromLoad({ run: setup.run, part: setup.part, label: setup.label, load, seconds, ledger, abortReason, clientInstances: setup.clientNumbers.length, clientNumber }),
  });
} catch (e) {
  clearInterval(flusher);
  send({ type: 'failed', message: firstLine(e) });
}
port.close();
