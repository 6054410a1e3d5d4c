import { freePort } from './freePort.js';
import { PortInUseError, startRedisLike, type ServerAuth } from './redisProcess.js';
import { upsertProcess, type ProcessRecord, type TopologyState } from './topologyState.js';

export interface ServerLaunch {
  /** Its name in state.json (unique per topology: a restart replaces the record). */
  name: string;
  kind: ProcessRecord['kind'];
  binary: string;
  args: readonly string[];
  cwd: string;
  logFile: string;
  port: number;
  /** Writes the server's config for `port` (again, when the port moves). */
  render?: (port: number) => Promise<void>;
  /** When the port was taken between choosing and binding: re-point what leads to it (proxies). */
  onPortMoved?: (port: number) => Promise<void>;
}

/**
 * The one way gauntlet starts a redis-server or redis-sentinel of a topology: render its config,
 * spawn it in its own process group, record its pid in state.json before it is ready (so a
 * crash of the harness leaves a record the watchdog and the next run clean up), wait until it
 * answers PING, and retry on a new port when the chosen one was taken meanwhile. Used for the
 * topology's start, restarts, the drills' restored nodes and added sentinels alike.
 */
export class ServerLauncher {
  constructor(
    private readonly state: TopologyState,
    private readonly auth: ServerAuth,
  ) {}

  /** Starts the server; returns its pid and the port it finally listens on. */
  async launch(s: ServerLaunch): Promise<{ pid: number; port: number }> {
    let port = s.port;
    for (let attempt = 1; ; attempt++) {
      await s.render?.(port);
      try {
        let pid = 0;
        await startRedisLike({
          what: `${s.kind === 'sentinel' ? 'redis-sentinel' : 'redis-server'} ${s.name}`,
          binary: s.binary,
          args: s.args,
          cwd: s.cwd,
          logFile: s.logFile,
          port,
          auth: this.auth,
          onSpawn: async (p) => {
            pid = p;
            await upsertProcess(this.state, { name: s.name, kind: s.kind, pid: p, cwd: s.cwd });
          },
        });
        return { pid, port };
      } catch (e) {
        if (!(e instanceof PortInUseError) || !s.render || attempt >= 3) throw e;
        port = await freePort();
        await s.onPortMoved?.(port);
      }
    }
  }

  /** Records a process started some other way (toxiproxy, an exporter) so cleanup finds it. */
  async record(p: ProcessRecord): Promise<void> {
    await upsertProcess(this.state, p);
  }
}
