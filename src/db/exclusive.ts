import type { Exclusive } from '../domain/sources.ts';
import type { DatabaseHandle } from './client.ts';

/** First key of the advisory locks of exclusive work; the second is the hash of what the work is about. */
const EXCLUSIVE_LOCK = 72_410_004;

/**
 * Work done by one process at a time across every replica: on PostgreSQL, under an advisory lock of its own held on a
 * reserved connection while the work runs (slow work, such as a fetch, holds no transaction open). Within this process
 * the works of one key also go one after another, so that they wait here rather than each holding a connection; on
 * the embedded database, which only one process opens, that is all there is to it.
 */
export function exclusiveWork(handle: DatabaseHandle): Exclusive {
  const tails = new Map<string, Promise<unknown>>();
  const acrossReplicas = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    if (handle.kind === 'pglite') return work();
    const session = await handle.session();
    try {
      await session.query(`select pg_advisory_lock(${EXCLUSIVE_LOCK}, hashtext($1))`, [key]);
      try {
        return await work();
      } finally {
        await session.query(`select pg_advisory_unlock(${EXCLUSIVE_LOCK}, hashtext($1))`, [key]);
      }
    } finally {
      await session.release();
    }
  };
  return {
    exclusively<T>(key: string, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const mine = previous.catch(() => undefined).then(() => acrossReplicas(key, work));
      const tail = mine.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return mine;
    },
  };
}
