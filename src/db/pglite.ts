import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { type Database, type DatabaseHandle, migrationsApplied, migrationsFolder, ping } from './client.ts';
import { lockDataDir } from './data-dir-lock.ts';
import * as schema from './schema.ts';

/** The embedded database in `dataDir` (`memory://` keeps it in memory), held by this process alone while open. */
export async function openPglite(dataDir: string, lockWaitMs: number): Promise<DatabaseHandle> {
  let release = async () => {};
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    release = await lockDataDir(dataDir, lockWaitMs);
  }
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir);
  } catch (error) {
    await release();
    throw error;
  }
  const db = drizzle(yielding(client), { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    async migrate() {
      if (!(await migrationsApplied(db))) await migrate(drizzle(client, { schema }), { migrationsFolder: migrationsFolder() });
    },
    ping: () => ping(db),
    // One connection serves the whole process already.
    session: async () => ({
      query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
      renew: async () => {},
      release: async () => {},
    }),
    close: async () => {
      try {
        await client.close();
      } finally {
        await release();
      }
    },
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The embedded database runs each query synchronously on this thread and resolves it without returning to the event
 * loop, so a chain of queries (a card's refresh, a vote) would hold every request that arrives meanwhile until the
 * whole chain is done. Each query first lets the event loop take its turn: a request waits for one query at most.
 */
function yielding(embedded: PGlite): PGlite {
  const query = embedded.query.bind(embedded);
  const transaction = embedded.transaction.bind(embedded);
  embedded.query = (async (...args: Parameters<PGlite['query']>) => {
    await nextTurn();
    return query(...args);
  }) as PGlite['query'];
  embedded.transaction = ((callback) =>
    transaction((tx) => {
      const inTransaction = tx.query.bind(tx);
      tx.query = (async (...args: Parameters<typeof tx.query>) => {
        await nextTurn();
        return inTransaction(...args);
      }) as typeof tx.query;
      return callback(tx);
    })) as PGlite['transaction'];
  return embedded;
}
