import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliWorkspace } from '../helpers/cli.ts';

// Change requests worked through the pipeline from the command line: `cr sync`, `cr show`, `status`, `cr compare`.

let workspace: Awaited<ReturnType<typeof cliWorkspace>>;
beforeAll(async () => {
  workspace = await cliWorkspace('cli-cr');
});
afterAll(() => workspace.close());

describe('sandbox cr', () => {
  it('syncs an approved change request to an instance, shows where it is worked on, compares it, and refuses direct edits of staging', async () => {
    await cli('components', 'put', 'production', 'Layout/Home', '--content', 'h1', '--user', 'U0ADMIN');
    await cli('sync', 'staging', '--user', 'U0ADMIN');
    await cli('sync', 'dev-bob', '--user', 'U0BOB');
    await cli('cr', 'new', '--name', 'Home', '--type', 'normal', '--overview', 'home page', '--customizations', 'Layout/Home,Layout/Banner', '--user', 'U0ALICE');
    await cli('cr', 'submit', 'CR-1', '--user', 'U0ALICE');
    expect((await cli('cr', 'sync', 'CR-1', 'dev-bob', '--user', 'U0BOB')).err).toContain('CR-1 is pending approval; only an approved change request can be synced');
    await cli('cr', 'approve', 'CR-1', '--user', 'U0BOB');
    await cli('cr', 'approve', 'CR-1', '--user', 'U0CAROL');
    const synced = await cli('--json', 'cr', 'sync', 'CR-1', 'dev-bob', '--user', 'U0BOB');
    expect(synced.code).toBe(0);
    expect(JSON.parse(synced.out)).toMatchObject({ id: 'CR-1', state: 'in_progress', instance: 'dev-bob', workedBy: 'U0BOB' });
    expect((await cli('cr', 'show', 'CR-1')).out).toMatch(/Worked on: in dev-bob by U0BOB since \d{4}-/);
    expect((await cli('status')).out).toContain('works on CR-1 Home; expected, not yet here: Layout/Banner');

    await cli('components', 'put', 'dev-bob', 'Layout/Banner', '--content', 'b', '--user', 'U0BOB');
    const compared = JSON.parse((await cli('--json', 'cr', 'compare', 'CR-1')).out);
    expect(compared).toEqual({
      changeRequest: 'CR-1',
      from: 'dev-bob',
      production: 'production',
      items: [
        { key: 'Layout/Home', proposed: false, state: 'same' },
        { key: 'Layout/Banner', proposed: true, state: 'only here' },
      ],
    });
    const sent = JSON.parse((await cli('--json', 'send', 'dev-bob', '--message', 'banner', '--user', 'U0BOB')).out);
    expect(sent.changeRequestId).toBe(1);

    // Bob sent it, so he may not take it on; an admin may, and only the holder or an admin releases it.
    expect((await cli('claim', sent.id, '--user', 'U0BOB')).err).toContain('you cannot approve it');
    expect((await cli('claim', sent.id, '--user', 'U0ADMIN')).out).toBe(`You hold ${sent.id} now.`);
    expect(JSON.parse((await cli('--json', 'queue', 'Staging')).out).queues[0].requests[0].claimedBy).toBe('U0ADMIN');
    expect((await cli('queue', 'Staging')).out).toContain('held by U0ADMIN since');
    const notHolder = await cli('unclaim', sent.id, '--user', 'U0DEPLOY');
    expect(notHolder.code).toBe(2);
    expect(notHolder.err).toContain('only they or an admin can release it');
    expect(JSON.parse((await cli('--json', 'unclaim', sent.id, '--user', 'U0ADMIN')).out)).toMatchObject({ id: sent.id, claimedBy: null });

    const direct = await cli('components', 'put', 'staging', 'Layout/Home', '--content', 'direct', '--user', 'U0DEPLOY');
    expect(direct.code).toBe(2);
    expect(direct.err).toContain('staging is in Staging, which changes only through the pipeline');
  });
});
