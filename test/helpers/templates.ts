import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated, empty PGlite data directory: each embedded test database starts as a copy of it. */
    pgliteTemplate: string;
    /** On the PostgreSQL run, a migrated, empty database each test file's database is created from ('' otherwise). */
    postgresTemplate: string;
  }
}

// The test databases start migrated and empty, as copies of one database the global set-up (test/global-setup.ts)
// created and migrated once for the run, rather than each created and migrated on its own: creating an embedded
// database (initdb) takes seconds, copying its directory a fraction of one; PostgreSQL copies a template database
// in one statement.

/** The template, when a Vitest run provides one (the bench starts a test bot outside Vitest: it migrates its own). */
function provided(): string | undefined {
  try {
    return inject('pgliteTemplate');
  } catch {
    return undefined;
  }
}

/** A fresh embedded data directory, migrated and empty (or left for the app to migrate, outside Vitest), and how to remove it. */
export function pgliteDataDir(name = 'db'): { dir: string; remove(): void } {
  const parent = mkdtempSync(join(tmpdir(), `sandbox-${name}-`));
  const dir = join(parent, 'data');
  const template = provided();
  if (template) cpSync(template, dir, { recursive: true });
  return { dir, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

/** The database of the PostgreSQL server a test database is created from (`create database … template …`). */
export const postgresTemplate = () => inject('postgresTemplate');
