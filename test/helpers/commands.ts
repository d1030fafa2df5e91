import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach } from 'vitest';

// Helpers of the tests of commands (targets, checks, hooks): the folder they run in, and their processes.

/** Whether a process of this id still runs (a zombie, ended and waiting to be reaped, does not). */
export function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until the process has ended (a signal is delivered and acted on asynchronously), at most 5 s. */
export async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return !alive(pid);
}

/**
 * A fresh folder for each test, the one the commands run in (the pipeline file's), removed after it: `script`
 * writes an executable shell script there, `file` reads what a command wrote there.
 */
export function useCommandFolder(name: string) {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `sandbox-${name}-`));
    return () => rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    script(file: string, body: string) {
      writeFileSync(join(dir, file), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, file), 0o755);
    },
    file: (file: string) => readFileSync(join(dir, file), 'utf8'),
  };
}
