import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './freePort.js';
import { isAlive, startServerProcess, stopProcess, tailOfFile } from './processControl.js';
import { ServerStartError, PortInUseError } from './redisProcess.js';

export interface StartedToxiproxy {
  pid: number;
  api: string;
  client: Toxiproxy;
}

/** Starts toxiproxy-server on a free loopback port and waits for its HTTP API. */
export async function startToxiproxy(spec: {
  binary: string;
  cwd: string;
  logFile: string;
  onSpawn: (pid: number) => Promise<void>;
}): Promise<StartedToxiproxy> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // One Go processor: the proxies mostly pass many small chunks (the replication streams), and
    // with two the Go scheduler hands them between threads on the 2 cores the generator needs.
    // Measured in steady-50k + kill-master: 28-29 % of a core instead of 36-38 % (docs/benchmarks.md).
    const pid = startServerProcess(spec.binary, ['-host', '127.0.0.1', '-port', String(port)], { cwd: spec.cwd, logFile: spec.logFile, env: { GOMAXPROCS: '1' } });
    await spec.onSpawn(pid);
    const api = `http://127.0.0.1:${port}`;
    const client = new Toxiproxy(api);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && isAlive(pid)) {
      try {
        await client.getVersion();
        return { pid, api, client };
      } catch {
        await sleep(50);
      }
    }
    const tail = await tailOfFile(spec.logFile);
    await stopProcess(pid);
    if (/address already in use/i.test(tail) && attempt < 3) continue;
    throw new ServerStartError('toxiproxy-server', `its API did not answer on ${api}`, spec.logFile, tail);
  }
}

/**
 * Creates a proxy on a free loopback port, retrying with another port when one is taken between
 * choosing and binding (toxiproxy answers such a create with an HTTP error).
 */
export async function createProxy(client: Toxiproxy, name: string, upstream: string): Promise<Proxy> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await client.createProxy({ name, listen: `127.0.0.1:${port}`, upstream, enabled: true });
    } catch (e) {
      lastError = e;
    }
  }
  throw new PortInUseError(`could not create proxy ${name} after 5 ports: ${String(lastError)}`);
}
