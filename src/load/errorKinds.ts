/**
 * Error kinds, so a report says "timeout 120, readonly 3" rather than 123 opaque failures.
 * Timeouts and connection errors are indeterminate for the ledger: the write may have applied.
 */
export const errorKinds = ['timeout', 'connection', 'readonly', 'noperm', 'oom', 'noreplicas', 'loading', 'other'] as const;
export type ErrorKind = (typeof errorKinds)[number];

export function classifyError(e: Error): ErrorKind {
  const m = e.message ?? '';
  if (/timed? ?out/i.test(m)) return 'timeout';
  if (/^READONLY/.test(m)) return 'readonly';
  if (/^NOPERM/.test(m)) return 'noperm';
  if (/^OOM/.test(m)) return 'oom';
  if (/^NOREPLICAS/.test(m)) return 'noreplicas';
  if (/^LOADING/.test(m)) return 'loading';
  if (/Connection is closed|ECONNRE|EPIPE|offline queue|Stream isn't writeable|max retries|sentinel|ETIMEDOUT|socket/i.test(m)) return 'connection';
  return 'other';
}
