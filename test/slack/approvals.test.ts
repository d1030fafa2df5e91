import { describe, expect, it } from 'vitest';
import type { FakeMessage } from '../helpers/fake-slack.ts';
import { changedInDevAlice, sentToProduction } from '../helpers/scenarios.ts';
import { answerOf, buttonLabels, shown, useTestBot } from '../helpers/slack-app.ts';
import { ALICE, as, BOB, CAROL, DAVE, QA_MEMBER } from '../helpers/world.ts';

// Approval messages: the card in the target environment's channel, its Approve / Reject buttons, every refusal,
// and the card updated in place once the request is decided.

const t = useTestBot();

/** Production holds Layout/Account v1, Staging and dev-alice are synced from above, and Alice changed it in dev-alice. */
async function aliceChangedDevAlice() {
  await changedInDevAlice(t, { changes: [{ key: 'Layout/Account', content: 'v2' }, { key: 'Workflow/Onboarding', content: 'steps: 3' }] });
  await t.bot.settled();
}

/** Alice sends dev-alice from Slack (`/sandbox send` → modal → submit): DR-1 waits for approval in Staging. */
async function aliceSendsToStaging(message = 'Tier on account') {
  await aliceChangedDevAlice();
  await t.command(ALICE, 'send dev-alice');
  const submitted = await t.submit(ALICE, await t.modal('send_modal'), { message });
  expect(answerOf(submitted).response_action).toBeUndefined();
  await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => /Sent .* as \*DR-1\*/.test(e.text ?? '')));
  return t.cardWhen('C0STAGING', 'DR-1', () => true);
}

/** Staging carries a change to production, CR-1 is approved by Bob and Carol, and Alice sends it with CR-1: DR-1 awaits 2 approvals. */
async function aliceSendsToProduction() {
  await sentToProduction(t);
  await t.bot.settled();
  return t.cardWhen('C0PROD', 'DR-1', () => true);
}

/** Clicks a card's button as Slack sends it: from that message, with a response URL for the private answer. */
const clickOnCard = (user: string, action: string, card: FakeMessage) => t.click(user, action, '1', { channelId: card.channel, messageTs: card.ts });

/**
 * The first private answer to a click or command (sent to its response URL), once the bot has settled: what the
 * click did not do (no vote, no edit, no message) can be checked then.
 */
async function firstAnswer(responseUrl: string) {
  const answer = await t.fake.waitFor(() => t.fake.responses.find((r) => r.name === responseUrl.split('/').at(-1)));
  await t.bot.settled();
  return answer;
}

const votesOnDr1 = async () => (await t.bot.runtime.services.requestOverview(1)).votes;
const stateOfDr1 = async () => (await t.bot.runtime.services.requestOverview(1)).request.state;

describe('the approval message', () => {
  it('is posted in the target environment channel naming requester, instances, message and changes, with Approve and Reject', async () => {
    const card = await aliceSendsToStaging('Tier on account');
    const text = shown(card);
    expect(text).toContain('DR-1');
    expect(text).toContain(`<@${ALICE}>`);
    expect(text).toContain('dev-alice');
    expect(text).toContain('staging');
    expect(text).toContain('Tier on account');
    expect(text).toMatch(/2 changes \(1 added, 1 modified\)/);
    expect(text).toContain('Layout/Account');
    expect(text).toMatch(/0 of 1/);
    expect(buttonLabels(card)).toEqual(['Approve', 'Reject', 'Assign to me', 'View changes']);
    expect(t.fake.messages('C0DEV').some((m) => m.text?.startsWith('DR-1'))).toBe(false);
  });

  it('is decision-ready: who may approve (people and groups) and what is still needed, its size, its change request and the warnings its sender was given', async () => {
    await changedInDevAlice(t, { changes: [{ key: 'Layout/Account', content: 'v2', dependsOn: ['Flow/Missing'] }] });
    await t.bot.services.send(as(ALICE), { instance: 'dev-alice', message: 'Tier on account' });
    const card = await t.cardWhen('C0STAGING', 'DR-1');
    expect(card.blocks?.[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: 'DR-1 · dev-alice → staging (Staging)' } });
    const text = shown(card);
    expect(text).toContain(`*May approve*\n<!subteam^S0QA> and <@${BOB}> (not <@${ALICE}>, who sent it)`);
    expect(text).toContain('*Still needed*\n1 more approval');
    expect(text).toContain('*Change request*\nnone');
    expect(text).toContain('*Size*\n1 change (1 modified)');
    expect(text).toMatch(/:warning: \*Its sender was warned\*\n• Layout\/Account depends on Flow\/Missing, which staging will not have/);
    expect(text).toMatch(/Sent by <@U0ALICE> <!date\^\d+\^/);

    await clickOnCard(BOB, 'request_approve', card);
    const approved = await t.cardWhen('C0STAGING', 'DR-1', (m) => m.updates > 0 && /Approved by/.test(shown(m)));
    expect(shown(approved)).toContain(`*Approved by*\n<@${BOB}>`);
    expect(shown(approved)).toMatch(new RegExp(`· approved by <@${BOB}> <!date`));
    // The warnings stay for the deployer to see.
    expect(shown(approved)).toContain('Its sender was warned');
  });

  it('on production names its change request and the two approvals it needs', async () => {
    const card = await aliceSendsToProduction();
    expect(shown(card)).toContain('*Change request*\nCR-1: Account tiers (in progress)');
    expect(shown(card)).toContain('*Still needed*\n2 more approvals');
  });

  it('takes the approval of a member of an approver user group, resolved through Slack (usergroups.users.list)', async () => {
    // First test to resolve S0QA in this file: the bot caches group members for a while after this.
    const card = await aliceSendsToStaging();
    const click = await clickOnCard(QA_MEMBER, 'request_approve', card);
    expect(click.status).toBe(200);
    const approved = await t.cardWhen('C0STAGING', 'DR-1', (m) => m.updates > 0 && !buttonLabels(m).includes('Approve'));
    expect(shown(approved)).toContain(`<@${QA_MEMBER}>`);
    expect(await stateOfDr1()).toBe('approved');
    expect((await firstAnswer(click.responseUrl)).text).toMatch(/DR-1 is approved/);
    expect(t.fake.calls.some((c) => c.method === 'usergroups.users.list' && c.args.usergroup === 'S0QA')).toBe(true);
  });
});

describe('refusals on the approval message', () => {
  it('tells a requester approving their own request why not, privately, and records nothing', async () => {
    const card = await aliceSendsToStaging();
    const click = await clickOnCard(ALICE, 'request_approve', card);
    const answer = await firstAnswer(click.responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.replace_original).not.toBe(true);
    expect(answer.text).toMatch(/cannot approve/i);
    expect(answer.text).toMatch(/you sent DR-1/i);
    expect(await votesOnDr1()).toEqual([]);
    expect(await stateOfDr1()).toBe('pending_approval');
    const after = t.card('C0STAGING', 'DR-1')!;
    expect(after.updates).toBe(0);
    expect(buttonLabels(after)).toEqual(['Approve', 'Reject', 'Assign to me', 'View changes']);
    expect(t.fake.ok('chat.update').filter((c) => c.args.ts === card.ts)).toEqual([]);
    expect(t.fake.dms(ALICE).some((m) => m.text?.includes('approved'))).toBe(false);
  });

  it('tells someone who is no approver that they are not one, privately, and records nothing', async () => {
    const card = await aliceSendsToStaging();
    const click = await clickOnCard(DAVE, 'request_approve', card);
    const answer = await firstAnswer(click.responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/not an approver/i);
    expect(answer.text).toContain('Staging');
    expect(await votesOnDr1()).toEqual([]);
    expect(await stateOfDr1()).toBe('pending_approval');
    expect(t.card('C0STAGING', 'DR-1')!.updates).toBe(0);
  });

  it('refuses a vote after the request is decided ("already approved") and records nothing', async () => {
    const card = await aliceSendsToStaging();
    await firstAnswer((await clickOnCard(BOB, 'request_approve', card)).responseUrl);
    await t.cardWhen('C0STAGING', 'DR-1', (m) => buttonLabels(m).includes('Deploy'));
    const updatesBefore = t.card('C0STAGING', 'DR-1')!.updates;
    // A second approver clicks a stale card that still showed Approve.
    const late = await clickOnCard(QA_MEMBER, 'request_approve', card);
    const answer = await firstAnswer(late.responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/already approved/i);
    expect((await votesOnDr1()).map((v) => v.voter)).toEqual([BOB]);
    expect(t.card('C0STAGING', 'DR-1')!.updates).toBe(updatesBefore);
  });

  it('tells someone who may not reject why not, privately, and opens no reason modal', async () => {
    const card = await aliceSendsToStaging();
    const click = await clickOnCard(DAVE, 'request_reject', card);
    const answer = await firstAnswer(click.responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/cannot reject DR-1/i);
    expect(t.fake.views('open').filter((v) => v.view.callback_id === 'reject_modal')).toEqual([]);
    expect(await stateOfDr1()).toBe('pending_approval');
    expect(t.card('C0STAGING', 'DR-1')!.updates).toBe(0);
  });
});

describe('approving', () => {
  it('updates the same message in place once decided: who approved, no Approve button, the queue card with Deploy and Reject', async () => {
    const card = await aliceSendsToStaging();
    const click = await clickOnCard(BOB, 'request_approve', card);
    const approved = await t.cardWhen('C0STAGING', 'DR-1', (m) => m.updates > 0 && buttonLabels(m).includes('Deploy'));
    expect(approved.ts).toBe(card.ts);
    expect(t.fake.messages('C0STAGING').filter((m) => m.text?.startsWith('DR-1 '))).toHaveLength(1);
    expect(shown(approved)).toMatch(/Approved/);
    expect(shown(approved)).toContain(`<@${BOB}>`);
    expect(buttonLabels(approved)).toEqual(['Deploy', 'Reject', 'View changes']);
    // The voter hears where the request stands, privately.
    const answer = await firstAnswer(click.responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/DR-1 is approved/);
  });

  it('tells the requester by direct message that the request was approved, and by whom', async () => {
    const card = await aliceSendsToStaging();
    await firstAnswer((await clickOnCard(BOB, 'request_approve', card)).responseUrl);
    const dm = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('DR-1')));
    expect(dm.text).toMatch(/approved/);
    expect(dm.text).toContain(`<@${BOB}>`);
  });

  it('in Production needs two approvals: the first vote updates the card to 1 of 2 and keeps Approve and Reject', async () => {
    const card = await aliceSendsToProduction();
    expect(shown(card)).toMatch(/0 of 2/);
    expect(shown(card)).toContain('CR-1');
    expect(buttonLabels(card)).toEqual(['Approve', 'Reject', 'Assign to me', 'View changes']);

    await firstAnswer((await clickOnCard(BOB, 'request_approve', card)).responseUrl);
    const first = await t.cardWhen('C0PROD', 'DR-1', (m) => m.updates > 0);
    expect(first.ts).toBe(card.ts);
    expect(shown(first)).toMatch(/1 of 2/);
    expect(shown(first)).toContain(`<@${BOB}>`);
    expect(buttonLabels(first)).toEqual(['Approve', 'Reject', 'Assign to me', 'View changes']);
    expect(await stateOfDr1()).toBe('pending_approval');
    expect(t.fake.dms(ALICE).some((m) => m.text?.includes('approved'))).toBe(false);

    // Bob cannot vote twice; Carol's vote decides.
    const again = await clickOnCard(BOB, 'request_approve', card);
    expect((await firstAnswer(again.responseUrl)).text).toMatch(/already voted/i);
    await firstAnswer((await clickOnCard(CAROL, 'request_approve', card)).responseUrl);
    const decided = await t.cardWhen('C0PROD', 'DR-1', (m) => buttonLabels(m).includes('Deploy'));
    expect(decided.ts).toBe(card.ts);
    expect(shown(decided)).toContain(`<@${BOB}>`);
    expect(shown(decided)).toContain(`<@${CAROL}>`);
    expect(buttonLabels(decided)).toEqual(['Deploy', 'Reject', 'View changes']);
    await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => /DR-1 was approved/.test(m.text ?? '')));
  });
});

describe('rejecting', () => {
  it('asks for a reason in a modal; an empty reason comes back as a field error and rejects nothing', async () => {
    const card = await aliceSendsToStaging();
    await clickOnCard(BOB, 'request_reject', card);
    const modal = await t.modal('reject_modal');
    expect(modal.view.title.text).toContain('DR-1');
    expect(modal.view.blocks.some((b: { block_id?: string }) => b.block_id === 'reason')).toBe(true);

    const empty = await t.submit(BOB, modal, { reason: '   ' });
    expect(empty.status).toBe(200);
    const answer = answerOf(empty);
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)).toEqual(['reason']);
    expect(answer.errors.reason).toMatch(/\S/);
    expect(await stateOfDr1()).toBe('pending_approval');
    expect(t.card('C0STAGING', 'DR-1')!.updates).toBe(0);
  });

  it('with a reason rejects: the card shows who rejected and why and loses its buttons; the requester is told the reason', async () => {
    const card = await aliceSendsToStaging();
    await clickOnCard(BOB, 'request_reject', card);
    const submitted = await t.submit(BOB, await t.modal('reject_modal'), { reason: 'Needs a migration note' });
    expect(answerOf(submitted).response_action).toBeUndefined();
    await t.fake.waitFor(() => t.fake.ephemerals(BOB).find((e) => /You rejected DR-1/.test(e.text ?? '')));

    const rejected = await t.cardWhen('C0STAGING', 'DR-1', (m) => m.updates > 0 && /Rejected/.test(shown(m)));
    expect(rejected.ts).toBe(card.ts);
    expect(shown(rejected)).toContain(`<@${BOB}>`);
    expect(shown(rejected)).toContain('Needs a migration note');
    expect(buttonLabels(rejected)).toEqual([]);
    expect(await stateOfDr1()).toBe('rejected');

    const dm = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('DR-1')));
    expect(dm.text).toMatch(/rejected/);
    expect(dm.text).toContain('Needs a migration note');
    expect(dm.text).toContain(`<@${BOB}>`);

    // One rejection ends the request: approving afterwards is refused.
    const late = await clickOnCard(QA_MEMBER, 'request_approve', card);
    expect((await firstAnswer(late.responseUrl)).text).toMatch(/already rejected/i);
    expect(await stateOfDr1()).toBe('rejected');
  });
});
