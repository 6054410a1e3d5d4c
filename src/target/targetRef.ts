/** A target described by command-line flags instead of a file: the same spec a target file holds. */
export interface InlineTarget {
  kind: 'inline';
  /** What a target file would contain (validated by the same schema). */
  spec: Record<string, unknown>;
  /** Spec field -> the flag that set it ("passwordEnv" -> "--password-env"), so messages name the flag. */
  flags: Record<string, string>;
}

/** Where load goes, as a person names it: undefined or "embedded", "detached[:id]", a target file, or inline flags. */
export type TargetRef = string | InlineTarget;

export function targetKind(ref: TargetRef | undefined): 'embedded' | 'detached' | 'external' {
  if (ref === undefined || ref === 'embedded') return 'embedded';
  if (typeof ref === 'string' && (ref === 'detached' || ref.startsWith('detached:'))) return 'detached';
  return 'external';
}

/** For progress lines: the file name, "detached", or the inline address. */
export function targetLabel(ref: TargetRef | undefined): string {
  if (ref === undefined) return 'embedded';
  if (typeof ref === 'string') return ref;
  const s = ref.spec;
  const endpoint = s.endpoint as { host?: string; port?: number } | undefined;
  if (endpoint) return `endpoint ${endpoint.host}:${endpoint.port}`;
  const sentinels = (s.sentinels as Array<{ host?: string; port?: number }> | undefined) ?? [];
  return `sentinels ${sentinels.map((x) => `${x.host}:${x.port}`).join(', ')}`;
}
