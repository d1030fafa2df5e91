import { describe, expect, it } from 'vitest';
import { gone } from '../helpers/commands.ts';
import { LINE_LIMIT, type OutputLine, runCommand } from '../../src/targets/command.ts';

// Commands of targets, checks and hooks: real processes, each in a process group of its own that is ended whole.

const PATH = '/usr/local/bin:/usr/bin:/bin';

async function run(command: string, o: { timeoutMs?: number; idleTimeoutMs?: number; env?: Record<string, string>; signal?: AbortSignal } = {}) {
  const lines: OutputLine[] = [];
  let group: number | undefined;
  const result = await runCommand({
    command,
    cwd: process.cwd(),
    env: { PATH, ...o.env },
    timeoutMs: o.timeoutMs ?? 10_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 10_000,
    signal: o.signal,
    onLine: (line) => void lines.push(line),
    onStart: (g) => (group = g),
  });
  return { result, lines, group, text: (stream: OutputLine['stream']) => lines.filter((l) => l.stream === stream).map((l) => l.text) };
}

describe('a command', () => {
  it('streams its stdout and stderr line by line and succeeds on exit 0, fails otherwise with its code', async () => {
    const ok = await run('echo one; echo two >&2; printf "three\\nfour"');
    expect(ok.result).toMatchObject({ ended: 'exited', code: 0, ok: true });
    expect(ok.text('stdout')).toEqual(['one', 'three', 'four']);
    expect(ok.text('stderr')).toEqual(['two']);
    const failed = await run('echo trying; exit 3');
    expect(failed.result).toMatchObject({ ended: 'exited', code: 3, ok: false });
    expect(failed.text('stdout')).toEqual(['trying']);
  });

  it('gets only the environment given: nothing of the bot’s', async () => {
    const { text } = await run('echo "token=${API_TOKEN:-none} home=${HOME:-none} signing=${SLACK_SIGNING_SECRET:-none}"', { env: { API_TOKEN: 'given' } });
    expect(text('stdout')).toEqual(['token=given home=none signing=none']);
  });

  it('hands on a line without a break in pieces, so that output never piles up in memory', async () => {
    const { text } = await run(`head -c ${LINE_LIMIT * 2 + 10} /dev/zero | tr '\\0' x; echo; echo after`);
    expect(text('stdout').map((l) => l.length)).toEqual([LINE_LIMIT, LINE_LIMIT, 10, 5]);
  });

  it('is ended with everything it started when its timeout passes', async () => {
    const started = Date.now();
    const { result, text } = await run('sleep 30 & echo $!; wait', { timeoutMs: 300 });
    expect(result).toMatchObject({ ended: 'timeout', ok: false });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await gone(Number(text('stdout')[0]))).toBe(true);
  });

  it('is ended when it prints nothing for longer than its idle timeout, and not while it keeps printing', async () => {
    const busy = await run('for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done', { idleTimeoutMs: 1_000 });
    expect(busy.result.ok).toBe(true);
    const silent = await run('echo waiting; sleep 30', { idleTimeoutMs: 300 });
    expect(silent.result).toMatchObject({ ended: 'idle', ok: false });
    expect(silent.text('stdout')).toEqual(['waiting']);
  });

  it('is ended when cancelled, and leaves nothing running once it exits on its own', async () => {
    const controller = new AbortController();
    const cancelled = run('echo $$; sleep 30', { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect((await cancelled).result).toMatchObject({ ended: 'cancelled', ok: false });
    const left = await run('sleep 30 > /dev/null 2>&1 & echo $!');
    expect(left.result.ok).toBe(true);
    expect(await gone(Number(left.text('stdout')[0]))).toBe(true);
  });

  it('is started by the launcher, a small process of the bot’s, not by the bot itself', async () => {
    // Starting a process from the bot leaves its memory copy-on-write: a bot of a gigabyte pays a fault per page after.
    const { text } = await run('echo "$PPID $(cut -d" " -f4 /proc/$PPID/stat)"');
    const [launcher, itsParent] = text('stdout')[0]!.split(' ').map(Number);
    expect(launcher).not.toBe(process.pid);
    expect(itsParent).toBe(process.pid);
  });

  it('ends, with everything it started, when the launcher is killed; the next command gets a new launcher', async () => {
    let said = (_line: string) => {};
    const heard = new Promise<string>((resolve) => (said = resolve));
    const cut = runCommand({ command: 'echo "$PPID $$"; exec sleep 30', cwd: process.cwd(), env: { PATH }, timeoutMs: 10_000, idleTimeoutMs: 10_000, onLine: (line) => said(line.text) });
    const [launcher, shell] = (await heard).split(' ').map(Number);
    process.kill(launcher!, 'SIGKILL');
    expect(await cut).toMatchObject({ ended: 'exited', code: null, ok: false });
    expect(await gone(shell!)).toBe(true);
    const next = await run('echo $PPID');
    expect(next.result.ok).toBe(true);
    expect(Number(next.text('stdout')[0])).not.toBe(launcher);
  });

  it('is let go when its reader stops early: it gets a broken pipe instead of waiting for its timeout', { timeout: 10_000 }, async () => {
    const reading = runCommand({
      command: 'seq 1 1000000',
      cwd: process.cwd(),
      env: { PATH },
      timeoutMs: 30_000,
      idleTimeoutMs: 30_000,
      onLine: () => {
        throw new Error('this line cannot be taken');
      },
    });
    await expect(reading).rejects.toThrow('this line cannot be taken');
  });

  it('that cannot start fails alone: the others the launcher runs go on', async () => {
    const other = run('sleep 0.3; echo "still here"');
    await expect(runCommand({ command: 'true', cwd: process.cwd(), env: { PATH, BROKEN: 'a\0b' }, timeoutMs: 1_000, idleTimeoutMs: 1_000, onLine: () => {} })).rejects.toThrow(/null bytes/);
    const { result, text } = await other;
    expect(result.ok).toBe(true);
    expect(text('stdout')).toEqual(['still here']);
  });

  it('is refused with the reason when it cannot start', async () => {
    await expect(runCommand({ command: 'true', cwd: '/no/such/folder', env: { PATH }, timeoutMs: 1_000, idleTimeoutMs: 1_000, onLine: () => {} })).rejects.toThrow(/ENOENT/);
  });
});
