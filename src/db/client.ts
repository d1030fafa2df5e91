import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { lockDataDir } from './data-dir-lock.ts';
import type { Session } from './processes.ts';
import * as schema from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Applies every pending migration; safe when several processes start at once. */
  migrate(): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** A connection of its own for as long as the process lives (it holds the process's lock, see processes.ts). */
  session(): Promise<Session>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…`; when absent, an embedded PGlite database in `dataDir`. */
  url?: string;
  /** Directory of the embedded database; `memory://` keeps it in memory. */
  dataDir?: string;
  /** Most connections the postgres.js pool opens. */
  maxConnections?: number;
  /** How long to wait for another process to release the embedded database (default 10 s). */
  lockWaitMs?: number;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
// Any constant will do: every replica takes the same advisory lock around its migrations.
const MIGRATION_LOCK = 72_410_001;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url, options.maxConnections ?? 10) : openPglite(options.dataDir ?? './.data', options.lockWaitMs ?? 10_000);
}

async function openPglite(dataDir: string, lockWaitMs: number): Promise<DatabaseHandle> {
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
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(drizzlePglite(client, { schema }), { migrationsFolder }),
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

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const client = postgres(url, { max, onnotice: () => {}, connection: { application_name: 'sandbox-bot' } });
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    async migrate() {
      // A session advisory lock needs one connection for the whole migration: a client of its own.
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migratePostgres(drizzlePostgres(single, { schema }), { migrationsFolder });
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

async function ping(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

/** Rows of a raw query, whichever driver ran it (PGlite answers `{ rows }`, postgres.js an array). */
export async function queryRows<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
