/**
 * `CLIENT LIST` lines grouped by one of their fields (`name=`, `user=`): the first look of the
 * runbook's connection-leak response, and how a rotation sees who re-authenticated.
 * An empty value (an unnamed connection) groups under "(unnamed)".
 */
export function connectionsBy(clientList: string, field: 'name' | 'user'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const pattern = new RegExp(`(?:^|\\s)${field}=(\\S*)`);
  for (const line of clientList.split('\n')) {
    const id = /(?:^|\s)id=(\d+)/.exec(line)?.[1];
    if (!id) continue;
    const value = pattern.exec(line)?.[1] || '(unnamed)';
    out.set(value, [...(out.get(value) ?? []), id]);
  }
  return out;
}
