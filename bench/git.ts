/**
 * Instances kept in git, on a 10,000-file branch in a local bare repository:
 *
 * - A deployment of 10,000 components into a git-backed production (every one of them changed: one commit of 10,000
 *   files, pushed with a lease), beside a floor that writes the same files as one commit with `git fast-import` and
 *   pushes it to a bare repository of its own. Target ≤ 2×.
 * - A refresh of a git-backed instance after an outside commit changed 100 of its 10,000 files, beside a floor of
 *   `git diff-tree` between the two commits plus reading those 100 files (one `git cat-file --batch`). A refresh must
 *   fetch the branch first: the floor does too (`git fetch` of the commit into a bare mirror of its own, then the
 *   diff and the reads there). Target ≤ 2×. Diff and reads alone, without the fetch, are timed and printed beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseHandle } from '../src/db/client.ts';
import type { Actor } from '../src/domain/ports.ts';
import { commitChanges } from '../src/git/commit.ts';
import { CatFileBatch, git, splitZ } from '../src/git/git.ts';
import { gitSources } from '../src/git/sources.ts';
import { measure, type Sample } from './measure.ts';
import { benchServices } from './services.ts';

export const GIT_BENCH = { files: 10_000, changed: 100 };

const USER = 'U0BENCH';
const actor: Actor = { user: USER, via: 'cli' };
const AUTHOR = { name: 'Bench', email: 'bench@example.com' };
const FOLDER = 'components';

const TYPES = ['Layout', 'Workflow', 'ApexClass', 'Flow', 'Profile'];
const keyOf = (i: number) => `${TYPES[i % TYPES.length]}/Component${String(i).padStart(6, '0')}`;
const contentOf = (i: number, version: string) => `<component n="${i}" version="${version}">${'x'.repeat(160)}</component>\n`;
const filesOf = (indexes: number[], version: string) => indexes.map((i) => ({ path: `${FOLDER}/${keyOf(i)}`, content: contentOf(i, version) }));
const all = Array.from({ length: GIT_BENCH.files }, (_, i) => i + 1);

interface Options {
  warmup: number;
  repeats: number;
  progress(text: string): void;
}

/** A bare repository whose `branch` starts at one empty commit; answers that commit. */
async function bareRepository(path: string, branch: string): Promise<string> {
  await git(['init', '-q', '--bare', path], { cwd: tmpdir() });
  const start = (await git(['-c', `user.name=${AUTHOR.name}`, '-c', `user.email=${AUTHOR.email}`, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904'], { cwd: path, input: 'Start\n' })).toString().trim();
  await git(['update-ref', `refs/heads/${branch}`, start], { cwd: path });
  return start;
}

/** A deployment of 10,000 changed components into a git-backed production, and its floor, `repeats` times after `warmup`. */
export async function benchGitDeploy(handle: DatabaseHandle, o: Options): Promise<{ op: Sample[]; floor: Sample[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-git-'));
  try {
    const origin = join(dir, 'origin.git');
    await bareRepository(origin, 'production');
    // The floor writes into a repository of its own and pushes to another: the same work, without the bot.
    const floorWork = join(dir, 'floor-work.git');
    const floorOrigin = join(dir, 'floor-origin.git');
    let floorTip = await bareRepository(floorWork, 'production');
    await bareRepository(floorOrigin, 'production');
    await git(['push', '-q', '--force', floorOrigin, `${floorTip}:refs/heads/production`], { cwd: floorWork });
    const config = `
admins: [${USER}]
environments:
  - { name: Development, kind: development, instances: [dev-bench] }
  - { name: Production, kind: production, instances: [{ name: production, git: { repo: "${origin}", branch: production, path: ${FOLDER} } }], deployers: [${USER}] }
`;
    const services = await benchServices(handle, config, [USER], { sources: gitSources({ production: { repo: origin, branch: 'production', path: FOLDER } }, join(dir, 'mirrors')) });
    await services.refresh(actor, 'production');
    const op: Sample[] = [];
    const floor: Sample[] = [];
    for (let rep = 0; rep < o.warmup + o.repeats; rep++) {
      const keep = rep >= o.warmup;
      const version = `v${rep + 1}`;
      o.progress(`git deployment ${keep ? `${rep - o.warmup + 1}/${o.repeats}` : 'warm-up'}`);
      // Not measured: the developer syncs, changes all 10,000 components and sends them (no approval needed).
      await services.sync(actor, 'dev-bench', 'production');
      await services.components.put(actor, 'dev-bench', all.map((i) => ({ key: keyOf(i), content: contentOf(i, version) })));
      const { request } = await services.send(actor, { instance: 'dev-bench', message: `all ${version}` });
      const deployed = await measure(async () => {
        const result = await services.deploy(actor, request.id);
        if (!result.succeeded) throw new Error(`bench: the git deployment failed: ${result.reason}`);
      });
      const floored = await measure(async () => {
        const commit = await commitChanges({ cwd: floorWork }, { parent: floorTip, changes: filesOf(all, version), message: `all ${version}`, author: AUTHOR, at: new Date() });
        await git(['push', '-q', `--force-with-lease=refs/heads/production:${floorTip}`, floorOrigin, `${commit}:refs/heads/production`], { cwd: floorWork });
        floorTip = commit;
      });
      const files = Number((await git(['ls-tree', '-r', '--name-only', 'production', '--', FOLDER], { cwd: origin })).toString().split('\n').filter(Boolean).length);
      if (files !== GIT_BENCH.files) throw new Error(`bench: production's branch holds ${files} files, not ${GIT_BENCH.files}`);
      if (keep) {
        op.push(deployed);
        floor.push(floored);
      }
    }
    return { op, floor };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `git diff-tree` between two commits, then the files that changed read through one `git cat-file --batch`. */
async function diffAndRead(repository: string, before: string, after: string) {
  const fields = splitZ(await git(['diff-tree', '-r', '-z', '--no-commit-id', before, after], { cwd: repository }));
  const batch = new CatFileBatch({ cwd: repository });
  const blobs = fields.filter((_, i) => i % 2 === 0).map((meta) => meta.split(' ')[3]!);
  const read = (await Promise.all(blobs.map((oid) => batch.read(oid)))).filter((object) => 'content' in object).length;
  await batch.close();
  if (read !== GIT_BENCH.changed) throw new Error(`bench: the floor read ${read} files, not ${GIT_BENCH.changed}`);
}

/** A refresh after an outside commit of 100 changed files on a 10,000-file branch, its floor, and diff and reads without the fetch. */
export async function benchGitRefresh(handle: DatabaseHandle, o: Options): Promise<{ op: Sample[]; floor: Sample[]; withoutFetch: Sample[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-git-'));
  try {
    const origin = join(dir, 'origin.git');
    // Someone else's repository, where the outside commits are made; it holds every object the floor reads.
    const outside = join(dir, 'outside.git');
    let tip = await bareRepository(outside, 'dev');
    const push = async (commit: string) => git(['push', '-q', '--force', origin, `${commit}:refs/heads/dev`], { cwd: outside });
    await git(['init', '-q', '--bare', origin], { cwd: dir });
    tip = await commitChanges({ cwd: outside }, { parent: tip, changes: filesOf(all, 'v0'), message: 'all', author: AUTHOR, at: new Date() });
    await push(tip);
    const config = `
admins: [${USER}]
environments:
  - { name: Development, kind: development, instances: [{ name: dev-git, git: { repo: "${origin}", branch: dev, path: ${FOLDER} } }] }
  - { name: Production, kind: production, instances: [production] }
`;
    const services = await benchServices(handle, config, [USER], { sources: gitSources({ 'dev-git': { repo: origin, branch: 'dev', path: FOLDER } }, join(dir, 'mirrors')) });
    o.progress('git refresh: first read of the 10,000 files');
    await services.refresh(actor, 'dev-git');
    const fetchMirror = join(dir, 'fetch-only.git');
    await git(['init', '-q', '--bare', fetchMirror], { cwd: dir });
    const fetchInto = () => git(['fetch', '-q', '--no-tags', '--force', origin, 'refs/heads/dev:refs/heads/dev'], { cwd: fetchMirror });
    await fetchInto();
    const op: Sample[] = [];
    const floor: Sample[] = [];
    const withoutFetch: Sample[] = [];
    for (let rep = 0; rep < o.warmup + o.repeats; rep++) {
      const keep = rep >= o.warmup;
      o.progress(`git refresh ${keep ? `${rep - o.warmup + 1}/${o.repeats}` : 'warm-up'}`);
      // Not measured: someone changes 100 of the files (a different hundred each time) and pushes.
      const changed = Array.from({ length: GIT_BENCH.changed }, (_, i) => ((rep * GIT_BENCH.changed + i) * 97) % GIT_BENCH.files + 1);
      const before = tip;
      tip = await commitChanges({ cwd: outside }, { parent: before, changes: filesOf(changed, `r${rep}`), message: `change ${rep}`, author: AUTHOR, at: new Date() });
      await push(tip);
      const refreshed = await measure(async () => {
        const result = await services.refresh(actor, 'dev-git');
        if (result.written.length !== GIT_BENCH.changed) throw new Error(`bench: the refresh wrote ${result.written.length} components, not ${GIT_BENCH.changed}`);
      });
      const floored = await measure(async () => {
        await fetchInto();
        await diffAndRead(fetchMirror, before, tip);
      });
      const read = await measure(() => diffAndRead(fetchMirror, before, tip));
      if (keep) {
        op.push(refreshed);
        floor.push(floored);
        withoutFetch.push(read);
      }
    }
    return { op, floor, withoutFetch };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
