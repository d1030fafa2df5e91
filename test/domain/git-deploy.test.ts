import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/domain/services/index.ts';
import { git } from '../../src/git/git.ts';
import { gitSources } from '../../src/git/sources.ts';
import { writeFiles } from '../helpers/files.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, DEPLOYER, QA_MEMBER, as, createWorld, threeStepConfig, type World } from '../helpers/world.ts';
import { refused } from './support.ts';

// A deployment into a git-backed instance (DESIGN.md section 9) is one commit on its branch, pushed with a lease on
// the tip the bot last read, inside the deployment's all-or-nothing: a refused push fails it and changes nothing.

let db: TestDatabase;
let world: World;
let services: Services;
let dir: string;
let origin: string;
let work: string;
const inWork = (args: string[]) => git(args, { cwd: work });

/** Someone commits `files` on the staging branch outside the bot and pushes. */
async function pushOutside(files: Record<string, string>, message = 'outside') {
  await inWork(['pull', '-q', '--rebase', 'origin', 'staging']).catch(() => undefined);
  writeFiles(work, files);
  await inWork(['add', '-A']);
  await inWork(['commit', '-q', '-m', message]);
  await inWork(['push', '-q', 'origin', 'HEAD:staging']);
}

const show = async (what: string) => (await git(['show', '-s', '--format=%B', what], { cwd: origin })).toString();
const file = async (path: string) => (await git(['show', `staging:${path}`], { cwd: origin })).toString();
const staging = async () => Object.fromEntries((await services.components.list('staging')).map((c) => [c.key, c.content]));

async function sentAndApproved(message = 'account tiers') {
  await services.sync(as(ALICE), 'dev-alice');
  await services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2\n', dependsOn: ['Field/Tier'] }, { key: 'Field/Tier', content: 'picklist\n' }]);
  const { request } = await services.send(as(ALICE), { instance: 'dev-alice', message });
  await services.approve(as(QA_MEMBER), request.id);
  return request;
}

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

/**
 * Before each test: a world (of `config`), a bare origin whose branch `staging` holds Layout/Account v1, and the
 * services with `instance` kept on that branch, read once.
 */
function useOrigin(instance: string, config?: string) {
  beforeEach(async () => {
    world = await createWorld(db, config);
    dir = mkdtempSync(join(tmpdir(), 'sandbox-git-deploy-'));
    origin = join(dir, 'origin.git');
    work = join(dir, 'work');
    await git(['init', '-q', '--bare', origin], { cwd: dir });
    await git(['init', '-q', '-b', 'staging', work], { cwd: dir });
    for (const args of [['config', 'user.name', 'Admin'], ['config', 'user.email', 'admin@example.com'], ['remote', 'add', 'origin', origin]]) await inWork(args);
    await pushOutside({ 'components/Layout/Account': 'v1\n' }, 'first');
    services = createServices({ ...world.services.deps, sources: gitSources({ [instance]: { repo: origin, branch: 'staging', path: 'components' } }, join(dir, 'mirrors')) });
    await services.refresh(as(ADMIN), instance);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
}

describe('a deployment into an instance kept in git', () => {
  useOrigin('staging');

  it('is one commit on its branch, with the request, its run, approvers and deployer as trailers', async () => {
    const request = await sentAndApproved();
    const deployed = await services.deploy(as(DEPLOYER), request.id);
    expect(deployed.succeeded).toBe(true);
    expect(await show('staging')).toBe(`DR-1: account tiers\n\nSandbox-Request: DR-1\nSandbox-Run: RUN-${deployed.run.id}\nApproved-by: ${QA_MEMBER}\nDeployed-by: ${DEPLOYER}\n\n`);
    expect(await file('components/Layout/Account')).toBe('v2\n');
    expect(await file('components/Field/Tier')).toBe('picklist\n');
    expect(JSON.parse(await file('components/.dependencies.json'))).toEqual({ 'Layout/Account': ['Field/Tier'] });
    expect((await git(['rev-list', '--count', 'staging'], { cwd: origin })).toString().trim()).toBe('2');
    // The bot knows the tip it wrote: reading the branch again finds nothing new.
    expect((await services.refresh(as(ADMIN), 'staging')).changed).toBe(false);
  });

  it('is refused while the branch moved outside the bot, naming the commits and authors, until it is refreshed', async () => {
    const request = await sentAndApproved();
    await pushOutside({ 'components/Layout/Banner': 'b1\n' }, 'a banner');
    const validated = await services.validate(as(DEPLOYER), request.id);
    expect(validated.ok).toBe(false);
    expect(validated.run.summary).toContain('its branch moved outside the bot');
    const refusal = await refused(services.deploy(as(DEPLOYER), request.id), 'INVALID_STATE');
    expect(refusal.message).toMatch(/^staging's branch moved outside the bot since it was last read: 1 commit \([0-9a-f]{7,} by admin@example\.com: “a banner”\)\. Refresh it \(sandbox refresh staging\)/);
    expect((await services.requestOverview(request.id)).request.state).toBe('approved');
    const [report] = (await services.scheduler.driftReport()).filter((r) => r.instance.name === 'staging');
    expect(report!.branchMoved).toContain('1 commit');
    await services.refresh(as(ADMIN), 'staging');
    expect((await services.deploy(as(DEPLOYER), request.id)).succeeded).toBe(true);
  });

  it('fails when the branch moves between that check and the push (the lease), leaving branch and database as they were', async () => {
    const request = await sentAndApproved();
    await pushOutside({ 'components/Layout/Banner': 'b1\n' });
    const sources = gitSources({ staging: { repo: origin, branch: 'staging', path: 'components' } }, join(dir, 'mirrors'));
    // The push comes right after a check that saw nothing: the lease is what stops it.
    services = createServices({ ...world.services.deps, sources: { ...sources, movedSince: async () => [] } });
    const tipBefore = (await git(['rev-parse', 'staging'], { cwd: origin })).toString();
    const failed = await services.deploy(as(DEPLOYER), request.id);
    expect(failed.succeeded).toBe(false);
    expect(failed.reason).toBe("staging's branch staging moved since it was read (someone pushed to it): refresh staging, then try again.");
    expect((await git(['rev-parse', 'staging'], { cwd: origin })).toString()).toBe(tipBefore);
    expect(await staging()).toEqual({ 'Layout/Account': 'v1\n' });

    await services.refresh(as(ADMIN), 'staging');
    const deployed = await services.deploy(as(DEPLOYER), request.id);
    expect(deployed.succeeded).toBe(true);
    expect(await staging()).toEqual({ 'Field/Tier': 'picklist\n', 'Layout/Account': 'v2\n', 'Layout/Banner': 'b1\n' });
    expect(await file('components/Layout/Banner')).toBe('b1\n');
  });
});

describe('a deployment whose push went out but whose database transaction did not commit', () => {
  useOrigin('staging');

  /** The branch and the database agree again: the branch's files are those of the first commit, and the database knows its tip. */
  async function agreeAgain(runId: number) {
    const tip = (await git(['rev-parse', 'staging'], { cwd: origin })).toString().trim();
    expect(await show('staging')).toMatch(/^Undo “DR-1: account tiers”: RUN-\d+ stopped before the database took it/);
    expect((await git(['diff', '--stat', 'staging~2', 'staging'], { cwd: origin })).toString()).toBe('');
    expect((await world.services.deps.store.instances.gitRead((await world.services.deps.store.instances.byName('staging'))!.id)).tip).toBe(tip);
    expect(await staging()).toEqual({ 'Layout/Account': 'v1\n' });
    const [run] = await services.logs(`RUN-${runId}`);
    expect(run!.lines.some((l) => l.level === 'warn' && /had the commit of RUN-\d+, which the database never took: undone by [0-9a-f]{12}/.test(l.text))).toBe(true);
  }

  it('(the database failed after the push) is undone on the branch, said in its log, and can be deployed again', async () => {
    const request = await sentAndApproved();
    const sources = gitSources({ staging: { repo: origin, branch: 'staging', path: 'components' } }, join(dir, 'mirrors'));
    const failing = createServices({ ...world.services.deps, sources: { ...sources, write: async (i, c) => (await sources.write(i, c), Promise.reject(new Error('the database connection was lost'))) } });
    await expect(failing.deploy(as(DEPLOYER), request.id)).rejects.toThrow('the database connection was lost');
    const runs = await world.services.deps.store.runs.forRequest(request.id);
    await agreeAgain(runs.at(-1)!.id);
    expect((await services.deploy(as(DEPLOYER), request.id)).succeeded).toBe(true);
    expect(await file('components/Layout/Account')).toBe('v2\n');
  });

  it.runIf(onPostgres)('(its process was killed between the push and the database commit) is undone at the next start, said in its log', async () => {
    const request = await sentAndApproved();
    const config = join(dir, 'sandbox.config.yml');
    writeFileSync(config, threeStepConfig.replace('instances: [staging]', `instances: [{ name: staging, git: { repo: "${origin}", branch: staging, path: components } }]`));
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/deploy-then-die.ts', String(request.id)], {
      env: { ...process.env, DATABASE_URL: db.url, SANDBOX_CONFIG: config, SLACK_BOT_TOKEN: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(await show('staging')).toMatch(/^DR-1: account tiers/);
    expect(await staging()).toEqual({ 'Layout/Account': 'v1\n' });
    // The next start (or tick) finds the run of the dead process, and puts the branch back.
    let recovered: Awaited<ReturnType<Services['recoverInterruptedRuns']>> = [];
    for (const deadline = Date.now() + 10_000; recovered.length === 0 && Date.now() < deadline; ) recovered = await services.recoverInterruptedRuns();
    expect(recovered.map((r) => r.kind)).toEqual(['deploy']);
    await agreeAgain(recovered[0]!.id);
    expect((await services.requestOverview(request.id)).request.state).toBe('failed');
    expect((await services.deploy(as(DEPLOYER), request.id)).succeeded).toBe(true);
  });
});

describe('a revert of a production kept in git', () => {
  useOrigin('production', `
admins: [${ADMIN}]
environments:
  - { name: Development, kind: development, instances: [{ name: dev-alice, owner: ${ALICE} }] }
  - { name: Production, kind: production, instances: [production], deployers: [${DEPLOYER}] }
`);

  it('is one commit restoring what the branch held before the deployment', async () => {
    await services.sync(as(ALICE), 'dev-alice');
    await services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2\n', dependsOn: ['Field/Tier'] }, { key: 'Field/Tier', content: 'picklist\n' }]);
    const { request } = await services.send(as(ALICE), { instance: 'dev-alice', message: 'account tiers' });
    expect((await services.deploy(as(DEPLOYER), request.id)).succeeded).toBe(true);
    const reverted = await services.revert(as(ADMIN), 'Production', 'tiers broke the form');
    expect(await show('staging')).toBe(`Revert DR-1: tiers broke the form\n\nSandbox-Request: DR-1\nSandbox-Run: RUN-${reverted.run.id}\nReverted-by: ${ADMIN}\n\n`);
    expect((await git(['diff', '--stat', 'staging~2', 'staging'], { cwd: origin })).toString()).toBe('');
    expect(Object.fromEntries((await services.components.list('production')).map((c) => [c.key, c.content]))).toEqual({ 'Layout/Account': 'v1\n' });
  });
});

describe('a sync into a development instance kept in git', () => {
  useOrigin('dev-alice');
  const devAlice = async () => Object.fromEntries((await services.components.list('dev-alice')).map((c) => [c.key, c.content]));

  it('is one commit on its branch when it takes something, and none when it takes nothing', async () => {
    await world.put('staging', { 'Layout/Account': 'v1\n', 'Field/Tier': { content: 'picklist\n', dependsOn: ['Layout/Account'] } });
    const synced = await services.sync(as(ALICE), 'dev-alice');
    expect(synced.taken).toEqual(['Field/Tier']);
    expect(await show('staging')).toBe(`Sync dev-alice with staging: 1 component taken\n\nSandbox-Run: RUN-${synced.run.id}\nSynced-by: ${ALICE}\n\n`);
    expect(await file('components/Field/Tier')).toBe('picklist\n');
    expect(JSON.parse(await file('components/.dependencies.json'))).toEqual({ 'Field/Tier': ['Layout/Account'] });
    expect((await services.refresh(as(ADMIN), 'dev-alice')).changed).toBe(false);

    await services.sync(as(ALICE), 'dev-alice');
    expect((await git(['rev-list', '--count', 'staging'], { cwd: origin })).toString().trim()).toBe('2');
  });

  it('fails when its push is refused, leaving the instance and its branch as they were', async () => {
    await world.put('staging', { 'Field/Tier': 'picklist\n' });
    const sources = gitSources({ 'dev-alice': { repo: origin, branch: 'staging', path: 'components' } }, join(dir, 'mirrors'));
    // Someone pushes between the sync's read of the branch and its push: the lease refuses the push.
    services = createServices({ ...world.services.deps, sources: { ...sources, write: async (i, c) => (await pushOutside({ 'components/Layout/Banner': 'b1\n' }), sources.write(i, c)) } });
    const refusal = await refused(services.sync(as(ALICE), 'dev-alice'), 'INVALID_STATE');
    expect(refusal.message).toBe("The sync of dev-alice was not done: dev-alice's branch staging moved since it was read (someone pushed to it): refresh dev-alice, then try again.");
    expect(await devAlice()).toEqual({ 'Layout/Account': 'v1\n' });
    expect(await show('staging')).toBe('outside\n\n');
  });

  it('refuses a direct edit of its components, saying to commit to the branch', async () => {
    const refusal = await refused(services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Banner', content: 'b1\n' }]), 'INVALID_STATE');
    expect(refusal.message).toBe('dev-alice is kept in git: change its components by committing to its branch and pushing, then `sandbox refresh dev-alice` (a sync or send reads the branch too).');
    await refused(services.components.remove(as(ALICE), 'dev-alice', 'Layout/Account'), 'INVALID_STATE');
    expect(await devAlice()).toEqual({ 'Layout/Account': 'v1\n' });
  });

  it('takes theirs in a conflict as one commit', async () => {
    await world.put('staging', { 'Layout/Account': 'v1\n' });
    await services.sync(as(ALICE), 'dev-alice');
    await pushOutside({ 'components/Layout/Account': 'mine\n' }, 'my account');
    await world.put('staging', { 'Layout/Account': 'theirs\n' });
    expect((await services.sync(as(ALICE), 'dev-alice')).conflicts).toEqual(['Layout/Account']);
    await services.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/Account', 'theirs');
    expect(await show('staging')).toBe(`Resolve Layout/Account: take staging's version\n\nResolved-by: ${ALICE}\n\n`);
    expect(await file('components/Layout/Account')).toBe('theirs\n');
    expect(await devAlice()).toEqual({ 'Layout/Account': 'theirs\n' });
    expect((await services.refresh(as(ADMIN), 'dev-alice')).changed).toBe(false);
  });
});
