import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentSchema } from '../chaos/experiment.js';
import { experimentRules } from './experimentRules.js';

const experiment = (steps: unknown[], thresholds: object) => experimentSchema.parse({ name: 'x', description: 'x', steps, thresholds });

test('a failover experiment says a failover must happen, in time, and with a bounded write gap (defaults from down-after)', () => {
  const rules = experimentRules(experiment([{ at: '50%', fault: { kind: 'kill-master' } }], { expectFailover: true }));
  assert.ok(rules.includes('a failover: at least one master switch caused by a step'), rules.join('\n'));
  assert.ok(rules.includes('failover time, strike to +switch-master <= down-after-milliseconds + 5 s'), rules.join('\n'));
  assert.ok(rules.includes("worst client's write gap <= down-after-milliseconds + 7 s"), rules.join('\n'));
  assert.ok(!rules.some((r) => r.startsWith('no failover')));
});

test('a cluster failover experiment is said in cluster terms: the promotion, limits from cluster-node-timeout', () => {
  const rules = experimentRules(experiment([{ at: '50%', fault: { kind: 'kill-shard-master', shard: 0 } }], { expectFailover: true }));
  assert.ok(rules.includes("failover time, strike to the replica's promotion <= cluster-node-timeout + 5 s"), rules.join('\n'));
  assert.ok(rules.includes("worst client's write gap <= cluster-node-timeout + 7 s"), rules.join('\n'));
  assert.ok(!rules.some((r) => r.includes('down-after')), rules.join('\n'));
});

test('limits the experiment sets replace the defaults; no-failover and expected outages are said as such', () => {
  const rules = experimentRules(experiment([{ at: '30%', fault: { kind: 'kill-sentinels', count: 2 } }, { at: '50%', fault: { kind: 'kill-master' } }], { expectFailover: false, recoverWithinMs: null, maxWriteUnavailabilityMs: 5000 }));
  assert.ok(rules.includes('no failover: no master switch at all'));
  assert.ok(rules.includes("worst client's write gap <= 5 s"));
  assert.ok(rules.includes('no recovery limit: the outage is expected to last until healing'));
  assert.ok(rules[0]!.includes('kill-sentinels, kill-master'));
});

test('procedures and drills add their own checks', () => {
  const rules = experimentRules(experiment([{ at: '40%', fault: { kind: 'backup-restore' } }], { expectFailover: false }));
  assert.ok(rules.some((r) => r.startsWith('backup-restore: the restore holds exactly what the ledger acknowledged')), rules.join('\n'));
  const rotate = experimentRules(experiment([{ at: '40%', fault: { kind: 'rotate-app-password' } }], { expectFailover: false }));
  assert.ok(rotate.includes("rotate-app-password: the procedure's own checks pass"), rotate.join('\n'));
});
