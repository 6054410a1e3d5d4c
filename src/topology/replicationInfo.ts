/** Parsing of INFO and SENTINEL replies, kept pure so it is unit-tested without servers. */

export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  return fields;
}

export interface ReplicaLine {
  ip: string;
  port: number;
  state: string;
  offset: number;
  lag: number;
}

/** `slave0:ip=127.0.0.1,port=40001,state=online,offset=42,lag=0` lines of INFO replication. */
export function replicasFromInfo(info: Map<string, string>): ReplicaLine[] {
  const replicas: ReplicaLine[] = [];
  for (const [key, value] of info) {
    if (!/^slave\d+$/.test(key)) continue;
    const kv = Object.fromEntries(value.split(',').map((p) => p.split('=') as [string, string]));
    replicas.push({
      ip: kv.ip ?? '',
      port: Number(kv.port),
      state: kv.state ?? 'unknown',
      offset: Number(kv.offset ?? 0),
      lag: Number(kv.lag ?? -1),
    });
  }
  return replicas;
}

/** SENTINEL MASTER / REPLICAS answer flat [k, v, k, v] arrays (RESP2 shape) or maps; normalise both. */
export function fieldsOf(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
  } else if (reply !== null && typeof reply === 'object') {
    for (const [k, v] of Object.entries(reply)) fields.set(k, String(v));
  }
  return fields;
}
