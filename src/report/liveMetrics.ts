import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { UserError } from '../errors.js';
import type { ProgressSnapshot } from '../load/loadOptions.js';
import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';
import { operationNames } from '../load/scenario.js';
import { errorKinds } from '../load/errorKinds.js';

export interface LiveMetrics extends OperationObserver {
  url: string;
  second(p: ProgressSnapshot): void;
  close(): Promise<void>;
}

/**
 * Prometheus endpoint during a run (prom-client: the standard Node exposition library).
 * Series (documented in docs/metrics.md, read by compose/grafana/dashboards/gauntlet.json):
 *   gauntlet_operations_total{op,result}        counter
 *   gauntlet_operation_latency_seconds{op}      histogram, from intended start
 *   gauntlet_errors_total{kind}                 counter
 *   gauntlet_sessions                           gauge, logged-in sessions
 *   gauntlet_recent_p99_seconds                 gauge, p99 of the last 5 s
 *   gauntlet_failovers_total                    gauge, master switches seen this run
 */
export async function startLiveMetrics(port: number, failovers: () => number): Promise<LiveMetrics> {
  const registry = new Registry();
  const ops = new Counter({ name: 'gauntlet_operations_total', help: 'Session operations completed', labelNames: ['op', 'result'], registers: [registry] });
  const latency = new Histogram({
    name: 'gauntlet_operation_latency_seconds',
    help: 'Session operation latency from intended start (coordinated-omission correct)',
    labelNames: ['op'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const errors = new Counter({ name: 'gauntlet_errors_total', help: 'Failed session operations by kind', labelNames: ['kind'], registers: [registry] });
  const sessions = new Gauge({ name: 'gauntlet_sessions', help: 'Logged-in simulated sessions', registers: [registry] });
  const recentP99 = new Gauge({ name: 'gauntlet_recent_p99_seconds', help: 'p99 latency of the last 5 seconds', registers: [registry] });
  new Gauge({ name: 'gauntlet_failovers_total', help: 'Master switches seen in this run', registers: [registry], collect() { this.set(failovers()); } });

  // Every documented label set exists from the first scrape, at 0, so dashboards and alerts
  // see the series before the first error happens.
  for (const kind of errorKinds) errors.inc({ kind }, 0);
  for (const op of operationNames) for (const result of ['ok', 'error']) ops.inc({ op, result }, 0);

  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new UserError(`--metrics-port ${port}: ${e.code === 'EADDRINUSE' ? 'port in use' : e.message}`)));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    onOperation(e: Readonly<OperationEvent>) {
      ops.inc({ op: e.action, result: e.error ? 'error' : 'ok' });
      latency.observe({ op: e.action }, (e.doneMs - e.intendedMs) / 1000);
      if (e.error) errors.inc({ kind: e.error });
    },
    second(p) {
      sessions.set(p.sessions);
      recentP99.set(p.recentP99Ms / 1000);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
