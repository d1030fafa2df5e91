import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { type Database, type DatabaseHandle, migrationsApplied, migrationsFolder, ping } from './client.ts';
import * as schema from './schema.ts';

// Any constant will do: every replica takes the same advisory lock around its migrations.
const MIGRATION_LOCK = 72_410_001;

/** A pool of at most `max` connections to the PostgreSQL server of `url`. */
export async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const client = postgres(url, { max, onnotice: () => {}, connection: { application_name: 'sandbox-bot' } });
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    async migrate() {
      if (await migrationsApplied(db)) return;
      // A session advisory lock needs one connection for the whole migration: a client of its own.
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migrate(drizzle(single, { schema }), { migrationsFolder: migrationsFolder() });
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    ping: () => ping(db),
    async session() {
      let reserved = await client.reserve();
      return {
        query: async <T>(text: string, params: unknown[] = []) => (await reserved.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[],
        async renew() {
          reserved.release();
          reserved = await client.reserve();
        },
        release: async () => reserved.release(),
      };
    },
    close: () => client.end({ timeout: 5 }),
  };
}
