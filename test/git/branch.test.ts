import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BranchRefused, readBranch, readChanges } from '../../src/git/branch.ts';
import { git } from '../../src/git/git.ts';
import { writeFiles } from '../helpers/files.ts';

// Reading a git-backed instance: the files of a branch under a folder, fetched from a local bare repository.

let dir: string;
let origin: string;
let work: string;
const inWork = (args: string[]) => git(args, { cwd: work });

/** Commits `files` (path → content; null removes it) on `branch` (a new one starts empty) and pushes it. */
async function commit(branch: string, files: Record<string, string | Buffer | null>, message = 'change') {
  const exists = await inWork(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).then(() => true, () => false);
  if (exists) await inWork(['checkout', '-q', branch]);
  else {
    await inWork(['checkout', '-q', '--orphan', branch]);
    await inWork(['rm', '-rfq', '--ignore-unmatch', '.']);
    await inWork(['clean', '-fdq']);
  }
  writeFiles(work, files);
  await inWork(['add', '-A']);
  await inWork(['commit', '-q', '-m', message]);
  await inWork(['push', '-q', '--force', 'origin', branch]);
}

let mirrors = 0;
const source = (branch: string, path = 'components') => ({ repo: origin, branch, path, mirror: join(dir, `mirror-${++mirrors}.git`) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-branch-'));
  origin = join(dir, 'origin.git');
  work = join(dir, 'work');
  await git(['init', '-q', '--bare', origin], { cwd: dir });
  await git(['init', '-q', work], { cwd: dir });
  await inWork(['config', 'user.name', 'Alice']);
  await inWork(['config', 'user.email', 'alice@example.com']);
  await inWork(['remote', 'add', 'origin', origin]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading a branch', () => {
  it('takes the Type/Name files under its folder as components, with the dependencies of its .dependencies.json', async () => {
    await commit('dev-alice', {
      'components/Layout/Account': 'sections: [Name, Tier]\n',
      'components/Field/Account.Tier': 'type: picklist\n',
      'components/.dependencies.json': JSON.stringify({ 'Layout/Account': ['Field/Account.Tier'] }),
      'README.md': 'not a component: outside the folder',
    });
    const read = await readBranch(source('dev-alice'));
    expect(read.tip).toBe((await inWork(['rev-parse', 'dev-alice'])).toString().trim());
    expect(read.components).toEqual([
      { key: 'Field/Account.Tier', content: 'type: picklist\n', dependsOn: [] },
      { key: 'Layout/Account', content: 'sections: [Name, Tier]\n', dependsOn: ['Field/Account.Tier'] },
    ]);
  });

  it('follows the branch: a second read of the same mirror sees the new tip, a removed file is gone', async () => {
    const s = source('dev-bob', '');
    await commit('dev-bob', { 'Layout/A': 'a', 'Layout/B': 'b' });
    expect((await readBranch(s)).components.map((c) => c.key)).toEqual(['Layout/A', 'Layout/B']);
    await commit('dev-bob', { 'Layout/B': null, 'Layout/C': 'c' });
    const again = await readBranch(s);
    expect(again.components.map((c) => `${c.key}=${c.content}`)).toEqual(['Layout/A=a', 'Layout/C=c']);
  });

  it('refuses a file that is not UTF-8 text, naming it, and imports nothing of it', async () => {
    await commit('binary', { 'components/Layout/A': 'a', 'components/Static/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe]) });
    const refused = await readBranch(source('binary')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BranchRefused);
    expect((refused as BranchRefused).file).toBe('components/Static/logo.png');
    expect((refused as BranchRefused).message).toMatch(/^components\/Static\/logo\.png is not UTF-8 text/);
  });

  it('refuses a path that is not Type/Name, naming it', async () => {
    await commit('flat', { 'components/Layout/A': 'a', 'components/notes.txt': 'hello' });
    const refused = (await readBranch(source('flat')).catch((e: unknown) => e)) as BranchRefused;
    expect(refused).toBeInstanceOf(BranchRefused);
    expect(refused.message).toBe('components/notes.txt is not a component: files under components are named Type/Name, e.g. Layout/Account. Move or remove it.');
  });

  it('refuses a dependency file that is not a map of keys to lists', async () => {
    await commit('deps', { 'components/Layout/A': 'a', 'components/.dependencies.json': '["Layout/A"]' });
    const refused = (await readBranch(source('deps')).catch((e: unknown) => e)) as BranchRefused;
    expect(refused.message).toBe('components/.dependencies.json must hold a { "Type/Name": ["Dep/Key", …] } map.');
  });

  it('a branch that does not exist is a git error naming the fetch', async () => {
    await expect(readBranch(source('no-such-branch'))).rejects.toThrow(/^git fetch failed \(exit \d+\): .*no-such-branch/);
  });
});

describe('reading what changed between two commits', () => {
  const tipOf = async (branch: string) => (await inWork(['rev-parse', branch])).toString().trim();

  it('reads only the files written or removed, and a component whose dependencies alone changed', async () => {
    const s = source('dev-carol');
    await commit('dev-carol', {
      'components/Layout/A': 'a',
      'components/Layout/B': 'b',
      'components/Layout/C': 'c',
      'components/Field/X': 'x',
      'components/.dependencies.json': JSON.stringify({ 'Layout/A': ['Field/X'] }),
    });
    const before = (await readBranch(s)).tip;
    await commit('dev-carol', {
      'components/Layout/B': 'b2',
      'components/Layout/C': null,
      'components/Layout/D': 'd',
      // Layout/A's file is unchanged, its dependencies are not; a dependency of a component not there is ignored.
      'components/.dependencies.json': JSON.stringify({ 'Layout/A': [], 'Layout/Gone': ['Field/X'], 'Layout/D': ['Field/X'] }),
    });
    const after = (await readBranch(s)).tip;
    expect(await readChanges(s, before, after)).toEqual({
      written: [
        { key: 'Layout/A', content: 'a', dependsOn: [] },
        { key: 'Layout/B', content: 'b2', dependsOn: [] },
        { key: 'Layout/D', content: 'd', dependsOn: ['Field/X'] },
      ],
      removed: ['Layout/C'],
    });
    expect(await readChanges(s, after, after)).toEqual({ written: [], removed: [] });
  });

  it('refuses a changed file that is not UTF-8 text or not Type/Name, naming it', async () => {
    const s = source('dev-dave');
    await commit('dev-dave', { 'components/Layout/A': 'a' });
    const before = (await readBranch(s)).tip;
    await commit('dev-dave', { 'components/Static/logo.png': Buffer.from([0x89, 0xff, 0xfe]) });
    await readBranch(s).catch(() => undefined);
    const refused = await readChanges(s, before, await tipOf('dev-dave')).catch((e: unknown) => e);
    expect((refused as BranchRefused).file).toBe('components/Static/logo.png');
    await commit('dev-dave', { 'components/Static/logo.png': null, 'components/notes.txt': 'hi' });
    await readBranch(s).catch(() => undefined);
    const misplaced = await readChanges(s, before, await tipOf('dev-dave')).catch((e: unknown) => e);
    expect((misplaced as BranchRefused).message).toContain('components/notes.txt is not a component');
  });
});
