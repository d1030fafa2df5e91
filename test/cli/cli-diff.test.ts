import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliWorkspace } from '../helpers/cli.ts';

// Seeing what changes from the command line: `diff`, `compare --content`, the diffs in `report`.

let workspace: Awaited<ReturnType<typeof cliWorkspace>>;
beforeAll(async () => {
  workspace = await cliWorkspace('cli-diff');
});
afterAll(() => workspace.close());

describe('sandbox diff', () => {
  it('prints what a request changes as unified diffs, as JSON, for one component, and inside compare and report', async () => {
    await cli('components', 'put', 'staging', 'Layout/Account', '--content', 'name\nemail\n', '--user', 'U0ADMIN');
    await cli('sync', 'dev-alice', '--user', 'U0ALICE');
    await cli('components', 'put', 'dev-alice', 'Layout/Account', '--content', 'name\nemail address\n', '--user', 'U0ALICE');
    await cli('components', 'put', 'dev-alice', 'Layout/New', '--content', 'fresh\n', '--user', 'U0ALICE');
    expect((await cli('send', 'dev-alice', '--message', 'account', '--user', 'U0ALICE')).code).toBe(0);

    const text = await cli('diff', 'DR-1');
    expect(text.code).toBe(0);
    expect(text.out).toBe(
      '--- a/Layout/Account\n+++ b/Layout/Account\n@@ -1,2 +1,2 @@\n name\n-email\n+email address\n--- /dev/null\n+++ b/Layout/New\n@@ -0,0 +1,1 @@\n+fresh\n',
    );

    const json = JSON.parse((await cli('--json', 'diff', '1', '--key', 'Layout/New')).out);
    expect(json).toEqual({ request: 'DR-1', items: [{ key: 'Layout/New', action: 'add', diff: '--- /dev/null\n+++ b/Layout/New\n@@ -0,0 +1,1 @@\n+fresh\n' }] });

    const missing = await cli('diff', 'DR-1', '--key', 'Layout/Nowhere');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Layout/Nowhere in DR-1 was not found');

    const compared = JSON.parse((await cli('--json', 'compare', 'dev-alice', 'staging', '--content')).out);
    expect(compared.differences.map((d: { key: string; change: string }) => `${d.change} ${d.key}`)).toEqual(['changed Layout/Account', 'added Layout/New']);
    expect(compared.differences[0].diff).toContain('-email\n+email address\n');
    expect((await cli('compare', 'dev-alice', 'staging', '--content')).out).toContain('+++ b/Layout/New');
    expect((await cli('compare', 'dev-alice', 'staging')).out).not.toContain('+++');

    expect((await cli('report', 'DR-1')).out).toContain('Diffs:\n--- a/Layout/Account');
  });

  it('sends only the components named by --only, and refuses one that is not changed', async () => {
    await cli('components', 'put', 'dev-alice', 'Flow/Extra', '--content', 'x\n', '--user', 'U0ALICE');
    const refusedSend = await cli('send', 'dev-alice', '--message', 'extra', '--only', 'Flow/Extra,Layout/Nowhere', '--user', 'U0ALICE');
    expect(refusedSend.code).toBe(2);
    expect(refusedSend.err).toContain('Layout/Nowhere is not among the changes of dev-alice');

    const sent = JSON.parse((await cli('--json', 'send', 'dev-alice', '--message', 'extra', '--only', 'Flow/Extra', '--user', 'U0ALICE')).out);
    expect(sent).toMatchObject({ id: 'DR-2', summary: { added: 1, modified: 0, deleted: 0 } });
    expect(JSON.parse((await cli('--json', 'diff', 'DR-2')).out).items.map((i: { key: string }) => i.key)).toEqual(['Flow/Extra']);
  });

  it('reverts only the components --only names (admins), and refuses it to the deployer', async () => {
    await cli('components', 'put', 'production', 'Layout/Home', '--content', 'h1', '--user', 'U0ADMIN');
    await cli('sync', 'staging', '--user', 'U0ADMIN');
    await cli('components', 'put', 'staging', 'Layout/Home', '--content', 'h2', '--user', 'U0ADMIN');
    await cli('components', 'put', 'staging', 'Layout/Banner', '--content', 'b1', '--user', 'U0ADMIN');
    await cli('cr', 'new', '--name', 'Home', '--type', 'normal', '--overview', 'home page', '--user', 'U0ALICE');
    await cli('cr', 'submit', 'CR-1', '--user', 'U0ALICE');
    await cli('cr', 'approve', 'CR-1', '--user', 'U0BOB');
    await cli('cr', 'approve', 'CR-1', '--user', 'U0CAROL');
    const sent = JSON.parse((await cli('--json', 'send', 'staging', '--message', 'home', '--cr', 'CR-1', '--yes', '--user', 'U0ADMIN')).out);
    await cli('approve', sent.id, '--user', 'U0BOB');
    await cli('approve', sent.id, '--user', 'U0CAROL');
    expect((await cli('deploy', sent.id, '--user', 'U0DEPLOY')).code).toBe(0);

    const byDeployer = await cli('revert', 'Production', '--only', 'Layout/Banner', '--user', 'U0DEPLOY');
    expect(byDeployer.code).toBe(2);
    expect(byDeployer.err).toContain('Only an admin can revert some components');

    const reverted = JSON.parse((await cli('--json', 'revert', 'Production', '--only', 'Layout/Banner', '--reason', 'banner', '--user', 'U0ADMIN')).out);
    expect(reverted).toMatchObject({ id: sent.id, state: 'reverted', restored: 1 });
    const production = JSON.parse((await cli('--json', 'components', 'list', 'production')).out);
    // The banner it added is gone again; what else it deployed stays.
    expect(production.components.map((c: { key: string }) => c.key)).toEqual(['Layout/Account', 'Layout/Home']);
    expect(JSON.parse((await cli('--json', 'diff', sent.id, '--key', 'Layout/Home')).out).items[0].diff).toContain('-h1\n\\ No newline at end of file\n+h2');
  });
});

describe('sandbox resolve', () => {
  it('lists the conflicts a sync found, shows one as base → mine and base → theirs, and keeps theirs or mine', async () => {
    await cli('components', 'put', 'staging', 'Flow/Conflict', '--content', 'base\n', '--user', 'U0ADMIN');
    await cli('sync', 'dev-alice', '--user', 'U0ALICE');
    await cli('components', 'put', 'dev-alice', 'Flow/Conflict', '--content', 'mine\n', '--user', 'U0ALICE');
    await cli('components', 'put', 'staging', 'Flow/Conflict', '--content', 'theirs\n', '--user', 'U0ADMIN');
    const synced = await cli('sync', 'dev-alice', '--user', 'U0ALICE');
    expect(synced.out).toContain('  conflict (kept yours): Flow/Conflict\nLook at one with: sandbox resolve dev-alice <component>; resolve it with --keep mine or --keep theirs.');

    expect((await cli('resolve', 'dev-alice')).out).toContain('  Flow/Conflict (changed here and in staging)');
    const shownText = (await cli('resolve', 'dev-alice', 'Flow/Conflict')).out;
    expect(shownText).toContain('Mine: dev-alice (base → yours)\n--- a/Flow/Conflict\n+++ b/Flow/Conflict\n@@ -1,1 +1,1 @@\n-base\n+mine\n');
    expect(shownText).toContain('Theirs: staging at the sync (base → theirs)\n--- a/Flow/Conflict\n+++ b/Flow/Conflict\n@@ -1,1 +1,1 @@\n-base\n+theirs\n');
    const json = JSON.parse((await cli('--json', 'resolve', 'dev-alice', 'Flow/Conflict')).out);
    expect(json).toMatchObject({ instance: 'dev-alice', key: 'Flow/Conflict', source: 'staging', baseKept: true, theirs: { action: 'modify' } });

    const neither = await cli('resolve', 'dev-alice', 'Flow/Conflict', '--keep', 'both', '--user', 'U0ALICE');
    expect(neither.code).toBe(2);
    expect(neither.err).toContain('“both” is neither');
    const notHers = await cli('resolve', 'dev-alice', 'Flow/Conflict', '--keep', 'theirs', '--user', 'U0DAVE');
    expect(notHers.code).not.toBe(0);
    expect(notHers.err).toContain('You cannot resolve conflicts in dev-alice');

    const taken = await cli('resolve', 'dev-alice', 'Flow/Conflict', '--keep', 'theirs', '--user', 'U0ALICE');
    expect(taken.out).toBe('Resolved Flow/Conflict in dev-alice: the synced version replaces yours.');
    // dev-alice now holds what staging holds under that key.
    const compared = JSON.parse((await cli('--json', 'compare', 'dev-alice', 'staging')).out);
    expect(compared.differences.map((d: { key: string }) => d.key)).not.toContain('Flow/Conflict');
    const again = await cli('resolve', 'dev-alice', 'Flow/Conflict', '--keep', 'mine', '--user', 'U0ALICE');
    expect(again.code).toBe(2);
    expect(again.err).toContain('An open conflict on Flow/Conflict in dev-alice was not found');
  });
});
