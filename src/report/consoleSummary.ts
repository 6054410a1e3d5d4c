import Table from 'cli-table3';
import pc from 'picocolors';
import type { Summary } from './summarySchema.js';
import { clientEndsLine, writeGapText } from './findingText.js';
import { attributionHeadline, attributionRows } from './attributionText.js';
import { ledgerNotVerified } from './ledgerText.js';
import { fmtBytes, shardColumns, shardRows } from './shardRows.js';

const verdictColor = { pass: pc.green, fail: pc.red, invalid: pc.yellow } as const;

/** The end-of-run table: latency per operation, the gates, generator health, the verdict. */
export function renderConsoleSummary(s: Summary): string {
  const lat = new Table({ head: ['operation', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'service p99 ms'], style: { head: [], border: [] } });
  const rows = Object.entries(s.latencyMs.byOp).sort(([a], [b]) => a.localeCompare(b));
  for (const [op, p] of rows) lat.push([op, p.count, p.p50, p.p90, p.p99, p.p999, p.max, s.serviceTimeMs.byOp[op]?.p99 ?? '-']);
  const o = s.latencyMs.overall;
  lat.push([pc.bold('all'), o.count, o.p50, o.p90, o.p99, o.p999, o.max, s.serviceTimeMs.overall.p99]);
  const gates = new Table({ head: ['threshold', 'limit', 'actual', 'result'], style: { head: [], border: [] } });
  for (const t of s.thresholds) gates.push([t.name, t.limit, t.actual, t.pass ? pc.green('pass') : pc.red('FAIL')]);
  const g = s.generator;
  const perShard = shardRows(s);
  const shards = perShard ? new Table({ head: shardColumns, style: { head: [], border: [] } }) : null;
  for (const r of perShard ?? []) shards!.push(r);
  const lines = [
    `run ${s.runId}: scenario ${s.scenario.name} on ${s.target.kind} target${s.target.topologyId ? ` ${s.target.topologyId}` : ''}, ${(s.durationMs / 1000).toFixed(1)} s${s.aborted ? ' (stopped early)' : ''}`,
    `sessions: peak ${s.sessions.peakConcurrent} concurrent (planned ${s.sessions.plannedPeak}); operations: ${s.ops.total} done of ${s.ops.intended} intended, ${s.ops.errors} errors; ${s.ops.achievedPerSecond}/s achieved vs ${s.ops.intendedPerSecond}/s intended`,
    ...(s.clients?.endedByIoredis ? [pc.yellow(clientEndsLine(s.clients))] : []),
    lat.toString(),
    gates.toString(),
    ...(s.attribution ? [attributionHeadline(s.attribution), attributionTable(s.attribution)] : []),
    `generator: scheduler lag p99 ${g.schedulerLagMs.p99} ms (max ${g.schedulerLagMs.max}), CPU mean ${g.cpuPercent.mean} %${g.cpuWaitMs ? ` (waited for a CPU ${g.cpuWaitMs.meanPerSecond} ms a second, up to ${g.cpuWaitMs.maxPerSecond})` : ''}, RSS ${g.rssMb.start} -> ${g.rssMb.peak} MB${g.saturated ? pc.yellow(' SATURATED') : ''}`,
    ...(shards ? [`shards:\n${shards.toString()}`] : []),
    ...(s.scaleOut ? [scaleOutLine(s.scaleOut)] : []),
    s.memory.bytesPerSession !== null ? `target memory${s.memory.byShard?.length ? ` (${s.memory.byShard.length} shard masters, summed)` : ''}: ${fmtBytes(s.memory.usedBytesStart)} -> ${fmtBytes(s.memory.usedBytesPeak)} peak, ${s.memory.bytesPerSession} bytes per concurrent session` : `target memory: not measured${s.memory.notMeasured ? ` (${s.memory.notMeasured})` : ''}`,
    ...(s.chaos.experiment ? [`chaos ${s.chaos.experiment}: ${s.chaos.steps.map((st) => `at ${(st.atMs / 1000).toFixed(1)} s ${st.detail}`).join('; ')}`] : []),
    ...(s.chaos.windows.length ? [windowsLine(s)] : []),
    ...(s.failover
      ? [
          `failover: ${s.failover.count} master switch(es)${(s.failover.switches ?? []).map((w) => ` (${w.cause ?? 'outside gauntlet'}: ${w.fromStrikeMs !== null ? `${w.fromStrikeMs} ms after the strike` : w.sdownToSwitchMs !== null ? `${w.sdownToSwitchMs} ms after +sdown` : `at ${(w.atMs / 1000).toFixed(1)} s`})`).join('')}; worst client write gap ${writeGapText(s.failover.clientObservedMs)}${s.failover.writeGapEndsAt === 'confirmed write' ? ' (to the first write confirmed on the final master)' : ''}${s.failover.splitBrain ? `; split brain: ${s.failover.splitBrain.sessions} sessions' writes acknowledged by the master being replaced were lost, taken ${(s.failover.splitBrain.firstAtMs / 1000).toFixed(1)}-${(s.failover.splitBrain.lastAtMs / 1000).toFixed(1)} s` : ''}`,
          `${s.target.endpoint ? 'endpoint' : s.target.cluster ? 'cluster' : 'sentinel'} events: ${firstSentinelEvents(s)}`,
        ]
      : []),
    ...s.chaos.drills.map((d) => (d.verification ? `drill ${d.name}: ${d.detail}; ${d.verification.keysChecked} keys checked, lost ${d.verification.lost}, resurrected ${d.verification.resurrected}, expired ${d.verification.expired}` : `drill ${d.name}: not verified: ${d.error ?? ''}`)),
    s.ledger
      ? `ledger (${s.writeMode} writes): ${s.ledger.keysChecked} facts checked, lost ${s.ledger.lost}${s.ledger.lostObservedLive ? ` (${s.ledger.lostObservedLive} found missing or older by the app during the run)` : ''}, resurrected ${s.ledger.resurrected}, stale reads ${s.ledger.staleReads}, unverifiable ${s.ledger.indeterminate}${s.ledger.unverifiableShare !== undefined ? ` (${(s.ledger.unverifiableShare * 100).toFixed(2)} %)` : ''}, expired ${s.ledger.expired}${s.ledger.examples.length ? `; e.g. ${s.ledger.examples.slice(0, 3).map((e) => `${e.kind} ${e.key}${e.shard ? ` on ${e.shard}` : ''} (acknowledged ${e.acknowledged}, found ${e.found})`).join('; ')}` : ''}`
      : `ledger: ${ledgerNotVerified(s)}`,
    `${pc.bold('verdict')}: ${verdictColor[s.verdict](s.verdict.toUpperCase())}: ${s.verdictReason}`,
  ];
  return lines.join('\n');
}

/** Who generated the load, each with its own lag: the one that fell behind stands out. */
function scaleOutLine(o: NonNullable<Summary['scaleOut']>): string {
  const each = o.generators.map((x) => `${x.label} lag p99 ${x.schedulerLagOutsideChaosP99Ms} ms${x.saturated ? pc.yellow(' BEHIND') : ''}`);
  return `load from ${o.shards > 1 ? `${o.shards} shards × ` : ''}${o.workers} worker${o.workers > 1 ? 's' : ''}: ${each.join('; ')}`;
}

function attributionTable(a: NonNullable<Summary['attribution']>): string {
  const t = new Table({ head: ['part', 'at the p99', 'detail'], style: { head: [], border: [] }, colWidths: [40, 14, 90], wordWrap: true });
  for (const r of attributionRows(a)) t.push(r);
  return t.toString();
}

function windowsLine(s: Summary): string {
  const total = s.ops.total;
  const share = total ? ((s.chaos.excludedOps / total) * 100).toFixed(1) : '0';
  const list = s.chaos.windows.map((w) => `${w.label} ${(w.startMs / 1000).toFixed(1)}-${w.endMs === null ? '?' : (w.endMs / 1000).toFixed(1)} s${w.ops === undefined ? '' : ` (${w.ops} ops, ${total ? ((w.ops / total) * 100).toFixed(1) : '0'} %, ${w.errors ?? 0} errors${w.afterOutage ? `; after its outage ${w.afterOutage.ops} ops, ${w.afterOutage.errors} errors` : ''})`}${w.recoveredAtMs ? '' : w.exceeded ? ' (did not recover in time)' : ' (not recovered)'}`).join(', ');
  return `chaos windows: ${list}; ${s.chaos.excludedOps} operations (${share} %, ${s.chaos.excludedErrors} errors) not judged by the steady-state gates`;
}

/** The first sentinel's view of each event (every sentinel announces most of them). */
function firstSentinelEvents(s: Summary): string {
  const events = s.failover?.sentinelEvents ?? [];
  const first = events[0]?.sentinel;
  return events.filter((e) => e.sentinel === first).map((e) => `${e.t.slice(11, 23)} ${e.event}`).join(', ') || 'none';
}

