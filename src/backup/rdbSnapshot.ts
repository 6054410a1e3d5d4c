import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A scheduled RDB snapshot: BGSAVE, then wait until LASTSAVE moves and no save runs (the `backup`
 * ACL user may exactly this: PING, INFO, BGSAVE, LASTSAVE). The archiver copies the new dump.rdb.
 */
export async function takeRdbSnapshot(c: Redis, timeoutMs = 600_000): Promise<number> {
  const before = Number(await c.lastsave());
  await c.bgsave().catch((e: Error) => {
    if (!/already in progress/.test(e.message)) throw e;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = await c.info('persistence');
    const last = Number(await c.lastsave());
    if (/rdb_bgsave_in_progress:0/.test(info) && last > before) {
      if (!/rdb_last_bgsave_status:ok/.test(info)) throw new Error('BGSAVE failed (rdb_last_bgsave_status is not ok): see the node\'s log');
      return last;
    }
    await sleep(100);
  }
  throw new Error(`BGSAVE did not finish within ${timeoutMs / 1000} s`);
}
