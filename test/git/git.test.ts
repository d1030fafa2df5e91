import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatFileBatch, git, GitError, maskCredentials, splitZ } from '../../src/git/git.ts';
import { gone } from '../helpers/commands.ts';

// The one module that runs the git program: real git, on local repositories.

let dir: string;
let work: string;

const run = (args: string[], cwd = work) => git(args, { cwd }).then((out) => out.toString('utf8').trim());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-git-'));
  await git(['init', '--bare', '--initial-branch=main', join(dir, 'origin.git')], { cwd: dir });
  await git(['clone', join(dir, 'origin.git'), join(dir, 'work')], { cwd: dir });
  work = join(dir, 'work');
  await run(['config', 'user.name', 'Alice']);
  await run(['config', 'user.email', 'alice@example.com']);
  await run(['checkout', '-b', 'main']);
  writeFileSync(join(work, 'a file'), 'first\n');
  writeFileSync(join(work, 'b'), Buffer.from([0, 1, 2, 10, 255]));
  await run(['add', '.']);
  await run(['commit', '-m', 'first']);
  await run(['push', 'origin', 'main']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('git', () => {
  it('resolves with the standard output of a command that succeeds', async () => {
    const head = await run(['rev-parse', 'HEAD']);
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(await run(['rev-parse', 'main'], join(dir, 'origin.git'))).toBe(head);
  });

  it('reads -z output as its fields, names with spaces and all', async () => {
    const names = splitZ(await git(['ls-tree', '-z', '--name-only', 'HEAD'], { cwd: work }));
    expect(names).toEqual(['a file', 'b']);
  });

  it('rejects a failing command with a GitError naming it, its exit code and what git said', async () => {
    const error = await git(['rev-parse', '--verify', 'no-such-branch'], { cwd: work }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).exitCode).toBe(128);
    expect((error as GitError).message).toMatch(/^git rev-parse failed \(exit 128\): fatal: Needed a single revision/);
  });

  it('never carries a credential of a remote URL in its error', async () => {
    const error = (await git(['ls-remote', 'http://alice:s3cret-token@127.0.0.1:9/acme/config.git'], { cwd: work, env: { PATH: '/usr/bin:/bin', GIT_TERMINAL_PROMPT: '0' } }).catch((e: unknown) => e)) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(error.message).toContain('ls-remote');
    expect(error.message).not.toContain('s3cret-token');
    expect(maskCredentials('fatal: unable to access https://bot:ghp_abc@git.example.com/x.git/')).toBe('fatal: unable to access https://***@git.example.com/x.git/');
    expect(maskCredentials('https://ghp_abc@git.example.com/x.git and HTTP://ghp_def@host/y')).toBe('https://***@git.example.com/x.git and HTTP://***@host/y');
    expect(maskCredentials('ssh://git@git.example.com/x.git, ssh://git:pw@host/y')).toBe('ssh://git@git.example.com/x.git, ssh://***@host/y');
  });

  it('ends a command that takes longer than its timeout, with everything it started', async () => {
    const pidFile = join(dir, 'helper.pid');
    // An alias runs a shell, which becomes a sleep: a helper of git's, as ssh or remote-https are.
    const waiting = git(['-c', `alias.wait=!echo $$ > '${pidFile}'; exec sleep 30`, 'wait'], { cwd: work, timeoutMs: 500 });
    const error = (await waiting.catch((e: unknown) => e)) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(error.message).toBe('git -c took longer than 0.5 s and was stopped.');
    const helper = Number(readFileSync(pidFile, 'utf8'));
    // Its pipes close as it ends, so the command may settle a moment before the helper has quite gone.
    expect(await gone(helper)).toBe(true);
  });

  it('writes its input to the command', async () => {
    const oid = await git(['hash-object', '-w', '--stdin'], { cwd: work, input: 'from stdin\n' });
    expect(await run(['cat-file', '-p', oid.toString('utf8').trim()])).toBe('from stdin');
  });
});

describe('CatFileBatch', () => {
  it('reads many objects through one process, in order, binary content exact, a missing one said so', async () => {
    const [text, binary] = splitZ(await git(['ls-tree', '-z', '--object-only', 'HEAD'], { cwd: work }));
    const batch = new CatFileBatch({ cwd: work });
    try {
      const [a, missing, b] = await Promise.all([batch.read(text!), batch.read('0'.repeat(40)), batch.read(binary!)]);
      expect(a).toEqual({ oid: text, type: 'blob', content: Buffer.from('first\n') });
      expect(missing).toEqual({ oid: '0'.repeat(40), missing: true });
      expect(b).toEqual({ oid: binary, type: 'blob', content: Buffer.from([0, 1, 2, 10, 255]) });
    } finally {
      await batch.close();
    }
    await expect(batch.read(text!)).rejects.toThrow(/cat-file --batch ended/);
  });
});
