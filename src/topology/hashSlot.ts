/**
 * The Redis Cluster hash slot of a key (CRC16/XMODEM of the key, or of its `{tag}` when it has a
 * non-empty one, modulo 16384), computed without allocating: the load attributes every
 * operation to its shard with it, on the generator's hot path. Keys outside ASCII go through a
 * Buffer (never the case for gauntlet's keys). Checked against cluster-key-slot (what ioredis
 * uses) in hashSlot.test.ts.
 */
export const slotCount = 16384;

const table = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
  table[i] = c & 0xffff;
}

function crc16Ascii(s: string, from: number, to: number, crc = 0): number {
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ table[((crc >> 8) ^ s.charCodeAt(i)) & 0xff]!;
  return crc;
}

function isAscii(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

function crc16Bytes(b: Uint8Array): number {
  let crc = 0;
  for (const byte of b) crc = ((crc << 8) & 0xffff) ^ table[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The slot of `key`, honouring a hash tag as Redis does (the first `{`, the first `}` after it, non-empty). */
export function keySlot(key: string): number {
  let from = 0;
  let to = key.length;
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  if (isAscii(key, from, to)) return crc16Ascii(key, from, to) & (slotCount - 1);
  return crc16Bytes(Buffer.from(key.slice(from, to), 'utf8')) & (slotCount - 1);
}

/**
 * The slot of every key `prefix + suffix` where the prefix holds no `{`: the prefix's CRC is taken
 * once, and each suffix costs only its own characters (no string is built).
 */
export function prefixedSlot(prefix: string): (suffix: string) => number {
  if (prefix.includes('{') || !isAscii(prefix, 0, prefix.length)) throw new Error(`prefixedSlot: "${prefix}" must be ASCII without a hash tag`);
  const seed = crc16Ascii(prefix, 0, prefix.length);
  return (suffix) => {
    if (suffix.includes('{') || !isAscii(suffix, 0, suffix.length)) return keySlot(prefix + suffix);
    return crc16Ascii(suffix, 0, suffix.length, seed) & (slotCount - 1);
  };
}
