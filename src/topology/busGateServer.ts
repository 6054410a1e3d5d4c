import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusGateClient } from './busGateClient.js';
import { freePort } from './freePort.js';
import { isAlive, startServerProcess, stopProcess, tailOfFile } from './processControl.js';
import { ServerStartError } from './redisProcess.js';

/**
 * Starts the bus-gate process (busGateProcess.ts) on a free loopback port, detached like the
 * topology's servers, and waits for its HTTP API.
 */
export async function startBusGate(spec: { cwd: string; logFile: string; onSpawn: (pid: number) => Promise<void> }): Promise<BusGateClient> {
  const script = fileURLToPath(new URL('./busGateProcess.ts', import.meta.url));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // An absolute loader path: GAUNTLET_HOME may lie outside the project, where 'tsx' does not resolve.
    const pid = startServerProcess(process.execPath, ['--import', import.meta.resolve('tsx'), script, String(port)], { cwd: spec.cwd, logFile: spec.logFile });
    await spec.onSpawn(pid);
    const client = new BusGateClient(`http://127.0.0.1:${port}`);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && isAlive(pid)) {
      try {
        await client.list();
        return client;
      } catch {
        await sleep(50);
      }
    }
    const tail = await tailOfFile(spec.logFile);
    await stopProcess(pid);
    if (/EADDRINUSE/.test(tail) && attempt < 3) continue;
    throw new ServerStartError('bus gate', `its API did not answer on ${client.api}`, spec.logFile, tail);
  }
}
