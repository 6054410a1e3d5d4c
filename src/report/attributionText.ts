import type { Summary } from './summarySchema.js';

type AttributionSummary = NonNullable<Summary['attribution']>;

const ms = (x: number): string => `${Math.round(x * 100) / 100} ms`;

/** A TailShare's latency as its parts; the wait behind the previous action only when there was one. */
function parts(t: { waitMs: number; queueMs: number; replyMs: number }): string {
  return `${t.waitMs > 0.005 ? `${ms(t.waitMs)} behind the previous action + ` : ''}${ms(t.queueMs)} generator queueing + ${ms(t.replyMs)} reply`;
}

/** "Where the p99 went", as rows [part, figure, detail]: the console and the HTML report say it the same way. */
export function attributionRows(a: AttributionSummary): Array<[string, string, string]> {
  const g = a.generator;
  const at = a.atP99;
  const rows: Array<[string, string, string]> = [
    ['behind the session\'s previous action (intended -> ready)', at ? ms(at.waitMs) : '-', 'its reply had not come: the target\'s time, carried over (one tab does one thing at a time)'],
    ['generator queueing (ready -> sent)', at ? ms(at.queueMs) : '-', `scheduler lag p99 ${ms(g.schedulerLagP99Ms)} per dispatch (limit ${ms(g.maxSchedulerLagP99Ms)}); GC ${g.gcCount} pauses, max ${ms(g.gcMaxMs)}, ${g.gcOver2Ms} over 2 ms; event-loop delay max ${ms(g.eventLoopDelayMaxMs)}; ${g.cpuWaitMaxPerSecondMs != null ? `waited for a CPU up to ${ms(g.cpuWaitMaxPerSecondMs)} in a second; ` : ''}stalled ${g.stalledSeconds} of ${g.seconds} s (threshold ${ms(g.stallThresholdMs)})`],
    ['reply (sent -> reply: network, proxy, server)', at ? ms(at.replyMs) : '-', `send-to-reply p99 ${ms(a.serviceP99Ms)}`],
    [a.server.byShard?.length ? `  server's own time (${a.server.byShard.length} shard masters, summed)` : '  server\'s own time', a.server.measured ? a.server.perCommand.map((c) => `${c.command.toUpperCase()} ${c.usecPerCall} µs`).join(', ') || '-' : 'not measured', a.server.measured ? `latency events ${a.server.latencyEvents.length ? a.server.latencyEvents.map((e) => `${e.event}${e.node ? ` on ${e.node}` : ''} up to ${e.maxMs} ms`).join(', ') : 'none'} (threshold ${a.server.latencyThresholdMs ?? '?'} ms); forks ${a.server.forks}; delayed AOF fsyncs ${a.server.aofDelayedFsync}` : (a.server.why ?? '')],
    ['  data path', a.dataPath, a.proxy ? `the Toxiproxy hop adds ${ms(a.proxy.before.proxiedP99Ms - a.proxy.before.directP99Ms)} at p99 (PING ${ms(a.proxy.before.directP99Ms)} direct, ${ms(a.proxy.before.proxiedP99Ms)} proxied${a.proxy.after ? `; after the load +${ms(a.proxy.after.proxiedP99Ms - a.proxy.after.directP99Ms)}` : ''})` : ''],
  ];
  const over = a.overBudget;
  if (over) rows.push([`operations over the ${ms(a.budgetMs)} budget (whose time a breach is judged on)`, `${over.samples}, mean ${ms(over.latencyMs)}`, parts(over)]);
  if (g.p99HealthySecondsMs !== null && g.stalledSeconds > 0) rows.push(['p99 without the generator\'s stalled seconds', ms(g.p99HealthySecondsMs), g.opsHealthySeconds === undefined ? '' : `${g.opsHealthySeconds} operations`]);
  for (const b of a.operationBreaches ?? []) {
    // The generator's cause already says the p99 without its stalled seconds.
    const healthy = b.cause.who !== 'generator' && b.p99HealthySecondsMs !== null && g.stalledSeconds > 0 ? `; without the generator's stalled seconds ${ms(b.p99HealthySecondsMs)} (${b.opsHealthySeconds} operations)` : '';
    rows.push([`${b.op} p99 over its ${ms(b.budgetMs)} budget`, ms(b.p99Ms), `${b.cause.why}${healthy}`]);
  }
  return rows;
}

export function attributionHeadline(a: AttributionSummary): string {
  const at = a.atP99;
  const sum = at ? ` = ${parts(at)}` : '';
  const over = a.overBudget;
  // The cause is judged on every operation over the budget, which the one bucket at the p99 may not resemble.
  const judged = a.cause && over ? `; the ${over.samples} operations over it: ${parts(over)} on average` : '';
  return `where the p99 went (${a.scope}): p99 ${ms(a.p99Ms)}${sum}; budget ${ms(a.budgetMs)}${judged}${a.cause ? `; over budget: ${a.cause.why}` : ''}`;
}
