import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { onPostgres } from '../helpers/database.ts';
import { answerTo, type Exit, localEnv, opening, type ProgramRun, startMain } from '../helpers/workspace.ts';

/**
 * `SANDBOX_LOCAL_GIT=1 npm start`: the local workspace keeps its demo pipeline's instances in a git repository of its
 * own, so that a newcomer commits to dev-alice's branch from a clone, with git, and sends it from the console.
 */

const PROCESS_TIMEOUT = 120_000;

describe.runIf(!onPostgres)('the local workspace kept in git (SANDBOX_LOCAL_GIT=1)', () => {
  let dir: string;
  let first: Exit;
  let repository: string;
  const runs: ProgramRun[] = [];
  const inClone = (args: string[]) => git(args, { cwd: join(dir, 'my-dev-alice') });
  const start = () => {
    const run = startMain({ cwd: dir, env: localEnv({ SANDBOX_LOCAL_GIT: '1' }) });
    runs.push(run);
    return run;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-local-git-'));
    repository = join(dir, '.workspace', 'git', 'pipeline.git');
    const run = start();
    await run.waitFor(/Try \/sandbox status/);
    // A newcomer clones dev-alice's branch, as the banner says, changes a component, commits and pushes.
    await git(['clone', '-q', '-b', 'dev-alice', repository, 'my-dev-alice'], { cwd: dir });
    writeFileSync(join(dir, 'my-dev-alice', 'components', 'Field', 'Account.Region'), 'type: picklist\nvalues: [EMEA, Americas, APAC, LATAM]\n');
    await inClone(['-c', 'user.name=Newcomer', '-c', 'user.email=newcomer@example.com', 'commit', '-q', '-am', 'Regions: LATAM too']);
    await inClone(['push', '-q']);
    run.type('/sandbox sync dev-alice', '', '', '/sandbox send dev-alice', '', 'Regions with LATAM', '');
    await run.waitFor(/as DR-1 to staging/);
    run.type('/sandbox diff DR-1 Field/Account.Region', 'change dev-alice Layout/Opportunity sections: [Name]', 'git log --format=%an:%s dev-alice');
    first = await run.end();
  }, PROCESS_TIMEOUT);

  afterAll(() => {
    for (const run of runs) run.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the repository and a pipeline keeping each instance on its own branch, and says how to clone one', async () => {
    expect(first.code, first.stderr).toBe(0);
    const banner = opening(first.stdout);
    expect(banner).toContain('Database: embedded PGlite in ./.workspace/git/data');
    expect(banner).toContain('Git: each instance is a branch of .workspace/git/pipeline.git (created now). Commit to one from a clone, then send it here:');
    expect(banner).toContain('    git clone -b dev-alice .workspace/git/pipeline.git my-dev-alice');
    const pipeline = readFileSync(join(dir, '.workspace', 'git', 'sandbox.config.yml'), 'utf8');
    expect(pipeline).toContain('# The local workspace\'s demo pipeline');
    expect(pipeline).toContain('{ name: dev-alice, owner: U0ALICE, git: { repo: pipeline.git, branch: dev-alice, path: components } }');
    expect(pipeline).toContain('{ name: staging, git: { repo: pipeline.git, branch: staging, path: components } }');
    const branches = (await git(['for-each-ref', '--format=%(refname:short)', 'refs/heads'], { cwd: repository })).toString().trim().split('\n');
    expect(branches.sort()).toEqual(['dev-alice', 'dev-bob', 'production', 'staging']);
    expect((await git(['show', 'production:components/Layout/Account'], { cwd: repository })).toString()).toContain('Details: [Name, Owner, Industry]');
  });

  it('sends what the newcomer pushed to dev-alice: the bot read the branch, with its author', () => {
    expect(first.stdout).toMatch(/Sent 2 changes \(1 added, 1 modified\) as DR-1 to staging/);
    expect(answerTo(first.stdout, '/sandbox diff DR-1 Field/Account.Region')).toContain('+values: [EMEA, Americas, APAC, LATAM]');
  });

  it('commits a console change to the person’s clone of the branch and pushes it, showing the git commands', () => {
    const said = answerTo(first.stdout, 'change dev-alice Layout/Opportunity sections: [Name]');
    expect(said).toMatch(/\$ git -C \.workspace\/git\/clones\/alice\/dev-alice pull --rebase\n\$ git -C \.workspace\/git\/clones\/alice\/dev-alice commit -am "Change Layout\/Opportunity"\n {2}\[dev-alice [0-9a-f]{7,} Change Layout\/Opportunity\]/);
    // Alice's commit sits on the sync's, which sits on the newcomer's, which sits on the samples.
    expect(answerTo(first.stdout, 'git log --format=%an:%s dev-alice')).toMatch(/^alice:Change Layout\/Opportunity\nSandbox bot:Sync dev-alice with staging: 1 component taken\nNewcomer:Regions: LATAM too\nalice:Sample work on dev-alice\nSandbox bot:Sync dev-alice with staging: 3 components taken\nSandbox bot:Start\n/);
  });

  it('starts again on the same repository: nothing created, nothing seeded twice', async () => {
    const run = start();
    await run.waitFor(/Try \/sandbox status/);
    const again = await run.end();
    expect(again.code, again.stderr).toBe(0);
    const banner = opening(again.stdout);
    expect(banner).toContain('Git: each instance is a branch of .workspace/git/pipeline.git. Commit');
    expect(banner).not.toContain('created');
    expect((await git(['rev-list', '--count', 'production'], { cwd: repository })).toString().trim()).toBe('2');
  }, PROCESS_TIMEOUT);
});
