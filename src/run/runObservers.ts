import { MonitoringStack } from '../monitoring/monitoringStack.js';
import { startLiveMetrics, type LiveMetrics } from '../report/liveMetrics.js';
import type { Target } from '../target/target.js';
import { freePort } from '../topology/freePort.js';
import type { RunPlan } from './runPlan.js';
import type { RunProgress } from './runResult.js';

export interface RunObservers {
  metrics: LiveMetrics | null;
  monitoring: MonitoringStack | null;
  /** Ends whatever was started; safe to call once, also when the run failed part-way. */
  stop(): Promise<void>;
}

/**
 * What watches a run from outside the generator: gauntlet's own live metrics and, with
 * `monitoring`, exporters plus a Prometheus evaluating the alert rules (which also scrapes the
 * live metrics, on a free port unless the plan names one).
 */
export async function startObservers(plan: RunPlan, target: Target, failovers: () => number, say: (p: RunProgress) => void): Promise<RunObservers> {
  // Our Sentinel topology or our cluster: the exporters need the processes' own ports.
  const watched = plan.monitoring ? (target.topology ?? target.cluster ?? null) : null;
  const port = plan.metricsPort ?? (watched ? await freePort() : undefined);
  const metrics = port ? await startLiveMetrics(port, failovers) : null;
  if (metrics) say({ kind: 'note', message: `live metrics on ${metrics.url}` });
  let monitoring: MonitoringStack | null = null;
  try {
    monitoring = watched ? await MonitoringStack.start(watched, { gauntletMetrics: port ? `127.0.0.1:${port}` : undefined }) : null;
  } catch (e) {
    await metrics?.close();
    throw e;
  }
  if (monitoring) say({ kind: 'note', message: `Prometheus with the alert rules on ${monitoring.prometheusUrl}` });
  let stopped = false;
  return {
    metrics,
    monitoring,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await metrics?.close().catch(() => undefined);
      await monitoring?.stop().catch(() => undefined);
    },
  };
}
