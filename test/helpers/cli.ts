import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { sandboxCommand } from '../../src/app/cli.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from './database.ts';
import { threeStepConfig } from './world.ts';

/** Runs one `sandbox` command line in-process, as the terminal would: its exit code and what it printed. */
export async function cli(...args: string[]) {
  return cliWithInput(undefined, ...args);
}

/** The same, `input` given as its standard input. */
export async function cliWithInput(input: string | undefined, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await sandboxCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s), input: input === undefined ? undefined : async () => input });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * A directory with the three-step pipeline configuration and the settings pointing at it: the embedded database
 * inside it (migrated and empty, a copy of the run's template), or a fresh PostgreSQL database of this file on the
 * PostgreSQL run. `close` restores the settings.
 */
export async function cliWorkspace(name: string) {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), `sandbox-${name}-`));
  writeFileSync(join(dir, 'sandbox.config.yml'), threeStepConfig);
  process.env.SANDBOX_CONFIG = join(dir, 'sandbox.config.yml');
  process.env.SANDBOX_DATA_DIR = join(dir, 'data');
  if (!onPostgres) cpSync(inject('pgliteTemplate'), process.env.SANDBOX_DATA_DIR, { recursive: true });
  delete process.env.DATABASE_URL;
  let db: TestDatabase | undefined;
  if (onPostgres) {
    db = await openTestDatabase();
    process.env.DATABASE_URL = db.url;
  }
  return {
    dir,
    async close() {
      process.env = saved;
      await db?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
