import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { cli, cliWorkspace } from '../helpers/cli.ts';
import { threeStepConfig } from '../helpers/world.ts';

// `sandbox refresh` of an instance kept in a local bare repository: the developer commits and pushes, the bot reads.

let workspace: Awaited<ReturnType<typeof cliWorkspace>>;
let work: string;
beforeAll(async () => {
  workspace = await cliWorkspace('cli-refresh');
  const origin = join(workspace.dir, 'origin.git');
  work = join(workspace.dir, 'work');
  await git(['init', '-q', '--bare', origin], { cwd: workspace.dir });
  await git(['init', '-q', '-b', 'dev-alice', work], { cwd: workspace.dir });
  for (const args of [['config', 'user.name', 'Alice'], ['config', 'user.email', 'alice@example.com'], ['remote', 'add', 'origin', origin]]) await git(args, { cwd: work });
  const config = threeStepConfig.replace('{ name: dev-alice, owner: U0ALICE }', `{ name: dev-alice, owner: U0ALICE, git: { repo: "${origin}", branch: dev-alice, path: components } }`);
  writeFileSync(join(workspace.dir, 'sandbox.config.yml'), config);
});
afterAll(() => workspace.close());

describe('sandbox refresh', () => {
  it('imports what the branch holds, says when it holds nothing new, and refuses an instance not kept in git', async () => {
    mkdirSync(join(work, 'components', 'Layout'), { recursive: true });
    writeFileSync(join(work, 'components', 'Layout', 'Account'), 'sections: [Name]\n');
    await git(['add', '-A'], { cwd: work });
    await git(['commit', '-q', '-m', 'account layout'], { cwd: work });
    await git(['push', '-q', 'origin', 'dev-alice'], { cwd: work });
    const tip = (await git(['rev-parse', 'HEAD'], { cwd: work })).toString().trim();

    const refreshed = await cli('refresh', 'dev-alice', '--user', 'U0ALICE');
    expect(refreshed.code).toBe(0);
    expect(refreshed.out).toBe(`Refreshed dev-alice from its branch at ${tip.slice(0, 12)}: 1 component written, 0 removed.`);
    const listed = JSON.parse((await cli('--json', 'components', 'list', 'dev-alice')).out);
    expect(listed.components.map((c: { key: string; changedBy: string }) => [c.key, c.changedBy])).toEqual([['Layout/Account', 'alice@example.com']]);

    const again = JSON.parse((await cli('--json', 'refresh', 'dev-alice', '--user', 'U0ALICE')).out);
    expect(again).toEqual({ instance: 'dev-alice', tip, changed: false, written: [], removed: [] });

    const status = (await cli('status')).out.split('\n');
    expect(status.find((line) => line.trimStart().startsWith('dev-alice'))).toMatch(new RegExp(`components .* branch dev-alice@${tip.slice(0, 7)}  owner U0ALICE$`));
    expect(status.find((line) => line.trimStart().startsWith('dev-bob'))).not.toContain('branch');
    const notGit = await cli('refresh', 'dev-bob', '--user', 'U0ADMIN');
    expect(notGit.code).toBe(2);
    expect(notGit.err).toContain('dev-bob is not kept in git');
  });

  it('targets test checks each git remote of an environment: reachable, branch present, push permitted', async () => {
    const passed = await cli('targets', 'test', 'Development');
    expect(passed.code).toBe(0);
    expect(passed.out).toMatch(/^Development: 3 of 3 checks passed\.\n {2}✓ dev-alice · reachable \(\d+ ms\): .*origin\.git answers\n {2}✓ dev-alice · branch present \(\d+ ms\): dev-alice is at [0-9a-f]{12}\n {2}✓ dev-alice · push permitted \(\d+ ms\): a push to dev-alice would be accepted$/);
    expect((await cli('targets', 'test', 'Staging')).out).toBe('Staging has nothing to test: none of its instances is kept in git, and it has no targets or command checks.');

    const config = join(workspace.dir, 'sandbox.config.yml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('branch: dev-alice', 'branch: dev-nobody'));
    const failed = await cli('--json', 'targets', 'test', 'Development');
    expect(failed.code).toBe(1);
    const json = JSON.parse(failed.out);
    expect(json.checks.map((c: { check: string; ok: boolean }) => [c.check, c.ok])).toEqual([['reachable', true], ['branch present', false]]);
    expect(json.checks[1].detail).toContain('dev-nobody is not a branch of');
    writeFileSync(config, readFileSync(config, 'utf8').replace('branch: dev-nobody', 'branch: dev-alice'));
  });
});
