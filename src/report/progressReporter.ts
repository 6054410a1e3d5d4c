import type { ProgressSnapshot } from '../load/loadOptions.js';

/**
 * Live progress on stderr. On a terminal: one status line rewritten every second. Otherwise
 * (CI logs): a plain line every 10 s, so logs stay readable.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr, totalS?: number): { update: (p: ProgressSnapshot) => void; done: () => void } {
  const tty = Boolean(stream.isTTY);
  const line = (p: ProgressSnapshot): string =>
    `[${p.elapsedS}s${totalS ? `/${Math.round(totalS)}s` : ''}] ${p.phase}: ${p.sessions} sessions, ${p.opsPerSecond} ops/s, p99(5s) ${p.recentP99Ms.toFixed(2)} ms, errors ${p.errors}`;
  return {
    update: (p) => {
      if (tty) stream.write(`\r\x1b[2K${line(p)}`);
      else if (p.elapsedS % 10 === 0) stream.write(`${line(p)}\n`);
    },
    done: () => {
      if (tty) stream.write('\n');
    },
  };
}
