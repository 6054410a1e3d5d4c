import { spawn } from 'node:child_process';
import { openSync, closeSync, readlinkSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { processStopOrder, type ProcessRecord } from './topologyState.js';

/**
 * Starts a server in its own process group (so a Ctrl-C on the terminal reaches the harness,
 * which then stops servers in order) with its output appended to `logFile`.
 */
export function startServerProcess(command: string, args: readonly string[], options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv }): number {
  const log = openSync(options.logFile, 'a');
  try {
    // Secrets go through the environment, never argv (visible to every user in ps).
    const child = spawn(command, args, { cwd: options.cwd, detached: true, stdio: ['ignore', log, log], env: options.env ? { ...process.env, ...options.env } : process.env });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    // Errors after spawn (ENOENT is checked by the caller beforehand) show up as an exit we poll for.
    child.on('error', () => undefined);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/**
 * Running (or stopped by SIGSTOP). A zombie counts as gone: it has exited and only waits for a
 * parent to reap it, which in containers whose pid 1 does not reap may be never.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Still the process we started? Its working directory lies inside our topology directory. */
export function isOurProcess(record: Pick<ProcessRecord, 'pid' | 'cwd'>, topologyDir: string): boolean {
  if (!isAlive(record.pid)) return false;
  try {
    const cwd = readlinkSync(`/proc/${record.pid}/cwd`);
    return cwd === record.cwd || cwd.startsWith(`${topologyDir}/`) || cwd === topologyDir;
  } catch {
    return false;
  }
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(25);
  }
  return false;
}

/** SIGTERM, then SIGKILL after `graceMs`. Only ever by pid, and only for processes we verified as ours. */
export async function stopProcess(pid: number, graceMs = 3000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitForExit(pid, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitForExit(pid, 2000);
}

/** Synchronous last resort for process 'exit' handlers, where nothing async can run. */
export function killNow(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export async function tailOfFile(file: string, lines = 8): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

/**
 * Stops the recorded processes that are still ours, kind by kind in processStopOrder (each kind
 * in parallel); never the calling process itself. Returns how many were stopped.
 */
export async function stopRecordedProcesses(records: readonly ProcessRecord[], topologyDir: string, graceMs = 3000): Promise<number> {
  let stopped = 0;
  for (const kind of processStopOrder) {
    const ours = records.filter((p) => p.kind === kind && p.pid !== process.pid && isOurProcess(p, topologyDir));
    await Promise.all(ours.map((p) => stopProcess(p.pid, graceMs)));
    stopped += ours.length;
  }
  return stopped;
}
