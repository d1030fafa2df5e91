import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { writeFiles } from '../helpers/files.ts';
import { shown, useTestBot } from '../helpers/slack-app.ts';
import { ALICE, threeStepConfig } from '../helpers/world.ts';

// `/sandbox refresh` and the scheduler's tick read a git-backed instance's branch, through the real Bolt receiver.

const dir = mkdtempSync(join(tmpdir(), 'sandbox-slack-refresh-'));
const origin = join(dir, 'origin.git');
const work = join(dir, 'work');
const t = useTestBot(threeStepConfig.replace('{ name: dev-alice, owner: U0ALICE }', `{ name: dev-alice, owner: U0ALICE, git: { repo: "${origin}", branch: dev-alice } }`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let pushed = 0;
async function push(files: Record<string, string>) {
  if (pushed++ === 0) {
    await git(['init', '-q', '--bare', origin], { cwd: dir });
    await git(['init', '-q', '-b', 'dev-alice', work], { cwd: dir });
    for (const args of [['config', 'user.name', 'Alice'], ['config', 'user.email', 'alice@example.com'], ['remote', 'add', 'origin', origin]]) await git(args, { cwd: work });
  }
  writeFiles(work, files);
  await git(['add', '-A'], { cwd: work });
  await git(['commit', '-q', '-m', 'work'], { cwd: work });
  await git(['push', '-q', '--force', 'origin', 'dev-alice'], { cwd: work });
}

async function answer(text: string) {
  const r = await t.command(ALICE, text, 'C0DEV');
  expect(r.status).toBe(200);
  const name = decodeURIComponent(r.responseUrl.split('/').at(-1)!);
  return shown(await t.fake.waitFor(() => t.fake.responses.find((a) => a.name === name)));
}

const components = async () => (await t.bot.runtime.services.components.list('dev-alice')).map((c) => [c.key, c.content, c.changedBy]);

describe('/sandbox refresh', () => {
  it('reads the branch and says what it wrote; says so when there is nothing new; refuses an instance not kept in git', async () => {
    await push({ 'Layout/Account': 'v1\n' });
    expect(await answer('refresh dev-alice')).toMatch(/^:arrows_counterclockwise: Refreshed \*dev-alice\* from its branch at `[0-9a-f]{12}`: 1 component written, 0 removed\.$/);
    expect(await components()).toEqual([['Layout/Account', 'v1\n', 'alice@example.com']]);
    expect(await answer('refresh dev-alice')).toContain('holds its branch at');
    const tip = (await git(['rev-parse', '--short=7', 'dev-alice'], { cwd: work })).toString().trim();
    expect(await answer('status')).toMatch(new RegExp(`• \`dev-alice\` 1 component · \\*Active\\*.* · branch \`dev-alice\` at \`${tip}\``));
    expect(await answer('refresh dev-bob')).toContain('dev-bob is not kept in git');
  });

  it('is done at each scheduler tick', async () => {
    await push({ 'Layout/Account': 'v2\n', 'Layout/Contact': 'c1\n' });
    await t.bot.jobs.tick!();
    expect(await components()).toEqual([
      ['Layout/Account', 'v2\n', 'alice@example.com'],
      ['Layout/Contact', 'c1\n', 'alice@example.com'],
    ]);
  });

  it('/sandbox test checks the git remotes of an environment, its results in a direct message', async () => {
    await push({ 'Layout/Account': 'v3\n' });
    expect(await answer('test Development')).toBe(':electric_plug: Testing the connections of Development: the results come in your direct messages with me as they arrive.');
    const dm = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.startsWith(':electric_plug: Development: 3 of 3 checks passed.')));
    expect(shown(dm)).toMatch(/✓ dev-alice · push permitted \(\d+ ms\): a push to dev-alice would be accepted/);
  });

  it('/sandbox send reads the branch before its modal lists the changes: a component just pushed is there to tick', async () => {
    await t.command(ALICE, 'sync dev-alice', 'C0DEV');
    await push({ 'Layout/Pushed': 'just now\n' });
    const before = t.fake.views('open').length;
    expect((await t.command(ALICE, 'send dev-alice', 'C0DEV')).status).toBe(200);
    const opened = await t.fake.waitFor(() => t.fake.views('open')[before]);
    expect(JSON.stringify(opened.view.blocks)).toContain('Layout/Pushed');
  });
});
