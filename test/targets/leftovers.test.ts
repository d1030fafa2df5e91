import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, gone } from '../helpers/commands.ts';
import { endLeftovers, recordCommand } from '../../src/targets/leftovers.ts';

// A bot that dies leaves its commands running in their own process groups: the next start on the machine ends them.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A command left running: a shell in a group of its own with a child, as the runner starts them. */
function leftBehind() {
  const shell = spawn('/bin/sh', ['-c', 'sleep 300 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise<{ group: number; child: number }>((resolve) => shell.stdout.once('data', (data) => resolve({ group: shell.pid!, child: Number(String(data).trim()) })));
}

/** Its record, as written by a bot process that is gone now. */
function recordedByDeadBot(ledger: string, run: string, group: number) {
  recordCommand(ledger, run, group);
  const dead = spawnSync('/bin/true').pid!;
  const file = join(ledger, `${group}.json`);
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), bot: dead }));
}

describe('commands left running', () => {
  it('are ended with everything they started once their bot is gone, and forgotten', async () => {
    const ledger = mkdtempSync(join(tmpdir(), 'sandbox-ledger-'));
    dirs.push(ledger);
    const { group, child } = await leftBehind();
    recordedByDeadBot(ledger, 'RUN-7', group);
    expect(endLeftovers(ledger)).toEqual([{ run: 'RUN-7', group }]);
    expect(await gone(child)).toBe(true);
    expect(await gone(group)).toBe(true);
    expect(readdirSync(ledger)).toEqual([]);
    expect(endLeftovers(ledger)).toEqual([]);
  });

  it('are left alone while their bot lives, and forgotten once it ends them itself', async () => {
    const ledger = mkdtempSync(join(tmpdir(), 'sandbox-ledger-'));
    dirs.push(ledger);
    const { group, child } = await leftBehind();
    const forget = recordCommand(ledger, 'RUN-8', group);
    expect(endLeftovers(ledger)).toEqual([]);
    expect(alive(child)).toBe(true);
    process.kill(-group, 'SIGKILL');
    forget();
    expect(readdirSync(ledger)).toEqual([]);
  });
});
