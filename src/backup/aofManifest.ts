/**
 * The Redis 7 multi-part AOF manifest (`appendonly.aof.manifest` in appendonlydir): one line per
 * file, `file <name> seq <n> type <b|h|i>` (base, history, incr). Sequence numbers only grow on a
 * node, so a file name is unique over the node's life: the archive keeps every file by its name.
 */
export type AofFileType = 'base' | 'history' | 'incr';

export interface AofManifestEntry {
  file: string;
  seq: number;
  type: AofFileType;
}

const typeCodes: Record<string, AofFileType> = { b: 'base', h: 'history', i: 'incr' };

export function parseAofManifest(text: string, source = 'manifest'): AofManifestEntry[] {
  const entries: AofManifestEntry[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const fields = new Map<string, string>();
    for (let k = 0; k + 1 < words.length; k += 2) fields.set(words[k]!, words[k + 1]!);
    const file = fields.get('file');
    const seq = Number(fields.get('seq'));
    const type = typeCodes[fields.get('type') ?? ''];
    if (!file || !Number.isInteger(seq) || !type) throw new Error(`${source}:${i + 1}: not a manifest line: ${line}`);
    entries.push({ file: file.replace(/^"(.*)"$/, '$1'), seq, type });
  }
  return entries;
}

export function formatAofManifest(entries: readonly AofManifestEntry[]): string {
  const code = { base: 'b', history: 'h', incr: 'i' } as const;
  return entries.map((e) => `file ${e.file} seq ${e.seq} type ${code[e.type]}\n`).join('');
}

/** The archive keeps each manifest it saw by sequence: the base's and the newest incr's. */
export function manifestArchiveName(entries: readonly AofManifestEntry[]): string {
  const base = entries.find((e) => e.type === 'base')?.seq ?? 0;
  const incr = Math.max(0, ...entries.filter((e) => e.type === 'incr').map((e) => e.seq));
  return `b${base}-i${incr}.manifest`;
}
