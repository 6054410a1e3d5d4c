import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerGates } from './ledgerGates.js';
import type { LedgerReport } from '../ledger/verifyLedger.js';

const report = (over: Partial<LedgerReport> = {}): LedgerReport => ({ keysChecked: 990, lost: 0, resurrected: 0, staleReads: 0, unverifiable: 10, unverifiableShare: 0.01, expired: 0, lostObservedLive: 0, examples: [], findings: [], ...over });
const failed = (gates: ReturnType<typeof ledgerGates>) => gates.filter((g) => !g.pass).map((g) => g.name);

test('nothing lost, nothing back, coverage at the limit: every ledger gate holds', () => {
  assert.deepEqual(failed(ledgerGates(report(), 0.01)), []);
});

test('one lost or one resurrected write fails its gate', () => {
  assert.deepEqual(failed(ledgerGates(report({ lost: 1 }), 0.01)), ['acknowledged writes lost']);
  assert.deepEqual(failed(ledgerGates(report({ resurrected: 1 }), 0.01)), ['deletes/revocations resurrected']);
});

test('more unverifiable facts than the limit: the ledger could not look, and the run cannot pass', () => {
  const g = ledgerGates(report({ unverifiable: 11, keysChecked: 989, unverifiableShare: 0.011 }), 0.01);
  assert.deepEqual(failed(g), ['acknowledged writes verifiable (ledger coverage)']);
  assert.ok(g.every((x) => x.kind === 'correctness'));
});

test('a verification pass that could not read the keys is a failed correctness gate, with why', () => {
  const [g] = ledgerGates({ error: 'no master answered (tried for 60 s)' }, 0.01);
  assert.equal(g!.pass, false);
  assert.equal(g!.kind, 'correctness');
  assert.match(g!.actual, /no master answered/);
});
