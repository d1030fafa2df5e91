import { describe, expect, it } from 'vitest';
import type { FakeMessage, FakeViewRecord } from '../helpers/fake-slack.ts';
import { approvedInStaging, pendingInStaging } from '../helpers/scenarios.ts';
import { buttonsOf, useTestBot } from '../helpers/slack-app.ts';
import { appHomeOpened } from '../helpers/slack-requests.ts';
import { as, ALICE, BOB, DAVE, DEPLOYER } from '../helpers/world.ts';

// App Home: drawn afresh each time it is opened (views.publish for whoever opened it): the pipeline, the user's
// instances with their project state and Sync / Send buttons, the queues, and recent deployments with View Logs.

const t = useTestBot();

type Blocks = NonNullable<FakeMessage['blocks']>;

const blocksOf = (home: FakeViewRecord) => (home.view.blocks ?? []) as Blocks;

/** The text of the blocks of a view, one block a line (headers, sections, context). */
function textOf(blocks: Blocks): string {
  return blocks
    .flatMap((b) => [b.text?.text, ...(b.type === 'context' ? b.elements.map((e: { text: string }) => e.text) : [])])
    .filter(Boolean)
    .join('\n');
}

/** The text between a header and the next one: one part of App Home. */
function part(home: FakeViewRecord, header: string): Blocks {
  const blocks = blocksOf(home);
  const start = blocks.findIndex((b) => b.type === 'header' && b.text.text === header);
  expect(start, `App Home has a "${header}" part`).toBeGreaterThanOrEqual(0);
  const end = blocks.findIndex((b, i) => i > start && b.type === 'header');
  return blocks.slice(start + 1, end < 0 ? undefined : end);
}

/** Opens App Home as `user` and waits for the view published for them by this opening. */
async function openHome(user: string): Promise<FakeViewRecord> {
  const before = t.fake.views('publish').length;
  const answer = await t.openHome(user);
  expect(answer.status).toBe(200);
  return t.fake.waitFor(() => t.fake.views('publish').slice(before).find((v) => v.user_id === user));
}

/**
 * Production holds Layout/Account v1; Staging and dev-alice are synced from above. Alice sent Layout/Contact as DR-1,
 * Bob approved it and the deployer deployed it to Staging; then Alice changed Layout/Account in dev-alice.
 */
async function aliceDeployedOnceAndChangedAgain() {
  await approvedInStaging(t, { changes: [{ key: 'Layout/Contact', content: 'new' }], message: 'Contact layout' });
  expect((await t.bot.services.deploy(as(DEPLOYER), 1)).succeeded).toBe(true);
  await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
  await t.bot.settled();
}

describe('App Home', () => {
  it('is published for whoever opened it, as a home view', async () => {
    await aliceDeployedOnceAndChangedAgain();
    const home = await openHome(ALICE);
    expect(home.view.type).toBe('home');
    expect(t.fake.views('publish').every((v) => v.user_id === ALICE)).toBe(true);
    expect(blocksOf(home).length).toBeLessThanOrEqual(100);
  });

  it('shows the pipeline in order', async () => {
    await aliceDeployedOnceAndChangedAgain();
    const pipeline = textOf(part(await openHome(ALICE), 'Pipeline'));
    expect(pipeline).toMatch(/Development[\s\S]*Staging[\s\S]*Production/);
  });

  it('shows the user’s instances with their project state and Sync / Send buttons', async () => {
    await aliceDeployedOnceAndChangedAgain();
    const mine = part(await openHome(ALICE), 'Your instances');
    const text = textOf(mine);
    expect(text).toContain('dev-alice');
    expect(text).toContain('Active');
    expect(text).toMatch(/1 change \(1 modified\)/);
    expect(text).toContain('synced from staging');
    expect(text).not.toContain('dev-bob');
    expect(buttonsOf({ blocks: mine })).toEqual([
      { text: 'Sync with Instance', action: 'instance_sync', value: 'dev-alice' },
      { text: 'Send to Staging', action: 'instance_send', value: 'dev-alice' },
    ]);
  });

  it('tells someone who owns no instance so, without buttons', async () => {
    await aliceDeployedOnceAndChangedAgain();
    const mine = part(await openHome(DAVE), 'Your instances');
    expect(textOf(mine)).toMatch(/own no instance/);
    expect(buttonsOf({ blocks: mine })).toEqual([]);
  });

  it('starts with what waits on the user: a vote for an approver, with Approve and Reject that work from there', async () => {
    await pendingInStaging(t);
    const home = await openHome(BOB);
    expect(blocksOf(home)[0]).toMatchObject({ type: 'header', text: { text: 'Waiting on you' } });
    const waiting = part(home, 'Waiting on you');
    expect(textOf(waiting)).toMatch(/\*DR-1\* to Staging waits for your approval · <@U0ALICE>/);
    expect(buttonsOf({ blocks: waiting })).toEqual([
      { text: 'Approve', action: 'request_approve', value: '1' },
      { text: 'Reject', action: 'request_reject', value: '1' },
      { text: 'Assign to me', action: 'request_claim', value: '1' },
      { text: 'View changes', action: 'request_view_changes', value: 'DR-1' },
    ]);
    await t.click(BOB, 'request_approve', '1', { home: true });
    await t.bot.settled();
    expect((await t.bot.runtime.services.requestOverview(1)).request.state).toBe('approved');
    // The requester waits on nobody: their own request is not theirs to approve.
    expect(textOf(part(await openHome(ALICE), 'Waiting on you'))).toBe('Nothing waits on you.');
  });

  it('shows a deployer the approved requests waiting to be deployed, with Deploy', async () => {
    await approvedInStaging(t);
    const waiting = part(await openHome(DEPLOYER), 'Waiting on you');
    expect(textOf(waiting)).toMatch(/\*DR-1\* to Staging waits to be deployed \(approved\)/);
    expect(buttonsOf({ blocks: waiting }).map((b) => b.text)).toEqual(['Deploy', 'Reject', 'View changes']);
    expect(textOf(part(await openHome(BOB), 'Waiting on you'))).toBe('Nothing waits on you.');
  });

  it('shows the queues of Staging and Production', async () => {
    await aliceDeployedOnceAndChangedAgain();
    const queues = textOf(part(await openHome(ALICE), 'Deployment queues'));
    expect(queues).toContain('Staging');
    expect(queues).toContain('Production');
    expect(queues).not.toContain('DR-1');
  });

  it('shows recent deployments with View Logs; Revert Changes only where the user may revert', async () => {
    await aliceDeployedOnceAndChangedAgain();
    const recent = part(await openHome(ALICE), 'Recent deployments');
    const text = textOf(recent);
    expect(text).toContain('DR-1');
    expect(text).toContain('Contact layout');
    expect(text).toContain(`<@${DEPLOYER}>`);
    expect(buttonsOf({ blocks: recent })).toEqual([{ text: 'View Logs', action: 'view_logs', value: 'DR-1' }]);

    // View Logs from App Home opens the logs of DR-1's runs.
    await t.click(ALICE, 'view_logs', 'DR-1', { home: true });
    const logs = await t.modal('logs_modal');
    expect(logs.view.title.text).toBe('Logs DR-1');
    expect(textOf(logs.view.blocks as Blocks)).toMatch(/Deployment succeeded/);
  });

  it('is drawn afresh when opened again: a new request shows in the queue and the instance becomes Sent', async () => {
    await aliceDeployedOnceAndChangedAgain();
    const first = await openHome(ALICE);
    expect(textOf(part(first, 'Deployment queues'))).not.toContain('DR-2');

    await t.command(ALICE, 'send dev-alice');
    await t.submit(ALICE, await t.modal('send_modal'), { message: 'Tier on account' });
    await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.text?.startsWith('DR-2 ')));
    await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => /DR-2/.test(e.text ?? '')));

    const second = await openHome(ALICE);
    expect(second.id).not.toBe(first.id);
    const queues = textOf(part(second, 'Deployment queues'));
    expect(queues).toContain('DR-2');
    expect(queues).toContain('Tier on account');
    const mine = part(second, 'Your instances');
    expect(textOf(mine)).toContain('Sent');
    expect(buttonsOf({ blocks: mine }).map((b) => b.text)).toEqual(['Sync with Instance']);
  });

  it('publishes nothing when the Messages tab is opened', async () => {
    await aliceDeployedOnceAndChangedAgain();
    const answer = await t.send(appHomeOpened({ userId: ALICE, tab: 'messages' }));
    expect(answer.status).toBe(200);
    // Then someone opens the Home tab: once that view is out, the Messages tab event has long been handled.
    await openHome(BOB);
    expect(t.fake.views('publish').map((v) => v.user_id)).toEqual([BOB]);
  });
});
