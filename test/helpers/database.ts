import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase, queryRows } from '../../src/db/client.ts';
import { pgliteDataDir, postgresTemplate } from './templates.ts';

export const backend = process.env.SANDBOX_TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite';
export const onPostgres = backend === 'postgres';

export interface TestDatabase extends DatabaseHandle {
  /** Empties every table (ids restart) so each test starts clean on the shared database. */
  reset(): Promise<void>;
  /** For postgres: the URL of this file's own database (other processes may connect to it). */
  url?: string;
}

/**
 * One database per test file, migrated with the project's migrations: an embedded PGlite database in a directory of
 * its own, or a fresh database on the PostgreSQL server of TEST_DATABASE_URL; both are removed again by `close`.
 * Each starts as a copy of the run's template (see templates.ts).
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  if (!onPostgres) {
    const data = pgliteDataDir();
    const testDb = withReset(await openDatabase({ dataDir: data.dir }));
    const close = testDb.close;
    testDb.close = async () => {
      await close();
      data.remove();
    };
    return testDb;
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `sandbox_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${postgresTemplate()}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), maxConnections: 20 });
  const testDb = withReset(handle, url.toString());
  const close = testDb.close;
  testDb.close = async () => {
    await close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
  return testDb;
}

function withReset(handle: DatabaseHandle, url?: string): TestDatabase {
  let migrated = false;
  return {
    ...handle,
    url,
    async reset() {
      if (!migrated) {
        await handle.migrate();
        migrated = true;
      }
      await truncateAll(handle.db);
    },
  };
}

/**
 * Empties every table of the schema; ids restart. The processes stay: live ones hold locks keyed by their ids. The
 * change counts grow instead (a truncation fires no trigger): what a running app keeps in memory is read again.
 */
export async function truncateAll(db: DatabaseHandle['db']) {
  const tables = await queryRows<{ name: string }>(db, sql`select quote_ident(tablename) as name from pg_tables where schemaname = 'public' and tablename not in ('processes', 'change_counts')`);
  await db.execute(sql.raw(`truncate ${tables.map((t) => t.name).join(', ')} restart identity cascade`));
  await db.execute(sql`update change_counts set changes = changes + 1`);
}
