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
  const db = drizzle(client, { schema }) as unknown as Database;
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
