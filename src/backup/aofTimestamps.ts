/**
 * Finds the `#TS:<unix seconds>` annotations (aof-timestamp-enabled) in an incr AOF file fed in
 * chunks, walking the RESP framing so a `#TS:` inside a value is never taken for one. Only the
 * first and last are kept: they bound the seconds the file covers.
 */
export class AofTimestampScanner {
  firstTs: number | null = null;
  lastTs: number | null = null;
  /** Bytes still to skip of a bulk string (its payload and CRLF). */
  private skip = 0;
  /** Bulk strings left in the current command. */
  private bulksLeft = 0;
  private line: number[] = [];

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const nl = chunk.indexOf(0x0a, i);
      const end = nl === -1 ? chunk.length : nl;
      for (let k = i; k < end; k++) this.line.push(chunk[k]!);
      i = end;
      if (nl === -1) break;
      i++;
      this.onLine(Buffer.from(this.line).toString('latin1').replace(/\r$/, ''));
      this.line = [];
    }
  }

  private onLine(line: string): void {
    if (this.bulksLeft > 0 && line.startsWith('$')) {
      this.skip = Number(line.slice(1)) + 2;
      this.bulksLeft--;
      return;
    }
    if (line.startsWith('*')) this.bulksLeft = Number(line.slice(1));
    else if (line.startsWith('#TS:')) {
      const ts = Number(line.slice(4));
      if (Number.isInteger(ts)) {
        this.firstTs ??= ts;
        this.lastTs = ts;
      }
    }
  }
}

/** The creation time (`ctime` aux field, written by the forked child) of an RDB file or an RDB-preamble AOF base. */
export function rdbCreatedAt(header: Uint8Array): number | null {
  const b = Buffer.from(header);
  if (b.subarray(0, 5).toString('latin1') !== 'REDIS') return null;
  let p = 9; // "REDIS" and a 4-digit version
  /**
   * A string as rdb.c writes it: a length (00xxxxxx: 6 bits, 01xxxxxx: 14 bits, 0x80: 32 bits
   * big-endian) and the bytes, or 11xxxxxx: an integer stored as int8, int16 or int32.
   */
  const readString = (): string | null => {
    const first = b[p];
    if (first === undefined) return null;
    const kind = first >> 6;
    if (kind === 3) {
      const width = [1, 2, 4][first & 0x3f];
      if (width === undefined || p + 1 + width > b.length) return null;
      const value = b.readIntLE(p + 1, width);
      p += 1 + width;
      return String(value);
    }
    let len: number;
    if (kind === 0) {
      len = first & 0x3f;
      p += 1;
    } else if (kind === 1 && p + 2 <= b.length) {
      len = ((first & 0x3f) << 8) | b[p + 1]!;
      p += 2;
    } else if (first === 0x80 && p + 5 <= b.length) {
      len = b.readUInt32BE(p + 1);
      p += 5;
    } else return null;
    if (p + len > b.length) return null;
    const s = b.subarray(p, p + len).toString('latin1');
    p += len;
    return s;
  };
  // Aux fields (opcode 0xFA) come first: redis-ver, redis-bits, ctime, used-mem, ...
  while (b[p] === 0xfa) {
    p += 1;
    const key = readString();
    const value = readString();
    if (key === null || value === null) return null;
    if (key === 'ctime') return Number(value);
  }
  return null;
}
