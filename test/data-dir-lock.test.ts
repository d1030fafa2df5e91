import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.ts';
import { onPostgres } from './helpers/database.ts';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(!onPostgres)('the embedded database serves one process', () => {
  it('refuses a second process on the same data directory, and frees it on close', async () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dir, 'sandbox.pid'), String(holder.pid));
      await expect(openDatabase({ dataDir: dir, lockWaitMs: 300 })).rejects.toMatchObject({
        code: 'DATABASE_BUSY',
        message: expect.stringContaining(`Another sandbox process (pid ${holder.pid}) is using the embedded database`),
      });
    } finally {
      holder.kill();
    }
  });

  it('refuses a second open in the same process while the first is open', async () => {
    const dir = freshDir();
    const first = await openDatabase({ dataDir: dir });
    try {
      await expect(openDatabase({ dataDir: dir, lockWaitMs: 300 })).rejects.toMatchObject({ code: 'DATABASE_BUSY' });
    } finally {
      await first.close();
    }
  });

  it('waits for a process that finishes soon instead of refusing at once', async () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 500)']);
    writeFileSync(join(dir, 'sandbox.pid'), String(holder.pid));
    const started = Date.now();
    const handle = await openDatabase({ dataDir: dir, lockWaitMs: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await handle.ping()).toBe(true);
    await handle.close();
  });

  it('takes over the lock of a process that died, and releases its own', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'sandbox.pid'), '999999999');
    const first = await openDatabase({ dataDir: dir });
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    expect(await second.ping()).toBe(true);
    await second.close();
  });
});
