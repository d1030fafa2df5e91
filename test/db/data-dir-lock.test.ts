import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { onPostgres } from '../helpers/database.ts';
import { pgliteDataDir } from '../helpers/templates.ts';

const dirs: { remove(): void }[] = [];
const children: ChildProcess[] = [];
/** A data directory of its own (an embedded database, migrated and empty, as the template is). */
const freshDir = () => {
  const data = pgliteDataDir('lock');
  dirs.push(data);
  return data.dir;
};
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
  for (const dir of dirs.splice(0)) dir.remove();
});

/** Another process that takes the lock of `dir` the way the app does, holds it `holdMs`, then releases it. */
async function otherProcessHolding(dir: string, holdMs: number) {
  const script = `
    const lockfile = require('proper-lockfile');
    lockfile.lock(${JSON.stringify(dir)}, { realpath: false, lockfilePath: ${JSON.stringify(join(dir, 'sandbox.lock'))}, stale: 10000, update: 2000 })
      .then((release) => { console.log('locked'); setTimeout(() => release().then(() => process.exit(0)), ${holdMs}); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd() });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return child;
}

describe.runIf(!onPostgres)('the embedded database serves one process', () => {
  it('refuses a second process on the same data directory', async () => {
    const dir = freshDir();
    await otherProcessHolding(dir, 60_000);
    await expect(openDatabase({ dataDir: dir, lockWaitMs: 300 })).rejects.toMatchObject({
      code: 'DATABASE_BUSY',
      message: expect.stringContaining(`Another sandbox process is using the embedded database in ${dir}`),
    });
  });

  it('refuses a second open in the same process while the first is open, and frees the directory on close', async () => {
    const dir = freshDir();
    const first = await openDatabase({ dataDir: dir });
    try {
      await expect(openDatabase({ dataDir: dir, lockWaitMs: 300 })).rejects.toMatchObject({ code: 'DATABASE_BUSY' });
    } finally {
      await first.close();
    }
    const second = await openDatabase({ dataDir: dir, lockWaitMs: 300 });
    expect(await second.ping()).toBe(true);
    await second.close();
  });

  it('waits for a process that finishes soon instead of refusing at once', async () => {
    const dir = freshDir();
    await otherProcessHolding(dir, 500);
    const started = Date.now();
    const handle = await openDatabase({ dataDir: dir, lockWaitMs: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await handle.ping()).toBe(true);
    await handle.close();
  });

  it('takes over the lock of a process that died without releasing it', async () => {
    const dir = freshDir();
    const lock = join(dir, 'sandbox.lock');
    mkdirSync(lock);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lock, aMinuteAgo, aMinuteAgo);
    const handle = await openDatabase({ dataDir: dir, lockWaitMs: 300 });
    expect(await handle.ping()).toBe(true);
    await handle.close();
  });
});
