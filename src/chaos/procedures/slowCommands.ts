import { z } from 'zod';
import { collectSlowLog } from '../../monitoring/slowLog.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster, type Fault, type FaultCheck } from '../faults/fault.js';

/** Busy-waits on the server's clock: the main thread is blocked for ARGV[1] µs, like a slow command. */
const busyScript = `#!lua flags=no-writes
local t = redis.call('TIME')
local start = t[1] * 1000000 + t[2]
repeat
  t = redis.call('TIME')
until t[1] * 1000000 + t[2] - start >= tonumber(ARGV[1])
return 0`;

/**
 * The response to RedisCpuHigh (docs/runbook.md): a client runs slow commands on the master
 * (a script that holds the main thread `blockMs` each time); the first look, `SLOWLOG GET`,
 * must show them with their duration, and the run's report lists them. The alert itself needs
 * 5 minutes of a busy thread, longer than a test run; its rule has a promtool test.
 */
export class SlowCommands implements Fault {
  readonly kind = 'slow-commands';
  private since = 0;
  private logged: number | null = null;
  constructor(
    readonly count: number,
    readonly blockMs: number,
  ) {}
  describe(): string {
    return `run ${this.count} commands that each hold the master's main thread for ${this.blockMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    this.since = Date.now();
    strike();
    for (let i = 0; i < this.count; i++) await m.control().eval(busyScript, 0, String(this.blockMs * 1000));
    // The response's first look: what does the slow log say?
    const entries = (await collectSlowLog(t, this.since, 256)).filter((e) => e.node === m.name && /^eval/i.test(e.command) && e.durationMs >= this.blockMs * 0.9);
    this.logged = entries.length;
    return `${this.count} slow commands of ${this.blockMs} ms on ${m.name}; SLOWLOG GET shows ${entries.length} of them (slowest ${entries[0]?.durationMs ?? 0} ms)`;
  }
  async heal(): Promise<void> {}
  async checks(): Promise<FaultCheck[]> {
    return [{ name: 'slow commands found in the master\'s slow log', limit: `${this.count} entries of >= ${this.blockMs} ms`, actual: this.logged === null ? 'step did not run' : `${this.logged} entries`, pass: this.logged !== null && this.logged >= this.count }];
  }
}

// Its scripts hold the master's main thread on purpose: every client waits, so its strike opens a window.
export const slowCommands = defineFault({
  kind: 'slow-commands',
  attributes: { count: z.number().int().min(1).max(100).default(5), blockMs: z.number().int().min(11).max(5000).default(100) },
  hitsDataPath: true,
  usesAppLinks: false,
  create: (f) => new SlowCommands(f.count, f.blockMs),
});
