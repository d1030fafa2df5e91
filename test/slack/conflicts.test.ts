import { describe, expect, it } from 'vitest';
import type { FakeViewRecord } from '../helpers/fake-slack.ts';
import { buttonOf, buttonsOf, shown, useTestBot } from '../helpers/slack-app.ts';
import { blockAction } from '../helpers/slack-requests.ts';
import { ADMIN, ALICE, DAVE, as } from '../helpers/world.ts';

/**
 * Sync conflicts in Slack, through the real Bolt receiver: the sync answer, App Home and `/sandbox resolve` list them
 * with Resolve; its modal shows base → mine and base → theirs, and Keep mine or Take theirs decides in place.
 */
const t = useTestBot();

type Json = Record<string, any>;
const services = () => t.bot.runtime.services;

/** dev-alice and staging both changed Layout/Account and Layout/Contact since dev-alice last synced; the sync found them. */
async function conflicted() {
  const s = services();
  await s.components.put(as(ADMIN), 'staging', [
    { key: 'Layout/Account', content: 'name\ntier=basic\n' },
    { key: 'Layout/Contact', content: 'phone\n' },
  ]);
  await s.sync(as(ALICE), 'dev-alice');
  await s.components.put(as(ALICE), 'dev-alice', [
    { key: 'Layout/Account', content: 'name\ntier=<gold>\n' },
    { key: 'Layout/Contact', content: 'phone\nemail\n' },
  ]);
  await s.components.put(as(ADMIN), 'staging', [
    { key: 'Layout/Account', content: 'name\ntier=silver\n' },
    { key: 'Layout/Contact', content: 'fax\n' },
  ]);
}

const nameOf = (responseUrl: string) => decodeURIComponent(responseUrl.split('/').at(-1)!);
const content = async (key: string) => (await services().components.list('dev-alice')).find((c) => c.key === key)?.content;

/** Clicks a button the app put in a modal, as Slack sends it: from the view. */
function clickInModal(user: string, opened: FakeViewRecord, label: string) {
  const b = buttonOf(opened.view, label);
  const view = opened.view as Json;
  return t.send(blockAction({ userId: user, actionId: b.action, value: b.value, blockId: 'resolve', view: { id: opened.id, callback_id: view.callback_id, private_metadata: view.private_metadata, blocks: view.blocks } }));
}

const updated = (opened: FakeViewRecord, after: number) => t.fake.waitFor(() => t.fake.views('update').filter((v) => v.id === opened.id)[after]);

async function resolveFromSyncAnswer(user = ALICE) {
  await conflicted();
  await t.command(ALICE, 'sync dev-alice', 'C0DEV');
  const modal = await t.modal('sync_modal');
  await t.submit(ALICE, modal, { source: { option: 'staging' } });
  const told = await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => e.text?.includes('Synced')));
  expect(shown(told)).toContain('2 conflicts');
  const resolve = buttonsOf({ blocks: (told.blocks as Json[]).filter((b) => b.accessory).map((b) => ({ type: 'actions', elements: [b.accessory] })) });
  expect(resolve.map((b) => JSON.parse(b.value))).toEqual([['dev-alice', 'Layout/Account'], ['dev-alice', 'Layout/Contact']]);
  const before = t.fake.views('open').length;
  const click = await t.click(user, resolve[0]!.action, resolve[0]!.value, { channelId: 'C0DEV' });
  expect(click.status).toBe(200);
  return { click, before };
}

describe('sync conflicts in Slack', () => {
  it('the sync answer lists them with Resolve, whose modal shows mine and theirs against the base, escaped', async () => {
    const { before } = await resolveFromSyncAnswer();
    const opened = await t.fake.waitFor(() => t.fake.views('open')[before]);
    expect((opened.view as Json).callback_id).toBe('conflict_modal');
    const text = shown(opened.view as Json);
    expect(text).toContain('*Layout/Account* changed in *dev-alice* and in *staging*');
    expect(text).toContain('*Mine*: dev-alice now (base → yours)');
    expect(text).toContain(' name\n-tier=basic\n+tier=&lt;gold&gt;\n');
    expect(text).toContain('*Theirs*: staging at the sync (base → theirs)');
    expect(text).toContain(' name\n-tier=basic\n+tier=silver\n');
    expect(buttonsOf(opened.view).map((b) => b.text)).toEqual(['Keep mine', 'Take theirs']);
  });

  it('Take theirs replaces Alice’s version, says so in the modal and offers the next conflict; Keep mine keeps hers', async () => {
    const { before } = await resolveFromSyncAnswer();
    const opened = await t.fake.waitFor(() => t.fake.views('open')[before]);
    expect((await clickInModal(ALICE, opened, 'Take theirs')).status).toBe(200);
    const resolved = await updated(opened, 0);
    expect(shown(resolved.view as Json)).toContain('Resolved *Layout/Account* in dev-alice: the synced version replaces yours.');
    expect(await content('Layout/Account')).toBe('name\ntier=silver\n');
    const events = await services().audit({ subject: 'dev-alice', limit: 10 });
    expect(events.at(-1)).toMatchObject({ action: 'resolve', via: 'slack', actor: ALICE, details: { key: 'Layout/Account', keep: 'theirs' } });

    // Resolve Layout/Contact, offered in the same modal, shows that conflict in its place; Keep mine decides it.
    const next = buttonOf(resolved.view, 'Resolve Layout/Contact');
    await t.send(blockAction({ userId: ALICE, actionId: next.action, value: next.value, view: { id: opened.id, callback_id: 'conflict_modal' } }));
    const shownNext = await updated(opened, 1);
    expect(shown(shownNext.view as Json)).toContain('+email');
    expect((await clickInModal(ALICE, shownNext, 'Keep mine')).status).toBe(200);
    const done = await updated(opened, 2);
    expect(shown(done.view as Json)).toContain('Resolved *Layout/Contact* in dev-alice: your version stays, and the next send carries it.');
    expect(buttonsOf(done.view)).toEqual([]);
    expect(await content('Layout/Contact')).toBe('phone\nemail\n');
    expect((await services().conflicts.open('dev-alice')).conflicts).toEqual([]);
  });

  it('refuses Resolve to someone else’s instance privately, and a conflict resolved meanwhile in the modal itself', async () => {
    const { click } = await resolveFromSyncAnswer(DAVE);
    const refusal = await t.fake.waitFor(() => t.fake.responses.find((r) => r.name === nameOf(click.responseUrl)));
    expect(shown(refusal)).toContain('You cannot resolve conflicts in dev-alice');
    await t.bot.settled();
    expect(t.fake.views('open').filter((v) => v.view.callback_id === 'conflict_modal')).toEqual([]);

    await t.click(ALICE, 'conflict_resolve', JSON.stringify(['dev-alice', 'Layout/Account']), { channelId: 'C0DEV' });
    const opened = await t.modal('conflict_modal');
    await services().conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/Account', 'mine');
    await clickInModal(ALICE, opened, 'Take theirs');
    const said = await updated(opened, 0);
    expect(shown(said.view as Json)).toMatch(/:no_entry: An open conflict on Layout\/Account in dev-alice was not found\. Its open conflicts: Layout\/Contact/);
    expect(await content('Layout/Account')).toBe('name\ntier=<gold>\n');
  });

  it('/sandbox resolve lists them with Resolve, or opens one; App Home and the send modal show them', async () => {
    await conflicted();
    await services().sync(as(ALICE), 'dev-alice');
    const listed = await t.command(ALICE, 'resolve dev-alice', 'C0DEV');
    const answer = await t.fake.waitFor(() => t.fake.responses.find((r) => r.name === nameOf(listed.responseUrl)));
    expect(shown(answer)).toContain('*2 conflicts* in dev-alice');
    await t.command(ALICE, 'resolve dev-alice Layout/Contact', 'C0DEV');
    expect(shown((await t.modal('conflict_modal')).view as Json)).toContain('*Layout/Contact* changed');

    const before = t.fake.views('publish').length;
    await t.openHome(ALICE);
    const home = await t.fake.waitFor(() => t.fake.views('publish').slice(before).find((v) => v.user_id === ALICE));
    expect(shown(home.view as Json)).toContain('*2 conflicts* in dev-alice');
    expect((home.view.blocks as Json[]).filter((b) => b.accessory?.action_id === 'conflict_resolve')).toHaveLength(2);

    await t.command(ALICE, 'send dev-alice', 'C0DEV');
    expect(shown((await t.modal('send_modal')).view as Json)).toContain('*2 components with unresolved sync conflicts* (`Layout/Account`, `Layout/Contact`): your local versions are sent.');
  });
});
