import { describe, expect, it } from 'vitest';
import type { FakeViewRecord } from '../helpers/fake-slack.ts';
import { syncedPipeline } from '../helpers/scenarios.ts';
import { buttonLabels, shown, useTestBot } from '../helpers/slack-app.ts';
import { ALICE, BOB, CAROL, QA_MEMBER, as } from '../helpers/world.ts';

// Sync CR through Slack: the command, the card's button and its modal, the send modal, status and App Home, compare,
// and the card following the requests that carry the change request.

const t = useTestBot();

const crCard = () => t.fake.messages('C0PROD').find((m) => m.text?.startsWith('CR-1 '));

/** CR-1 (Layout/Account existing, Layout/Proposed proposed) created by Alice and approved by Bob and Carol; its card is posted. */
async function approvedChangeRequest() {
  await syncedPipeline(t);
  const s = t.bot.services.changeRequests;
  const cr = await s.create(as(ALICE), { name: 'Account tier', type: 'normal', overview: 'Tiers', customizations: ['Layout/Account', 'Layout/Proposed'] });
  await s.submit(as(ALICE), cr.id);
  await s.approve(as(BOB), cr.id);
  await s.approve(as(CAROL), cr.id);
  await t.bot.settled();
  return t.fake.waitFor(() => (crCard()?.text?.includes('approved') ? crCard() : undefined));
}

/** Types `/sandbox <text>` as `user` and returns the text of its private answer. */
async function answer(user: string, text: string) {
  const { status, responseUrl } = await t.command(user, text);
  expect(status).toBe(200);
  const name = responseUrl.split('/').at(-1);
  return shown(await t.fake.waitFor(() => t.fake.responses.find((r) => r.name === name)));
}

const optionsOf = (opened: FakeViewRecord, blockId: string) => {
  const block = (opened.view.blocks as { block_id?: string; element?: { options?: { value: string }[]; initial_option?: { value: string } } }[]).find((b) => b.block_id === blockId);
  return { values: block?.element?.options?.map((o) => o.value), initial: block?.element?.initial_option?.value };
};

describe('Sync CR in Slack', () => {
  it('`/sandbox cr sync CR-1 dev-alice` works on it there: the answer, and the card in place saying where, by whom, since when', async () => {
    const card = await approvedChangeRequest();
    const said = await answer(ALICE, 'cr sync CR-1 dev-alice');
    expect(said).toContain('CR-1* “Account tier” is now worked on in `dev-alice` (in progress)');
    expect(said).toContain('Expected there, not yet present: `Layout/Proposed`');
    const updated = await t.fake.waitFor(() => (crCard()?.text?.includes('in progress') ? crCard() : undefined));
    expect(updated.ts).toBe(card.ts);
    expect(JSON.stringify(updated.blocks)).toContain(`Worked on in \`dev-alice\` by <@${ALICE}> since <!date^`);
    expect(buttonLabels(updated)).toEqual(['Sync CR']);
    const shownDetails = await answer(BOB, 'cr show CR-1');
    expect(shownDetails).toContain(`Worked on in \`dev-alice\` by <@${ALICE}> since`);
  });

  it("the card's Sync CR asks for the instance, offering only those the user may work in, and syncs it there", async () => {
    const card = await approvedChangeRequest();
    await t.click(BOB, 'change_request_sync', '1', { channelId: 'C0PROD', messageTs: card.ts });
    const forBob = await t.modal('change_request_sync_modal');
    expect(optionsOf(forBob, 'instance').values).toEqual(['dev-bob', 'staging']);
    await t.click(ALICE, 'change_request_sync', '1', { channelId: 'C0PROD', messageTs: card.ts });
    const forAlice = await t.fake.waitFor(() => t.fake.views('open').filter((v) => v.view.callback_id === 'change_request_sync_modal').at(1));
    expect(optionsOf(forAlice, 'instance').values).toEqual(['dev-alice', 'dev-bob', 'staging']);
    const submitted = await t.submit(ALICE, forAlice, { instance: { option: 'dev-alice' } });
    expect(submitted.status).toBe(200);
    await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => e.text?.includes('is now worked on in `dev-alice`')));
    expect((await t.bot.services.changeRequests.show(1)).workedIn?.name).toBe('dev-alice');
  });

  it('refuses production, an instance of someone else, a change request not approved, and missing words, each with the reason', async () => {
    await approvedChangeRequest();
    expect(await answer(ALICE, 'cr sync CR-1 production')).toContain('production receives changes only through the pipeline');
    expect(await answer(BOB, 'cr sync CR-1 dev-alice')).toContain('it belongs to');
    await t.bot.services.changeRequests.create(as(ALICE), { name: 'Draft', type: 'normal', overview: 'later' });
    expect(await answer(ALICE, 'cr sync CR-2 dev-alice')).toContain('CR-2 is draft; only an approved change request can be synced');
    expect(await answer(ALICE, 'cr sync CR-1')).toContain('`/sandbox cr sync` needs a change request id, e.g. `CR-3` and the instance to work on it in');
    expect((await t.bot.services.changeRequests.show(1)).workedIn).toBeUndefined();
  });

  it('the send modal, status and App Home show the change request the instance works on, with the keys expected there', async () => {
    await approvedChangeRequest();
    await t.bot.services.changeRequests.sync(as(ALICE), 1, 'dev-alice');
    await t.bot.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
    const status = await answer(ALICE, 'status');
    expect(status).toContain('works on *CR-1* Account tier; expected, not yet here: `Layout/Proposed`');

    await t.command(ALICE, 'send dev-alice');
    const modal = await t.modal('send_modal');
    expect(JSON.stringify(modal.view.blocks)).toContain('dev-alice works on *CR-1 Account tier*: this send carries it.');
    expect(optionsOf(modal, 'change_request').initial).toBe('1');
    await t.submit(ALICE, modal, { message: 'Tier', change_request: { option: '1' } });
    await t.bot.settled();
    expect((await t.bot.services.requestOverview(1)).request.changeRequestId).toBe(1);

    const before = t.fake.views('publish').length;
    await t.openHome(ALICE);
    const home = await t.fake.waitFor(() => t.fake.views('publish').slice(before).find((v) => v.user_id === ALICE));
    expect(JSON.stringify(home.view.blocks)).toContain('works on *CR-1* Account tier; expected, not yet here: `Layout/Proposed`');
  });

  it('`/sandbox cr compare CR-1` compares its customizations where it is worked on against production', async () => {
    await approvedChangeRequest();
    await t.bot.services.changeRequests.sync(as(ALICE), 1, 'dev-alice');
    await t.bot.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }, { key: 'Layout/Proposed', content: 'p' }]);
    const said = await answer(BOB, 'cr compare CR-1');
    expect(said).toContain('`dev-alice` against `production`');
    expect(said).toContain('`Layout/Account`: :pencil2: changed');
    expect(said).toContain('`Layout/Proposed` (proposed): :heavy_plus_sign: not yet in production');
  });

  it('the card follows the request that carries it: in progress once sent, approved again once that request is rejected', async () => {
    const card = await approvedChangeRequest();
    await t.bot.services.changeRequests.sync(as(ALICE), 1, 'dev-alice');
    await t.bot.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
    await t.bot.services.send(as(ALICE), { instance: 'dev-alice', message: 'Tier' });
    await t.bot.services.reject(as(QA_MEMBER), 1, 'not this week');
    await t.bot.settled();
    const back = await t.fake.waitFor(() => (crCard()?.text?.endsWith('approved') ? crCard() : undefined));
    expect(back.ts).toBe(card.ts);
    const events = (await t.bot.services.audit({ subject: 'CR-1' })).map((e) => `${e.action}: ${e.outcome}`);
    expect(events.slice(-2)).toEqual(['cr sync: in progress', 'cr follows: approved']);
  });
});
