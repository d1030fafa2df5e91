import { describe, expect, it } from 'vitest';
import { buttonLabels, useTestBot } from '../helpers/slack-app.ts';
import { ALICE, BOB, CAROL, DAVE } from '../helpers/world.ts';

const t = useTestBot();

const card = () => t.fake.messages('C0PROD').find((m) => m.text?.startsWith('CR-1'));

/** ALICE creates CR-1 in the modal and submits it for approval. */
async function submittedChangeRequest() {
  await t.command(ALICE, 'cr new');
  const opened = await t.modal('change_request_modal');
  const created = await t.submit(ALICE, opened, { name: 'Account tier', type: { option: 'normal' }, overview: 'Add the tier to the account layout', customizations: 'Layout/Account', approvers: { users: [] } });
  expect(created.status).toBe(200);
  await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => e.text?.includes('CR-1')));
  const { responseUrl } = await t.command(ALICE, 'cr submit CR-1');
  await t.fake.waitFor(() => t.fake.responses.find((r) => responseUrl.endsWith(r.name) && r.text?.includes('pending approval')));
  return t.fake.waitFor(card);
}

describe('change request cards', () => {
  it('are posted in production’s channel once submitted, with Approve and Reject', async () => {
    const posted = await submittedChangeRequest();
    expect(JSON.stringify(posted.blocks)).toContain('Account tier');
    expect(JSON.stringify(posted.blocks)).toContain('Waiting for approval');
    expect(buttonLabels(posted)).toEqual(['Approve', 'Reject']);
  });

  it('refuse the creator’s own approval and a non-approver, privately, changing nothing', async () => {
    const posted = await submittedChangeRequest();
    for (const user of [ALICE, DAVE]) {
      const { responseUrl } = await t.click(user, 'change_request_approve', '1', { channelId: 'C0PROD', messageTs: posted.ts });
      const answer = await t.fake.waitFor(() => t.fake.responses.find((r) => responseUrl.endsWith(r.name)));
      expect(answer.text).toMatch(user === ALICE ? /you cannot approve it/ : /not an approver/);
    }
    await t.bot.settled();
    expect((await t.bot.runtime.services.changeRequests.show(1)).votes).toEqual([]);
    expect(card()!.updates).toBe(0);
  });

  it('are updated in place as votes arrive, lose their buttons once approved, and the creator is told', async () => {
    const posted = await submittedChangeRequest();
    await t.click(BOB, 'change_request_approve', '1', { channelId: 'C0PROD', messageTs: posted.ts });
    await t.fake.waitFor(() => card()!.updates >= 1 && card());
    expect(card()!.text).toContain('pending approval');
    await t.click(CAROL, 'change_request_approve', '1', { channelId: 'C0PROD', messageTs: posted.ts });
    const approved = await t.fake.waitFor(() => card()!.text?.includes('approved') && card());
    expect(approved.ts).toBe(posted.ts);
    // Approve and Reject are gone; what is left is working on it: Sync CR.
    expect(buttonLabels(approved)).toEqual(['Sync CR']);
    expect(JSON.stringify(approved.blocks)).toContain('<@U0BOB> and <@U0CAROL>');
    await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('CR-1') && m.text.includes('is approved')));
  });

  it('take a rejection with a reason from the modal', async () => {
    const posted = await submittedChangeRequest();
    await t.click(BOB, 'change_request_reject', '1', { channelId: 'C0PROD', messageTs: posted.ts });
    const modal = await t.modal('change_request_reject_modal');
    const empty = await t.submit(BOB, modal, { reason: null });
    expect(JSON.parse(empty.body)).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringContaining('Say why') } });
    await t.submit(BOB, modal, { reason: 'No rollback plan' });
    const rejected = await t.fake.waitFor(() => card()!.text?.includes('rejected') && card());
    expect(JSON.stringify(rejected.blocks)).toContain('No rollback plan');
    expect(buttonLabels(rejected)).toEqual([]);
    await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('No rollback plan')));
  });
});
