import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { DomainError } from '../domain/errors.ts';

/** A lock whose holder stopped refreshing it this long ago is stale: its process died. */
const STALE_MS = 10_000;

/**
 * The embedded database serves one process only: a second one writing to the same directory would silently
 * lose data. The lock (an atomically created directory, refreshed while held) keeps a second process waiting
 * (`waitMs`, so that commands run one after another just queue up) and then refuses it; a stale lock is taken
 * over. Resolves to the release function.
 */
export async function lockDataDir(dataDir: string, waitMs: number): Promise<() => Promise<void>> {
  const options = {
    realpath: false,
    lockfilePath: join(dataDir, 'sandbox.lock'),
    stale: STALE_MS,
    update: STALE_MS / 5,
    onCompromised: (error: Error) => {
      // Another process took the lock over (this one stalled past STALE_MS): say so loudly, keep running.
      console.error(`The lock of the embedded database in ${dataDir} was lost: ${error.message}`);
    },
  };
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await lockfile.lock(dataDir, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    if (Date.now() >= deadline) {
      throw new DomainError(
        'DATABASE_BUSY',
        `Another sandbox process is using the embedded database in ${dataDir}. Stop it first, or run every process on one PostgreSQL server (DATABASE_URL).`,
      );
    }
    await sleep(100);
  }
}
