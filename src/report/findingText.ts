import type { Summary } from './summarySchema.js';

/** The same findings are said in the same words on the console and in the HTML report. */

/** The worst client's write gap, or that some client never wrote again. */
export function writeGapText(ms: number | null): string {
  return ms === null ? 'unbounded (a client never wrote again)' : `${ms} ms`;
}

/** An ended client is a finding about the client library, said plainly. */
export function clientEndsLine(c: NonNullable<Summary['clients']>): string {
  const errors = [...new Set(c.ends.map((e) => e.lastError ?? 'no error'))].join('; ');
  return `ioredis ended an app client on its own ${c.endedByIoredis} time(s) (last error: ${errors}); ${c.reconnectOnEnd ? 'gauntlet connected it again (clients.reconnectOnEnd)' : 'it stayed down (clients.reconnectOnEnd is false)'}; see docs/client-settings.md`;
}
