/**
 * What makes two runs comparable: the same scenario (name and stages), the same kind of target
 * with the same settings, the same write mode and the same chaos experiment. The baseline picker
 * only compares such runs, and the trend page and the drift rule keep one series per such group.
 */
export interface RunSettingsSource {
  scenario: { name: string; stages: ReadonlyArray<{ name: string; durationMs: number; sessions?: number | null; loginRate?: number | null }> };
  target: { kind: string; masterName?: string; sentinels?: readonly string[]; tls?: boolean; settings?: Readonly<Record<string, string | number>> | null };
  writeMode?: string;
  chaos?: { experiment: string | null };
}

function sortedEntries(record: Readonly<Record<string, string | number>>): Array<[string, string | number]> {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

/**
 * A string equal for comparable runs. Sentinel addresses count only for external targets: an
 * embedded or detached topology gets new free ports every time, a staging deployment keeps its own.
 */
export function runSettingsKey(s: RunSettingsSource): string {
  return JSON.stringify({
    scenario: s.scenario.name,
    stages: s.scenario.stages.map((st) => [st.name, st.durationMs, st.sessions ?? null, st.loginRate ?? null]),
    target: s.target.kind,
    masterName: s.target.masterName ?? '',
    sentinels: s.target.kind === 'external' ? [...(s.target.sentinels ?? [])].sort() : [],
    tls: s.target.tls ?? false,
    settings: s.target.settings ? sortedEntries(s.target.settings) : null,
    writeMode: s.writeMode ?? 'async',
    chaos: s.chaos?.experiment ?? null,
  });
}

/** The group in words, e.g. "smoke on embedded, async writes, chaos kill-master". */
export function runSettingsLabel(s: RunSettingsSource): string {
  const peak = Math.max(0, ...s.scenario.stages.map((st) => st.sessions ?? 0));
  return [
    `${s.scenario.name}${peak ? ` (${peak} sessions)` : ''} on ${s.target.kind}${s.target.kind === 'external' && s.target.sentinels?.length ? ` ${s.target.sentinels.join(',')}` : ''}`,
    `${s.writeMode ?? 'async'} writes`,
    ...(s.target.tls ? ['TLS'] : []),
    s.chaos?.experiment ? `chaos ${s.chaos.experiment}` : 'no chaos',
  ].join(', ');
}
