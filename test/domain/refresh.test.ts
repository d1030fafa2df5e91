import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/domain/services/index.ts';
import { git } from '../../src/git/git.ts';
import { gitSources } from '../../src/git/sources.ts';
import { exclusiveWork } from '../../src/db/exclusive.ts';
import { writeFiles } from '../helpers/files.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ALICE, as, createWorld, type World } from '../helpers/world.ts';
import { lastAudit, refused } from './support.ts';

// Refreshing a git-backed instance (DESIGN.md section 9) from a local bare repository: its components become what
// the branch holds, each edit made by the author of its commit.

let db: TestDatabase;
let world: World;
let services: Services;
let dir: string;
let origin: string;
let work: string;
const inWork = (args: string[], env?: NodeJS.ProcessEnv) => git(args, { cwd: work, env: env && { ...process.env, ...env } });

/** Commits `files` (path → content; null removes it) on dev-alice as `author` and pushes it. */
async function commit(files: Record<string, string | Buffer | null>, author = 'alice@example.com') {
  writeFiles(work, files);
  await inWork(['add', '-A']);
  await inWork(['commit', '-q', '-m', 'change'], { GIT_AUTHOR_EMAIL: author, GIT_AUTHOR_NAME: author.split('@')[0] });
  await inWork(['push', '-q', 'origin', 'HEAD:dev-alice']);
}

const contents = async () => Object.fromEntries((await services.components.list('dev-alice')).map((c) => [c.key, [c.content, c.changedBy, c.dependsOn.join(',')]]));

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

describe('refreshing an instance kept in git', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    dir = mkdtempSync(join(tmpdir(), 'sandbox-refresh-'));
    origin = join(dir, 'origin.git');
    work = join(dir, 'work');
    await git(['init', '-q', '--bare', origin], { cwd: dir });
    await git(['init', '-q', '-b', 'dev-alice', work], { cwd: dir });
    await inWork(['config', 'user.name', 'Committer']);
    await inWork(['config', 'user.email', 'committer@example.com']);
    await inWork(['remote', 'add', 'origin', origin]);
    const sources = gitSources({ 'dev-alice': { repo: origin, branch: 'dev-alice', path: 'components' } }, join(dir, 'mirrors'));
    services = createServices({ ...world.services.deps, sources });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the components what the branch holds, each edit by its commit’s author, and audits it', async () => {
    await commit({ 'components/Layout/Account': 'v1\n', 'components/Field/Tier': 'picklist\n', 'components/.dependencies.json': '{"Layout/Account":["Field/Tier"]}' });
    const first = await services.refresh(as(ALICE), 'dev-alice');
    expect(first).toMatchObject({ changed: true, written: ['Field/Tier', 'Layout/Account'], removed: [] });
    expect(await contents()).toEqual({ 'Field/Tier': ['picklist\n', 'alice@example.com', ''], 'Layout/Account': ['v1\n', 'alice@example.com', 'Field/Tier'] });
    expect(await lastAudit(world)).toMatchObject({ action: 'refresh', subject: 'dev-alice', outcome: 'succeeded', details: { tip: first.tip, written: 2, removed: 0 } });

    await commit({ 'components/Layout/Account': 'v2\n', 'components/Field/Tier': null }, 'bob@example.com');
    const second = await services.refresh(as(ALICE), 'dev-alice');
    expect(second).toMatchObject({ changed: true, written: ['Layout/Account'], removed: ['Field/Tier'] });
    expect(await contents()).toEqual({ 'Layout/Account': ['v2\n', 'bob@example.com', 'Field/Tier'] });

    const again = await services.refresh(as(ALICE), 'dev-alice');
    expect(again).toMatchObject({ changed: false, tip: second.tip, written: [], removed: [] });
  });

  it('refuses a branch with a file that is not a component, naming it, and imports nothing of it', async () => {
    await commit({ 'components/Layout/Account': 'v1\n' });
    await services.refresh(as(ALICE), 'dev-alice');
    await commit({ 'components/Layout/Account': 'v2\n', 'components/notes.txt': 'hello' });
    const error = await refused(services.refresh(as(ALICE), 'dev-alice'), 'INVALID_STATE');
    expect(error.message).toContain('components/notes.txt is not a component');
    expect(error.message).toContain('Nothing of it was imported');
    expect(await contents()).toEqual({ 'Layout/Account': ['v1\n', 'alice@example.com', ''] });
    expect(await lastAudit(world)).toMatchObject({ action: 'refresh', outcome: 'refused' });
  });

  it('refuses a repository it cannot reach with what to check, and an instance not kept in git', async () => {
    const nowhere = gitSources({ 'dev-alice': { repo: join(dir, 'missing.git'), branch: 'dev-alice', path: '' } }, join(dir, 'mirrors'));
    const unreachable = await refused(createServices({ ...world.services.deps, sources: nowhere }).refresh(as(ALICE), 'dev-alice'), 'INVALID_STATE');
    expect(unreachable.message).toMatch(/^dev-alice could not be read from branch dev-alice of .*missing\.git \(git said: .+\)\. Check that the repository and the branch exist/);
    const notGit = await refused(services.refresh(as(ALICE), 'dev-bob'), 'INVALID_STATE');
    expect(notGit.message).toContain('dev-bob is not kept in git');
  });

  it('reads the branch before a send and before a sync of the instance, so that what was pushed is what goes', async () => {
    await world.put('staging', { 'Layout/Home': 'h1\n' });
    await commit({ 'components/Layout/Home': 'h1\n' });
    await services.sync(as(ALICE), 'dev-alice');
    expect(await contents()).toEqual({ 'Layout/Home': ['h1\n', 'alice@example.com', ''] });

    await commit({ 'components/Layout/Home': 'h1\n', 'components/Layout/Account': 'pushed, never refreshed\n' });
    const sent = await services.send(as(ALICE), { instance: 'dev-alice', message: 'from git' });
    expect((await services.diff(sent.request.id)).items.map((i) => [i.key, i.action])).toEqual([['Layout/Account', 'add']]);
  });

  it('is done by the scheduler for every instance kept in git, which names those it could not read', async () => {
    await commit({ 'components/Layout/Account': 'v1\n' });
    expect(await services.scheduler.refreshAll()).toEqual([]);
    expect(await contents()).toEqual({ 'Layout/Account': ['v1\n', 'alice@example.com', ''] });
    expect(await lastAudit(world)).toMatchObject({ action: 'refresh', actor: 'scheduler', via: 'scheduler' });

    const broken = gitSources({ 'dev-alice': { repo: join(dir, 'missing.git'), branch: 'dev-alice', path: '' } }, join(dir, 'mirrors'));
    const failed = await createServices({ ...world.services.deps, sources: broken }).scheduler.refreshAll();
    expect(failed.map((f) => f.instance)).toEqual(['dev-alice']);
    expect(failed[0]!.reason).toContain('could not be read from branch dev-alice');
  });

  it('of refreshes asked at once, in one process or in two on one PostgreSQL, fetches and imports the branch once', async () => {
    await commit({ 'components/Layout/Account': 'v1\n' });
    let fetches = 0;
    const sources = gitSources({ 'dev-alice': { repo: origin, branch: 'dev-alice', path: 'components' } }, join(dir, 'mirrors'));
    const counting = { ...sources, read: (instance: string, since: string | null) => (fetches++, sources.read(instance, since)) };
    const replica = () => createServices({ ...world.services.deps, sources: counting, exclusive: exclusiveWork(db) });
    const one = replica();
    // In one process: five at once; in two (on PostgreSQL only: the embedded database is opened by one process).
    const callers = onPostgres ? [one, one, one, replica(), replica()] : [one, one, one, one, one];
    const results = await Promise.all(callers.map((s) => s.refresh(as(ALICE), 'dev-alice')));
    expect(fetches).toBe(1);
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.tip)).size).toBe(1);
    expect(await contents()).toEqual({ 'Layout/Account': ['v1\n', 'alice@example.com', ''] });
  });

  it('reads a branch rewritten since its last read, through a mirror that never saw that read', async () => {
    await commit({ 'components/Layout/Account': 'v1\n' });
    await services.refresh(as(ALICE), 'dev-alice');
    writeFileSync(join(work, 'components/Layout/Account'), 'rewritten\n');
    await inWork(['commit', '-q', '-a', '--amend', '-m', 'rewritten']);
    await inWork(['push', '-q', '--force', 'origin', 'HEAD:dev-alice']);
    const elsewhere = createServices({ ...world.services.deps, sources: gitSources({ 'dev-alice': { repo: origin, branch: 'dev-alice', path: 'components' } }, join(dir, 'other-mirrors')) });
    expect((await elsewhere.refresh(as(ALICE), 'dev-alice')).written).toEqual(['Layout/Account']);
    expect(await contents()).toEqual({ 'Layout/Account': ['rewritten\n', 'alice@example.com', ''] });
  });
});
