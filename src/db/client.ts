import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { entityKind, type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { packageFile } from '../package-files.ts';
import type { Session } from './processes.ts';
import type * as schema from './schema.ts';

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

/** The generated SQL migrations (drizzle/ at the package's root). */
export const migrationsFolder = () => packageFile('drizzle');

/**
 * True when the database has every migration of this version already: the latest one recorded is the journal's
 * last (drizzle's migrator applies those made after the latest recorded). Starting the command line or a replica
 * then reads one small file and asks one query, instead of reading and hashing every migration and taking the lock.
 */
export async function migrationsApplied(db: Database): Promise<boolean> {
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), 'meta/_journal.json'), 'utf8')) as { entries: { when: number }[] };
  const newest = Math.max(...journal.entries.map((e) => e.when));
  try {
    const [row] = await queryRows<{ latest: string | null }>(db, sql`select max(created_at)::text as latest from drizzle.__drizzle_migrations`);
    return row?.latest != null && Number(row.latest) >= newest;
  } catch {
    return false; // no migrations table yet: a new database
  }
}

/** Each driver is loaded only when its database is opened: a command on PostgreSQL never loads PGlite, and the reverse. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(options.url, options.maxConnections ?? 10);
  }
  const { openPglite } = await import('./pglite.ts');
  return openPglite(options.dataDir ?? './.data', options.lockWaitMs ?? 10_000);
}

export async function ping(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rows of a raw query of thousands of rows, read the cheapest way for the driver. PGlite builds rows one by one several
 * times slower than it parses one JSON text of them all; PostgreSQL writes that JSON text ten times slower than
 * postgres.js reads the rows as they are. The columns are named by the query's aliases; their values are JSON's.
 */
export async function queryMany<T>(db: Database, query: SQL): Promise<T[]> {
  if (!onPglite(db)) return queryRows<T>(db, query);
  const [row] = await queryRows<{ rows: string | null }>(db, sql`select json_agg(t)::text as rows from (${query}) t`);
  return row?.rows ? (JSON.parse(row.rows) as T[]) : [];
}

/** True for an embedded PGlite database and its transactions: drizzle names each driver's session by its kind. */
const onPglite = (db: Database) => (db as unknown as { session: { constructor: Record<symbol, unknown> } }).session.constructor[entityKind] === 'PgliteSession';

/** Rows of a raw query, whichever driver ran it (PGlite answers `{ rows }`, postgres.js an array). */
export async function queryRows<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * `and <column> in <keys>`, or nothing when no keys are given. The keys go as one JSON parameter: a send of all but a
 * few of 100,000 changes stays one statement under PostgreSQL's 65,535 bind parameters.
 */
export const amongKeys = (column: SQL, keys: readonly string[] | undefined) =>
  keys ? sql`and ${column} in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))` : sql``;
