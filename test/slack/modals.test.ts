import { describe, expect, it } from 'vitest';
import type { FakeMessage, FakeViewRecord } from '../helpers/fake-slack.ts';
import { approvedInStaging, changedInDevAlice, deployedToProduction, syncedPipeline } from '../helpers/scenarios.ts';
import { answerOf, buttonLabels, shown, useTestBot } from '../helpers/slack-app.ts';
import { as, ADMIN, ALICE, BOB, CAROL, DEPLOYER } from '../helpers/world.ts';

// The modals (send, sync, reject reason, new change request, deploy and revert confirmations), their labels as the
// seeds name them, and bad input coming back as field errors inside the modal. Also the exact button labels.

const t = useTestBot();

type Blocks = FakeMessage['blocks'];

const inputBlocks = (opened: FakeViewRecord) => (opened.view.blocks as Blocks ?? []).filter((b) => b.type === 'input').map((b) => b.block_id as string);

/** Alice changed Layout/Account in dev-alice. */
async function aliceChangedDevAlice() {
  await changedInDevAlice(t);
  await t.bot.settled();
}

/** Staging carries a change of its own (Layout/Account v2), to be sent to production. */
async function stagingChanged() {
  await syncedPipeline(t);
  await t.bot.runtime.services.components.put(as(ADMIN), 'staging', [{ key: 'Layout/Account', content: 'v2' }]);
  await t.bot.settled();
}

/** CR-1, created by Alice and approved by Bob and Carol. */
async function approvedChangeRequest() {
  const s = t.bot.runtime.services;
  const cr = await s.changeRequests.create(as(ALICE), { name: 'Account tiers', type: 'normal', overview: 'Adds tiers to accounts' });
  await s.changeRequests.submit(as(ALICE), cr.id);
  await s.changeRequests.approve(as(BOB), cr.id);
  await s.changeRequests.approve(as(CAROL), cr.id);
  return cr.id;
}

/** Runs `open` (a command or a click) and waits for the modal with this callback id that it opens: a new one, not an earlier one. */
async function modalOpenedBy(callbackId: string, open: () => Promise<unknown>): Promise<FakeViewRecord> {
  const before = t.fake.views('open').length;
  await open();
  return t.fake.waitFor(() => t.fake.views('open').slice(before).find((v) => v.view.callback_id === callbackId));
}

/** Opens the send modal of `instance` as `user`, from `/sandbox send`. */
const openSend = (user: string, instance: string) => modalOpenedBy('send_modal', () => t.command(user, `send ${instance}`));
const openSync = (user: string, instance: string) => modalOpenedBy('sync_modal', () => t.command(user, `sync ${instance}`));

describe('labels follow the target', () => {
  it('the sync modal is "Sync with Instance" below staging and "Sync with Production" below production', async () => {
    await syncedPipeline(t);
    const dev = await openSync(ALICE, 'dev-alice');
    expect(dev.view.title.text).toBe('Sync with Instance');
    expect(inputBlocks(dev)).toEqual(['source']);
    const staging = await openSync(ADMIN, 'staging');
    expect(staging.view.title.text).toBe('Sync with Production');
    const source = staging.view.blocks.find((b: { block_id?: string }) => b.block_id === 'source');
    expect(source.element.options.map((o: { value: string }) => o.value)).toEqual(['production']);
  });

  it('the send modal is "Send to Staging" from development and "Send to Production" from staging', async () => {
    await stagingChanged();
    await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v3' }]);
    await approvedChangeRequest();
    expect((await openSend(ALICE, 'dev-alice')).view.title.text).toBe('Send to Staging');
    expect((await openSend(ADMIN, 'staging')).view.title.text).toBe('Send to Production');
  });

  it('the send modal shows where from, where to and the change summary, and asks for a message (no change request field while none is approved)', async () => {
    await aliceChangedDevAlice();
    await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Workflow/Onboarding', content: 'steps: 3' }]);
    const opened = await openSend(ALICE, 'dev-alice');
    const text = shown(opened.view as { blocks: Blocks });
    expect(text).toContain('dev-alice (Development)');
    expect(text).toContain('staging (Staging)');
    expect(text).toMatch(/2 changes \(1 added, 1 modified\)/);
    expect(text).toContain('Layout/Account');
    expect(text).toContain('Workflow/Onboarding');
    expect(inputBlocks(opened)).toEqual(['components', 'message']);
    // Every change ticked: the send carries all of them unless the sender unticks some.
    const choice = opened.view.blocks.find((b: { block_id?: string }) => b.block_id === 'components').element;
    expect(choice.initial_options).toEqual(choice.options);
    expect(choice.options.map((o: { value: string }) => o.value)).toEqual(['Layout/Account', 'Workflow/Onboarding']);
    expect(text).not.toMatch(/CR-\d/);
    expect(opened.view.submit.text).toBe('Send');
  });
});

describe('choosing what the send modal sends', () => {
  it('sends only the ticked components; the unticked one stays in the project', async () => {
    await aliceChangedDevAlice();
    await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Workflow/Onboarding', content: 'steps: 3' }]);
    const submitted = await t.submit(ALICE, await openSend(ALICE, 'dev-alice'), { components: { checked: ['Workflow/Onboarding'] }, message: 'onboarding only' });
    expect(submitted.status).toBe(200);
    await t.bot.settled();
    const [queue] = await t.bot.runtime.services.queue('Staging');
    expect(queue!.requests).toHaveLength(1);
    const { items } = await t.bot.runtime.services.diff(queue!.requests[0]!.id);
    expect(items.map((i) => i.key)).toEqual(['Workflow/Onboarding']);
    const again = await openSend(ALICE, 'dev-alice');
    expect(again.view.blocks.find((b: { block_id?: string }) => b.block_id === 'components').element.options.map((o: { value: string }) => o.value)).toEqual(['Layout/Account', 'Workflow/Onboarding']);
  });

  it('refuses nothing ticked under the field, and sends nothing', async () => {
    await aliceChangedDevAlice();
    const answer = answerOf(await t.submit(ALICE, await openSend(ALICE, 'dev-alice'), { components: { checked: [] }, message: 'nothing' }));
    expect(answer.response_action).toBe('errors');
    expect(answer.errors).toEqual({ components: 'Tick at least one component: a send carries something.' });
    expect(await t.bot.runtime.services.queue('Staging')).toEqual([expect.objectContaining({ requests: [] })]);
  });

  it('with more changes than Slack shows as checkboxes, asks what to leave out, and sends the rest', async () => {
    await aliceChangedDevAlice();
    const many = Array.from({ length: 11 }, (_, i) => ({ key: `Flow/Step${String(i).padStart(2, '0')}`, content: `step ${i}` }));
    await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', many);
    const opened = await openSend(ALICE, 'dev-alice');
    expect(inputBlocks(opened)).toEqual(['leave_out', 'message']);
    const leaveOut = opened.view.blocks.find((b: { block_id?: string }) => b.block_id === 'leave_out');
    expect(leaveOut.optional).toBe(true);
    expect(leaveOut.element.type).toBe('multi_static_select');
    expect(leaveOut.element.options).toHaveLength(12);
    await t.submit(ALICE, opened, { leave_out: { checked: ['Layout/Account'] }, message: 'the steps' });
    await t.bot.settled();
    const [queue] = await t.bot.runtime.services.queue('Staging');
    const { items } = await t.bot.runtime.services.diff(queue!.requests[0]!.id);
    expect(items.map((i) => i.key)).toEqual(many.map((m) => m.key));
  });
});

describe('field errors in the send modal', () => {
  it('an empty deployment message comes back as an error on the message field, and nothing is sent', async () => {
    await aliceChangedDevAlice();
    const submitted = await t.submit(ALICE, await openSend(ALICE, 'dev-alice'), { message: '  ' });
    expect(submitted.status).toBe(200);
    const answer = answerOf(submitted);
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)).toEqual(['message']);
    expect(await t.bot.runtime.services.queue('Staging')).toEqual([expect.objectContaining({ requests: [] })]);
  });

  it('sending to Production while no change request is approved is refused before the modal opens, saying how to get one', async () => {
    await stagingChanged();
    const asked = await t.command(ADMIN, 'send staging', 'C0STAGING');
    await t.bot.settled();
    const [answer] = await t.answers(asked.responseUrl);
    expect(answer?.text).toMatch(/Production requires an approved change request, and none is approved yet\. Create one with `\/sandbox cr new`/);
    expect(t.fake.views('open')).toEqual([]);
  });

  it('the send modal to Production says first that it needs an approved change request, and refuses a send without one under its field', async () => {
    await stagingChanged();
    await approvedChangeRequest();
    const opened = await openSend(ADMIN, 'staging');
    const notice = opened.view.blocks.findIndex((b: { text?: { text: string } }) => /requires an approved change request/.test(b.text?.text ?? ''));
    const firstInput = opened.view.blocks.findIndex((b: { type: string }) => b.type === 'input');
    expect(notice).toBeGreaterThan(-1);
    expect(notice).toBeLessThan(firstInput);
    const answer = answerOf(await t.submit(ADMIN, opened, { message: 'Account tiers', change_request: '' }));
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)).toEqual(['change_request']);
    expect(answer.errors.change_request).toMatch(/requires an approved change request/);
    await t.bot.settled();
    expect(t.fake.messages('C0PROD').some((m) => m.text?.startsWith('DR-'))).toBe(false);
  });

  it('with an approved change request offered as a choice, the send to Production goes ahead', async () => {
    await stagingChanged();
    const cr = await approvedChangeRequest();
    const opened = await openSend(ADMIN, 'staging');
    const field = opened.view.blocks.find((b: { block_id?: string }) => b.block_id === 'change_request');
    expect(field.element.type).toBe('static_select');
    expect(field.element.options.map((o: { text: { text: string } }) => o.text.text)).toEqual(['CR-1 Account tiers']);
    const answer = answerOf(await t.submit(ADMIN, opened, { message: 'Account tiers', change_request: { option: String(cr) } }));
    expect(answer.response_action).toBeUndefined();
    const card = await t.cardWhen('C0PROD', 'DR-1');
    expect(shown(card)).toContain('CR-1');
    await t.fake.waitFor(() => t.fake.ephemerals(ADMIN).find((e) => /DR-1/.test(e.text ?? '')));
  });

  it('a drifted parent: the modal warns and asks for confirmation; unticked it comes back as an error on confirm_drift, ticked it sends', async () => {
    await aliceChangedDevAlice();
    await t.bot.runtime.services.components.put(as(ADMIN), 'staging', [{ key: 'Flow/Approval', content: 'changed upstream' }]);
    const opened = await openSend(ALICE, 'dev-alice');
    expect(shown(opened.view as { blocks: Blocks })).toMatch(/staging has changed since dev-alice last synced/);
    expect(inputBlocks(opened)).toContain('confirm_drift');
    const checkbox = opened.view.blocks.find((b: { block_id?: string }) => b.block_id === 'confirm_drift');
    expect(checkbox.element.type).toBe('checkboxes');

    const unticked = answerOf(await t.submit(ALICE, opened, { message: 'Tier on account', confirm_drift: { checked: [] } }));
    expect(unticked.response_action).toBe('errors');
    expect(Object.keys(unticked.errors)).toEqual(['confirm_drift']);
    expect(unticked.errors.confirm_drift).toMatch(/Sync first/);
    expect((await t.bot.runtime.services.queue('Staging'))[0]!.requests).toEqual([]);

    const ticked = answerOf(await t.submit(ALICE, opened, { message: 'Tier on account', confirm_drift: { checked: ['yes'] } }));
    expect(ticked.response_action).toBeUndefined();
    await t.cardWhen('C0STAGING', 'DR-1');
    const answer = await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => /DR-1/.test(e.text ?? '')));
    expect(answer.text).toMatch(/changed since your last sync/);
  });

  it('a parent that drifts while the modal is open: the refusal replaces the form, which has no drift box to tick', async () => {
    await aliceChangedDevAlice();
    await t.bot.runtime.services.sync(as(ALICE), 'dev-alice', 'staging');
    await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'tier and region' }]);
    const opened = await openSend(ALICE, 'dev-alice');
    expect(inputBlocks(opened)).not.toContain('confirm_drift');
    await t.bot.runtime.services.components.put(as(ADMIN), 'staging', [{ key: 'Flow/Approval', content: 'changed upstream' }]);

    const answer = answerOf(await t.submit(ALICE, opened, { message: 'Tier on account' }));
    expect(answer.response_action).toBe('update');
    expect(JSON.stringify(answer.view.blocks)).toMatch(/Sync first/);
    expect((await t.bot.runtime.services.queue('Staging'))[0]!.requests).toEqual([]);
  });
});

describe('the new change request modal', () => {
  it('refuses an empty name and overview as field errors, and creates CR-1 when filled in, answering with its id', async () => {
    await t.command(ALICE, 'cr new');
    const opened = await t.modal('change_request_modal');
    expect(inputBlocks(opened)).toEqual(['name', 'type', 'overview', 'customizations', 'approvers']);

    const empty = answerOf(await t.submit(ALICE, opened, { name: '', type: { option: 'normal' }, overview: ' ', customizations: null }));
    expect(empty.response_action).toBe('errors');
    expect(Object.keys(empty.errors).sort()).toEqual(['name', 'overview']);
    expect(await t.bot.runtime.services.changeRequests.list()).toEqual([]);

    const filled = answerOf(
      await t.submit(ALICE, opened, {
        name: 'Account tiers',
        type: { option: 'standard' },
        overview: 'Adds tiers to accounts',
        customizations: 'Layout/Account, Flow/Tiering\nLayout/Account Page',
        approvers: { users: [CAROL] },
      }),
    );
    expect(filled.response_action).toBeUndefined();
    const answer = await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => /CR-1/.test(e.text ?? '')));
    expect(answer.text).toContain('Account tiers');
    const [cr] = await t.bot.runtime.services.changeRequests.list();
    expect(cr).toMatchObject({ id: 1, name: 'Account tiers', type: 'standard', state: 'draft', additionalApprovers: [CAROL], createdBy: ALICE });
    // Keys are separated by commas or lines, as the hint says: a key may hold a space.
    expect([...cr!.customizations, ...cr!.proposedCustomizations].sort()).toEqual(['Flow/Tiering', 'Layout/Account', 'Layout/Account Page']);
  });

  it('refuses malformed customizations as an error inside the modal, creating nothing', async () => {
    await t.command(ALICE, 'cr new');
    const opened = await t.modal('change_request_modal');
    const answer = answerOf(await t.submit(ALICE, opened, { name: 'Tiers', type: { option: 'normal' }, overview: 'Adds tiers', customizations: 'not a key' }));
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)).toEqual(['customizations']);
    expect(await t.bot.runtime.services.changeRequests.list()).toEqual([]);
  });
});

describe('confirmations say what will happen', () => {
  it('the deploy confirmation names the request, its changes, from where to where and its message', async () => {
    await approvedInStaging(t);
    await t.command(DEPLOYER, 'deploy DR-1', 'C0STAGING');
    const opened = await t.modal('deploy_modal');
    expect(opened.view.title.text).toBe('Deploy DR-1');
    expect(opened.view.submit.text).toBe('Deploy');
    const text = shown(opened.view as { blocks: Blocks });
    expect(text).toContain('DR-1');
    expect(text).toContain('1 change (1 modified)');
    expect(text).toContain('dev-alice');
    expect(text).toContain('staging');
    expect(text).toContain('Staging');
    expect(text).toContain('Tier on account');
    expect(text).toMatch(/all-or-nothing/);
  });

  it('the revert confirmation names the deployment and says it restores, locks Production and bars the changes', async () => {
    await deployedToProduction(t);
    await t.command(DEPLOYER, 'revert', 'C0PROD');
    const opened = await t.modal('revert_modal');
    expect(opened.view.title.text).toBe('Revert Changes');
    expect(opened.view.submit.text).toBe('Revert Changes');
    const text = shown(opened.view as { blocks: Blocks });
    expect(text).toContain('DR-1');
    expect(text).toContain('Production');
    expect(text).toContain('Account tiers to production');
    expect(text).toMatch(/restores/);
    expect(text).toMatch(/locks Production/);
    expect(text).toMatch(/deployed again as-is/);
  });

  it('the revert confirmation offers an admin the components to revert, all ticked; unticking one reverts only the rest', async () => {
    const s = t.bot.runtime.services;
    await s.components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'v1' }]);
    await s.sync(as(ADMIN), 'staging');
    await s.components.put(as(ADMIN), 'staging', [{ key: 'Layout/Account', content: 'v2' }, { key: 'Layout/Banner', content: 'b1' }]);
    const cr = await s.changeRequests.create(as(ALICE), { name: 'Banner', type: 'normal', overview: 'a banner' });
    await s.changeRequests.submit(as(ALICE), cr.id);
    await s.changeRequests.approve(as(BOB), cr.id);
    await s.changeRequests.approve(as(CAROL), cr.id);
    await t.bot.services.send(as(ALICE), { instance: 'staging', message: 'banner', changeRequestId: cr.id });
    await t.bot.services.approve(as(BOB), 1);
    await t.bot.services.approve(as(CAROL), 1);
    expect((await t.bot.services.deploy(as(DEPLOYER), 1)).succeeded).toBe(true);
    await t.bot.settled();

    // The deployer, no admin, reverts all or nothing: no choice is offered.
    await t.command(DEPLOYER, 'revert', 'C0PROD');
    expect(inputBlocks(await t.modal('revert_modal'))).toEqual(['reason']);

    await t.command(ADMIN, 'revert', 'C0PROD');
    const opened = await t.fake.waitFor(() => t.fake.views('open').filter((v) => (v.view as { callback_id?: string }).callback_id === 'revert_modal')[1]);
    expect(inputBlocks(opened)).toEqual(['components', 'reason']);
    const choice = opened.view.blocks.find((b: { block_id?: string }) => b.block_id === 'components').element;
    expect(choice.initial_options.map((o: { value: string }) => o.value)).toEqual(['Layout/Account', 'Layout/Banner']);
    const submitted = await t.submit(ADMIN, opened, { components: { checked: ['Layout/Banner'] }, reason: 'the banner broke' });
    expect(submitted.status).toBe(200);
    await t.bot.settled();
    const production = Object.fromEntries((await s.components.list('production')).map((c) => [c.key, c.content]));
    expect(production).toEqual({ 'Layout/Account': 'v2' });
    const said = t.fake.calls.filter((c) => c.method === 'chat.postMessage').map((c) => JSON.stringify(c.args));
    expect(said.some((text) => /reverted 1 component of DR-1 \(Layout\/Banner\)/.test(text)), said.join('\n')).toBe(true);
  });

  it('the reject reason modal names the request and asks for a reason', async () => {
    await aliceChangedDevAlice();
    await t.bot.services.send(as(ALICE), { instance: 'dev-alice', message: 'Tier on account' });
    await t.command(BOB, 'reject DR-1', 'C0STAGING');
    const opened = await t.modal('reject_modal');
    expect(opened.view.title.text).toBe('Reject DR-1');
    expect(opened.view.submit.text).toBe('Reject');
    expect(inputBlocks(opened)).toEqual(['reason']);
  });
});

describe('button labels', () => {
  it('are exactly Approve and Reject, then Deploy and Reject, then View Logs once deployed', async () => {
    await aliceChangedDevAlice();
    await t.bot.services.send(as(ALICE), { instance: 'dev-alice', message: 'Tier on account' });
    expect(buttonLabels(await t.cardWhen('C0STAGING', 'DR-1'))).toEqual(['Approve', 'Reject', 'Assign to me', 'View changes']);
    await t.bot.services.approve(as(BOB), 1);
    expect(buttonLabels(await t.cardWhen('C0STAGING', 'DR-1', (m) => m.updates > 0))).toEqual(['Deploy', 'Reject', 'View changes']);
    await t.bot.services.deploy(as(DEPLOYER), 1);
    await t.bot.settled();
    expect(buttonLabels(t.card('C0STAGING', 'DR-1'))).toEqual(['View Logs', 'View changes']);
  });

  it('on App Home are "Sync with Instance" and "Send to Staging" for Alice’s dev-alice with changes', async () => {
    await aliceChangedDevAlice();
    await t.openHome(ALICE);
    const home = await t.fake.waitFor(() => t.fake.views('publish').find((v) => v.user_id === ALICE));
    const devAlice = (home.view.blocks as Blocks ?? []).find((b) => b.type === 'actions' && b.elements.some((e: { value: string }) => e.value === 'dev-alice'));
    expect(buttonLabels({ blocks: devAlice ? [devAlice] : [] })).toEqual(['Sync with Instance', 'Send to Staging']);
  });

  it('on App Home are "Sync with Production" and "Send to Production" for a staging instance with changes, and "Revert Changes" for the deployer', async () => {
    await stagingChanged();
    await t.openHome(ADMIN);
    const home = await t.fake.waitFor(() => t.fake.views('publish').find((v) => v.user_id === ADMIN));
    const staging = (home.view.blocks as Blocks ?? []).find((b) => b.type === 'actions' && b.elements.some((e: { value: string }) => e.value === 'staging'));
    expect(buttonLabels({ blocks: staging ? [staging] : [] })).toEqual(['Sync with Production', 'Send to Production']);

    const cr = await approvedChangeRequest();
    await t.bot.services.send(as(ALICE), { instance: 'staging', message: 'Account tiers to production', changeRequestId: cr });
    await t.bot.services.approve(as(BOB), 1);
    await t.bot.services.approve(as(CAROL), 1);
    await t.bot.services.deploy(as(DEPLOYER), 1);
    await t.openHome(DEPLOYER);
    const deployerHome = await t.fake.waitFor(() => t.fake.views('publish').find((v) => v.user_id === DEPLOYER));
    expect(buttonLabels(deployerHome.view as { blocks: Blocks })).toContain('Revert Changes');
  });
});
