import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchBranch, readCommit } from '../../src/git/branch.ts';
import { commitChanges, PushRefused, pushWithLease } from '../../src/git/commit.ts';
import { git } from '../../src/git/git.ts';

// Writing a git-backed instance: one commit for many files, pushed with a lease on the tip the bot last read.

let dir: string;
let origin: string;
let work: string;
let mirror: string;
const inWork = (args: string[]) => git(args, { cwd: work });
const tipOf = async (branch: string) => (await git(['rev-parse', `refs/heads/${branch}`], { cwd: origin })).toString().trim();
const source = () => ({ repo: origin, branch: 'staging', path: 'components', mirror });
const AT = new Date('2026-12-04T12:00:00Z');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-commit-'));
  origin = join(dir, 'origin.git');
  work = join(dir, 'work');
  mirror = join(dir, 'mirror.git');
  await git(['init', '-q', '--bare', origin], { cwd: dir });
  await git(['clone', '-q', origin, work], { cwd: dir });
  await inWork(['config', 'user.name', 'Alice']);
  await inWork(['config', 'user.email', 'alice@example.com']);
  await inWork(['checkout', '-q', '-b', 'staging']);
  writeFileSync(join(work, 'README.md'), 'outside the components\n');
  await inWork(['add', '.']);
  await inWork(['commit', '-q', '-m', 'start']);
  await inWork(['push', '-q', 'origin', 'staging']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a commit of many files', () => {
  it('writes, changes and removes files in one commit on the tip read, with its message, author and time; other files stay', async () => {
    const read = await fetchBranch(source());
    const changes = Array.from({ length: 500 }, (_, i) => ({ path: `components/Layout/Screen${i}`, content: `screen ${i}\n` }));
    const first = await commitChanges({ cwd: mirror }, { parent: read, changes: [...changes, { path: 'components/Odd "name"', content: 'quoted\n' }], message: 'DR-1: Screens\n\nSandbox-Request: DR-1\nSandbox-Run: RUN-4\nDeployed-by: U0DEPLOY', author: { name: 'Sandbox bot', email: 'sandbox@example.com' }, at: AT });
    await pushWithLease({ cwd: mirror }, origin, 'staging', first, read);
    expect(await tipOf('staging')).toBe(first);
    const files = await readCommit({ mirror, path: 'components' }, first).catch((e: Error) => e);
    expect(files).toBeInstanceOf(Error); // "Odd "name"" is not a Type/Name path: the reader refuses it, naming it
    expect((files as Error).message).toContain('components/Odd "name"');

    const second = await commitChanges({ cwd: mirror }, { parent: first, changes: [{ path: 'components/Odd "name"', content: null }, { path: 'components/Layout/Screen1', content: 'changed\n' }], message: 'DR-2', author: { name: 'Sandbox bot', email: 'sandbox@example.com' }, at: AT });
    await pushWithLease({ cwd: mirror }, origin, 'staging', second, first);
    const components = await readCommit({ mirror, path: 'components' }, second);
    expect(components).toHaveLength(500);
    expect(components.find((c) => c.key === 'Layout/Screen1')?.content).toBe('changed\n');
    const log = (await git(['log', '--format=%an|%ae|%aI|%B%x00', '-2', second], { cwd: origin })).toString();
    expect(log).toContain('Sandbox bot|sandbox@example.com|2026-12-04T12:00:00+00:00|DR-2');
    expect(log).toContain('Sandbox-Request: DR-1\nSandbox-Run: RUN-4\nDeployed-by: U0DEPLOY');
    expect((await git(['show', `${second}:README.md`], { cwd: origin })).toString()).toBe('outside the components\n');
  });

  it('refuses the push when the branch moved since it was read, and leaves the branch as it is', async () => {
    const read = await fetchBranch(source());
    // Someone pushes meanwhile.
    await inWork(['pull', '-q', 'origin', 'staging']);
    writeFileSync(join(work, 'components-by-hand'), 'x');
    await inWork(['add', '.']);
    await inWork(['commit', '-q', '-m', 'by hand']);
    await inWork(['push', '-q', 'origin', 'staging']);
    const moved = await tipOf('staging');

    const mine = await commitChanges({ cwd: mirror }, { parent: read, changes: [{ path: 'components/Layout/New', content: 'new\n' }], message: 'DR-3', author: { name: 'Sandbox bot', email: 'sandbox@example.com' }, at: AT });
    const refused = await pushWithLease({ cwd: mirror }, origin, 'staging', mine, read).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PushRefused);
    expect((refused as PushRefused).message).toBe('The push to staging was refused: staging moved since it was read (someone pushed to it)');
    expect(await tipOf('staging')).toBe(moved);
  });
});
