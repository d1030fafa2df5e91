import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/client.ts';

/**
 * Vitest's global set-up, once per run, before any test file:
 * - the programs the tests start as people start them (`npm start`, `sandbox`) run the compiled dist/, so it is built
 *   from the sources under test (about a second with esbuild);
 * - meanwhile the databases every test database is copied from are created and migrated (see helpers/templates.ts).
 */
export default async function setup(project: TestProject) {
  const work = mkdtempSync(join(tmpdir(), 'sandbox-templates-'));
  const build = promisify(execFile)(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))]).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`npm run build failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  const [, templates] = await Promise.all([build, templateDatabases(work, process.env.TEST_DATABASE_URL)]);
  project.provide('pgliteTemplate', templates.pglite);
  project.provide('postgresTemplate', templates.postgres ?? '');
  return async () => {
    await templates.drop();
    rmSync(work, { recursive: true, force: true });
  };
}

/**
 * A migrated, empty embedded data directory in `work`, and on the PostgreSQL run a migrated, empty database of the
 * server (dropped again by `drop`): what every test database of the run starts as a copy of.
 */
async function templateDatabases(work: string, adminUrl: string | undefined) {
  const pglite = join(work, 'pglite');
  const embedded = await openDatabase({ dataDir: pglite });
  try {
    await embedded.migrate();
  } finally {
    await embedded.close();
  }
  // PGlite clears its whole buffer pool at every start: with PostgreSQL's 128 MB that is two thirds of an open's
  // 0.6 s, and a command line test opens the database once per command. The tests' databases are small.
  appendFileSync(join(pglite, 'postgresql.conf'), '\n# The tests\' embedded databases (test/global-setup.ts)\nshared_buffers = 16MB\nmax_connections = 10\n');
  if (!adminUrl) return { pglite, drop: async () => {} };
  // Its own name: several runs may share the server, each with its template.
  const name = `sandbox_template_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const server = await openDatabase({ url: url.toString(), maxConnections: 1 });
  try {
    await server.migrate();
  } finally {
    await server.close();
  }
  return {
    pglite,
    postgres: name,
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
