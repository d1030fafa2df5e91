import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../domain/errors.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The embedded database serves one process only: a second one writing to the same directory would silently
 * lose data. This lock file, holding the owner's pid, keeps a second process waiting (`waitMs`, so that commands
 * run one after another in a script just queue up) and then refuses it; a stale one is taken over.
 * Resolves to the release function.
 */
export async function lockDataDir(dataDir: string, waitMs: number): Promise<() => void> {
  const file = join(dataDir, 'sandbox.pid');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(file, 'utf8'));
    if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new DomainError(
        'DATABASE_BUSY',
        `Another sandbox process (pid ${owner}) is using the embedded database in ${dataDir}. Stop it first, or run every process on one PostgreSQL server (DATABASE_URL).`,
      );
    }
    await sleep(100);
  }
}
