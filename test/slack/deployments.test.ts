import { describe, expect, it } from 'vitest';
import type { FakeCall, FakeMessage } from '../helpers/fake-slack.ts';
import { approvedInStaging, deployedToProduction, syncedPipeline } from '../helpers/scenarios.ts';
import { answerOf, buttonLabels, buttonsOf, shown, useTestBot } from '../helpers/slack-app.ts';
import { as, ADMIN, ALICE, BOB, DAVE, DEPLOYER } from '../helpers/world.ts';

// Deployments from Slack: the Deploy button and its confirmation, the parent message in the environment's channel
// updated in place, the log threaded under it (paced, retried, no line lost), failed deployments, View Logs,
// reverts from App Home, and a sync started from Slack.

const t = useTestBot();

type Blocks = FakeMessage['blocks'];

/**
 * The parent message of the newest run whose heading starts with `heading` (e.g. `Deployment of DR-1`), once `ok`
 * holds. Parents that were already there when `before` was taken (see `parentsNow`) are not it.
 */
const runParentWhen = (channel: string, heading: string, ok: (m: FakeMessage) => boolean = () => true, timeoutMs = 30_000, before: string[] = []) =>
  t.fake.waitFor(
    () => {
      const parent = t.fake.messages(channel).filter((m) => m.text?.startsWith(heading) && !before.includes(m.ts)).at(-1);
      return parent && ok(parent) ? parent : undefined;
    },
    { timeoutMs },
  );
const parentsNow = (channel: string) => t.fake.messages(channel).map((m) => m.ts);
const finished = (m: FakeMessage) => !/: running$/.test(m.text ?? '');
const runIdOf = (parent: FakeMessage) => `RUN-${/· RUN-(\d+)/.exec(parent.text ?? '')![1]}`;

/** The log lines of a thread, one per line, without the level mark each starts with. */
function threadLines(channel: string, parentTs: string): string[] {
  return t.fake
    .thread(channel, parentTs)
    .flatMap((m) => (m.text ?? '').split('\n'))
    .map((line) => line.replace(/^(•|:warning:|:x:) /, ''));
}

/** The stored lines of a run, as `/sandbox logs` has them. */
async function storedLines(runId: string): Promise<string[]> {
  const [run] = await t.bot.runtime.services.logs(runId);
  return run!.lines.map((l) => l.text);
}

/** The deployer hears privately how the deployment of DR-1 went: the last thing its submission does. */
const deployerTold = () => t.fake.waitFor(() => t.fake.ephemerals(DEPLOYER).find((e) => /DR-1 is deployed|deployment of DR-1 .*failed/i.test(e.text ?? '')), { timeoutMs: 20_000 });

/**
 * The deployer clicks Deploy on the card and confirms in the modal; returns the modal and the submission's HTTP
 * answer once the deployer has been told the outcome (its thread may still be being written).
 */
async function deployFromCard(card: FakeMessage) {
  const click = await t.click(DEPLOYER, 'request_deploy', '1', { channelId: card.channel, messageTs: card.ts });
  expect(click.status).toBe(200);
  const modal = await t.modal('deploy_modal');
  const submitted = await t.submit(DEPLOYER, modal, {});
  await deployerTold();
  return { modal, submitted };
}

/** Successful chat.postMessage calls per channel, in order. */
function postsByChannel(): Map<string, FakeCall[]> {
  const byChannel = new Map<string, FakeCall[]>();
  for (const call of t.fake.ok('chat.postMessage')) {
    const channel = String(call.response.channel ?? call.args.channel);
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), call]);
  }
  return byChannel;
}

describe('one notice per person per outcome', () => {
  it('a requester who deploys their own request hears it privately, not again by direct message; a decision by someone else comes by direct message', async () => {
    await syncedPipeline(t);
    const s = t.bot.services;
    await s.sync(as(ADMIN), 'dev-bob');
    await s.components.put(as(DEPLOYER), 'dev-bob', [{ key: 'Flow/Own', content: 'mine' }]);
    await s.send(as(DEPLOYER), { instance: 'dev-bob', message: 'my own change' });
    await s.approve(as(BOB), 1);
    await t.bot.settled();
    expect(t.fake.dms(DEPLOYER).map((m) => m.text)).toEqual([expect.stringMatching(/DR-1 was approved by <@U0BOB>/)]);
    const card = await t.cardWhen('C0STAGING', 'DR-1', (m) => buttonLabels(m).includes('Deploy'));
    await deployFromCard(card);
    await t.bot.settled();
    expect(t.fake.dms(DEPLOYER).filter((m) => /DR-1 is deployed/.test(m.text ?? ''))).toEqual([]);
    expect(t.fake.ephemerals(DEPLOYER).filter((e) => /DR-1 is deployed/.test(e.text ?? ''))).toHaveLength(1);
  });
});

describe('deploying from the Deploy button', () => {
  it('asks for confirmation in a modal titled with the request, then threads the run under a parent message updated in place', async () => {
    const card = await approvedInStaging(t);
    const { modal, submitted } = await deployFromCard(card);
    expect(modal.view.title.text).toBe('Deploy DR-1');
    expect(submitted.status).toBe(200);
    expect(answerOf(submitted).response_action).toBeUndefined();

    const parent = await runParentWhen('C0STAGING', 'Deployment of DR-1', finished);
    await t.bot.settled();
    const final = t.fake.messages('C0STAGING').find((m) => m.ts === parent.ts)!;
    expect(final.ts).not.toBe(card.ts);
    expect(final.updates).toBeGreaterThan(0);
    expect(final.text).toMatch(/succeeded$/);
    const status = shown(final);
    expect(status).toMatch(/succeeded/);
    expect(status).toMatch(/▰{10} 100%/);
    expect(status).toMatch(/took \d+s/);
    expect(buttonsOf(final)).toEqual([{ text: 'View Logs', action: 'view_logs', value: runIdOf(final) }]);
    // Only one parent message for the run: it was edited, never posted again.
    expect(t.fake.messages('C0STAGING').filter((m) => m.text?.startsWith('Deployment of DR-1'))).toHaveLength(1);
  });

  it('threads every log line of the run, in order, none lost', async () => {
    const card = await approvedInStaging(t);
    await deployFromCard(card);
    const parent = await runParentWhen('C0STAGING', 'Deployment of DR-1', finished);
    await t.bot.settled();
    const lines = await storedLines(runIdOf(parent));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.at(-1)).toMatch(/Deployment succeeded/);
    expect(threadLines('C0STAGING', parent.ts)).toEqual(lines);
  });

  it('shows Deployed on the request card (same message) and tells the requester by direct message', async () => {
    const card = await approvedInStaging(t);
    await deployFromCard(card);
    const deployed = await t.cardWhen('C0STAGING', 'DR-1', (m) => /Deployed/.test(shown(m)));
    expect(deployed.ts).toBe(card.ts);
    expect(shown(deployed)).toContain(`<@${DEPLOYER}>`);
    expect(buttonLabels(deployed)).toEqual(['View Logs']);
    const dm = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => /DR-1 is deployed/.test(m.text ?? '')));
    expect(dm.text).toContain('Staging');
    // The deployer hears the outcome privately.
    await t.fake.waitFor(() => t.fake.ephemerals(DEPLOYER).find((e) => /DR-1 is deployed/.test(e.text ?? '')));
  });

  it('refuses a non-deployer privately and opens no modal', async () => {
    const card = await approvedInStaging(t);
    const click = await t.click(DAVE, 'request_deploy', '1', { channelId: card.channel, messageTs: card.ts });
    const answer = await t.fake.waitFor(() => t.fake.responses.find((r) => r.name === click.responseUrl.split('/').at(-1)));
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/cannot deploy in Staging/);
    await t.bot.settled();
    expect(t.fake.views('open')).toEqual([]);
    expect((await t.bot.runtime.services.requestOverview(1)).request.state).toBe('approved');
    expect(t.fake.messages('C0STAGING').some((m) => m.text?.startsWith('Deployment of'))).toBe(false);
  });
});

describe('the thread within Slack limits', () => {
  it('paces thread posts to about one per second per channel: the rate limiter never answers 429 and no line is lost', async () => {
    t.slackPace();
    // 300 components, each depending on a key the target lacks: validation logs 300 error lines.
    const many = Array.from({ length: 300 }, (_, i) => ({
      key: `Layout/Screen${String(i).padStart(3, '0')}`,
      content: `screen ${i}`,
      dependsOn: [`Flow/Missing${String(i).padStart(3, '0')}`],
    }));
    const card = await approvedInStaging(t, { changes: many });
    t.fake.rateLimit({ method: 'chat.postMessage', perChannelPerSecond: 1, retryAfter: 1 });
    await deployFromCard(card);
    const parent = await runParentWhen('C0STAGING', 'Deployment of DR-1', finished, 60_000);
    await t.bot.settled();

    const lines = await storedLines(runIdOf(parent));
    expect(lines.filter((l) => l.startsWith('Missing dependency'))).toHaveLength(300);
    expect(threadLines('C0STAGING', parent.ts)).toEqual(lines);
    expect(t.fake.thread('C0STAGING', parent.ts).length).toBeGreaterThan(3);

    const limited = t.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 429);
    expect(limited.map((c) => `${c.args.channel} ${String(c.args.text).slice(0, 40)}`)).toEqual([]);
    for (const [channel, posts] of postsByChannel()) {
      const gaps = posts.slice(1).map((p, i) => p.at - posts[i]!.at);
      expect({ channel, tooClose: gaps.filter((g) => g < 900) }).toEqual({ channel, tooClose: [] });
    }
  });

  it('survives HTTP 429 (honouring Retry-After) and 500 from Slack: every line arrives in order, card and requester still told', async () => {
    t.slackPace();
    const card = await approvedInStaging(t);
    const click = await t.click(DEPLOYER, 'request_deploy', '1', { channelId: card.channel, messageTs: card.ts });
    expect(click.status).toBe(200);
    const modal = await t.modal('deploy_modal');
    t.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
    t.fake.failNext('chat.postMessage', { status: 500 });
    await t.submit(DEPLOYER, modal, {});

    const parent = await runParentWhen('C0STAGING', 'Deployment of DR-1', finished, 30_000);
    await t.bot.settled();
    expect(threadLines('C0STAGING', parent.ts)).toEqual(await storedLines(runIdOf(parent)));

    const posts = t.fake.calls.filter((c) => c.method === 'chat.postMessage');
    const failures = posts.filter((c) => c.status !== 200);
    expect(failures.map((c) => c.status)).toEqual([429, 429, 500]);
    for (const failure of failures.filter((c) => c.status === 429)) {
      const retry = posts.find((c) => c.at >= failure.at && c !== failure && c.args.channel === failure.args.channel && posts.indexOf(c) > posts.indexOf(failure));
      expect(retry, 'a 429 is retried').toBeDefined();
      expect(retry!.at - failure.at).toBeGreaterThanOrEqual(990);
    }

    const deployed = await t.cardWhen('C0STAGING', 'DR-1', (m) => /Deployed/.test(shown(m)));
    expect(deployed.ts).toBe(card.ts);
    await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => /DR-1 is deployed/.test(m.text ?? '')), { timeoutMs: 20_000 });
    await deployerTold();
  });
});

describe('a failed deployment', () => {
  /** Alice's Layout/Account depends on Flow/Missing, which Staging does not have. */
  const missingDependency = [{ key: 'Layout/Account', content: 'v2', dependsOn: ['Flow/Missing'] }];

  it('shows failed with the reason on the parent, threads the error lines, leaves the card with Deploy, Reject and View Logs, and tells the requester why', async () => {
    const card = await approvedInStaging(t, { changes: missingDependency });
    await deployFromCard(card);

    const parent = await runParentWhen('C0STAGING', 'Deployment of DR-1', finished);
    await t.bot.settled();
    const final = t.fake.messages('C0STAGING').find((m) => m.ts === parent.ts)!;
    expect(final.text).toMatch(/failed$/);
    expect(shown(final)).toMatch(/failed/);
    expect(shown(final)).toMatch(/1 missing dependency/);
    expect(buttonLabels(final)).toEqual(['View Logs']);

    const thread = threadLines('C0STAGING', parent.ts);
    expect(thread).toEqual(await storedLines(runIdOf(parent)));
    expect(thread).toContainEqual(expect.stringMatching(/Missing dependency: Layout\/Account depends on Flow\/Missing/));
    expect(thread.at(-1)).toMatch(/Deployment failed: 1 missing dependency/);
    expect(t.fake.thread('C0STAGING', parent.ts).some((m) => m.text?.includes(':x:'))).toBe(true);

    const failed = await t.cardWhen('C0STAGING', 'DR-1', (m) => /failed/i.test(shown(m)) && buttonLabels(m).includes('View Logs'));
    expect(failed.ts).toBe(card.ts);
    expect(shown(failed)).toMatch(/1 missing dependency/);
    expect(buttonLabels(failed)).toEqual(['Deploy', 'Reject', 'View Logs']);

    const dm = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => /DR-1/.test(m.text ?? '') && /failed/.test(m.text ?? '')));
    expect(dm.text).toMatch(/1 missing dependency/);
    expect((await t.bot.runtime.services.requestOverview(1)).request.state).toBe('failed');
  });

  it('View Logs on the parent opens a modal with the run and every one of its lines', async () => {
    const card = await approvedInStaging(t, { changes: missingDependency });
    await deployFromCard(card);
    const parent = await runParentWhen('C0STAGING', 'Deployment of DR-1', finished);
    await t.bot.settled();
    const runId = runIdOf(parent);

    const viewLogs = buttonsOf(parent).find((b) => b.text === 'View Logs')!;
    await t.click(ALICE, viewLogs.action, viewLogs.value, { channelId: 'C0STAGING', messageTs: parent.ts });
    const modal = await t.modal('logs_modal');
    expect(modal.view.title.text).toBe(`Logs ${runId}`);
    const text = shown(modal.view as { blocks: Blocks });
    expect(text).toContain(runId);
    expect(text).toMatch(/failed/);
    expect(text).toContain('Tier on account');
    for (const line of await storedLines(runId)) expect(text).toContain(line);
  });
});

describe('reverting the latest production deployment', () => {
  /** The deployer opens App Home, clicks Revert Changes on DR-1 and confirms in the modal. */
  async function deployerRevertsFromHome(reason = 'checkout fails for annual plans') {
    await t.openHome(DEPLOYER);
    const home = await t.fake.waitFor(() => t.fake.views('publish').find((v) => v.user_id === DEPLOYER));
    const revertButton = buttonsOf(home.view as { blocks: Blocks }).find((b) => b.text === 'Revert Changes');
    expect(revertButton).toMatchObject({ action: 'revert_changes', value: '1' });
    await t.click(DEPLOYER, revertButton!.action, revertButton!.value, { home: true });
    const modal = await t.modal('revert_modal');
    expect(shown(modal.view as { blocks: Blocks })).toContain('DR-1');
    const submitted = await t.submit(DEPLOYER, modal, { reason });
    expect(answerOf(submitted).response_action).toBeUndefined();
    const parent = await runParentWhen('C0PROD', 'Revert of DR-1', finished);
    await t.bot.settled();
    await t.fake.waitFor(() => t.fake.dms(DEPLOYER).find((m) => /DR-1 is reverted/.test(m.text ?? '')));
    return parent;
  }

  it('offers Revert Changes on the deployer’s App Home; confirming runs a revert threaded in the Production channel and the card shows reverted', async () => {
    await deployedToProduction(t);
    const card = t.card('C0PROD', 'DR-1')!;
    const parent = await deployerRevertsFromHome();

    const final = t.fake.messages('C0PROD').find((m) => m.ts === parent.ts)!;
    expect(final.ts).not.toBe(card.ts);
    expect(final.text).toMatch(/succeeded$/);
    expect(final.updates).toBeGreaterThan(0);
    expect(buttonLabels(final)).toEqual(['View Logs']);
    const thread = threadLines('C0PROD', parent.ts);
    expect(thread).toEqual(await storedLines(runIdOf(parent)));
    expect(thread).toContainEqual(expect.stringMatching(/Restored 1 component/));

    const reverted = await t.cardWhen('C0PROD', 'DR-1', (m) => /Reverted/.test(shown(m)));
    expect(reverted.ts).toBe(card.ts);
    expect(buttonLabels(reverted)).toEqual(['View Logs']);
    await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => /DR-1 was reverted/.test(m.text ?? '')));
    await t.fake.waitFor(() => t.fake.dms(DEPLOYER).find((m) => /DR-1 is reverted/.test(m.text ?? '')));
    const production = await t.bot.runtime.services.components.list('production');
    expect(production.find((c) => c.key === 'Layout/Account')?.content).toBe('v1');
  });

  it('announces in the Production channel, outside the thread, that Production is locked by the revert, with the reverter’s reason', async () => {
    await deployedToProduction(t);
    const parent = await deployerRevertsFromHome('checkout fails for annual plans');
    const lock = (await t.bot.runtime.services.status()).find((e) => e.environment.name === 'Production')!.environment.lock;
    expect(lock?.reason).toBe('reverted: checkout fails for annual plans');
    const topLevel = t.fake.messages('C0PROD').filter((m) => m.ts !== parent.ts && !m.text?.startsWith('DR-1 '));
    expect(topLevel.map((m) => m.text)).toContainEqual(expect.stringMatching(/locked[\s\S]*reverted: checkout fails for annual plans/i));
  });

  it('asks the reason inside the revert modal, and reverts nothing without one', async () => {
    await deployedToProduction(t);
    await t.command(DEPLOYER, 'revert', 'C0PROD');
    const modal = await t.modal('revert_modal');
    const empty = await t.submit(DEPLOYER, modal, { reason: '  ' });
    expect(answerOf(empty)).toMatchObject({ response_action: 'errors', errors: { reason: 'Say why: it becomes the reason of the lock.' } });
    await t.bot.settled();
    expect((await t.bot.runtime.services.report('DR-1')).request.state).toBe('deployed');
  });

  it('refuses to send the reverted change set again as-is before the send modal opens: no form to fill for nothing', async () => {
    await deployedToProduction(t);
    await deployerRevertsFromHome();
    const asked = await t.command(ALICE, 'send staging', 'C0STAGING');
    await t.bot.settled();
    const [answer] = await t.answers(asked.responseUrl);
    expect(answer?.text).toMatch(/deployed and then reverted: a reverted project cannot be redeployed as-is; make more changes and send again/);
    expect(t.fake.views('open').filter((v) => (v.view as { callback_id?: string }).callback_id === 'send_modal')).toEqual([]);
    expect((await t.bot.runtime.services.queue('Production'))[0]!.requests).toEqual([]);
  });

  it('refuses Revert Changes from someone who neither deployed it nor is an admin, without a modal', async () => {
    await deployedToProduction(t);
    await t.click(DAVE, 'revert_changes', '1', { home: true });
    const dm = await t.fake.waitFor(() => t.fake.dms(DAVE).find((m) => /revert/i.test(m.text ?? '')));
    expect(dm.text).toMatch(/Only <@U0DEPLOY>/);
    await t.bot.settled();
    expect(t.fake.views('open')).toEqual([]);
    expect((await t.bot.runtime.services.requestOverview(1)).request.state).toBe('deployed');
  });
});

describe('a sync started from Slack', () => {
  it('opens the sync modal and answers privately with taken, kept and conflicts and the log; a sandbox’s sync posts nothing in the channel', async () => {
    await syncedPipeline(t, { 'Layout/Account': 'v1', 'Layout/Contact': 'v1', 'Workflow/Onboarding': 'v1' });
    const s = t.bot.runtime.services;
    await s.components.put(as(ADMIN), 'staging', [{ key: 'Layout/Account', content: 'v2 staging' }, { key: 'Workflow/Onboarding', content: 'staging' }]);
    await s.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Contact', content: 'alice' }, { key: 'Workflow/Onboarding', content: 'alice' }]);
    await t.bot.settled();

    const before = parentsNow('C0DEV');
    await t.command(ALICE, 'sync');
    const modal = await t.modal('sync_modal');
    expect(modal.view.title.text).toBe('Sync with Instance');
    const submitted = await t.submit(ALICE, modal, { source: { option: 'staging' } });
    expect(answerOf(submitted).response_action).toBeUndefined();

    const answer = await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => /Synced/.test(e.text ?? '')));
    expect(answer.channel).toBe('C0DEV');
    expect(answer.text).toMatch(/taken 1, kept 1, conflicts 1/);
    expect(answer.text).toContain('Workflow/Onboarding');

    const said = shown(answer);
    expect(said).toContain('Took Layout/Account from staging');
    expect(said).toMatch(/Conflict: Workflow\/Onboarding/);
    await t.bot.settled();
    expect(parentsNow('C0DEV')).toEqual(before);
    expect(t.fake.ephemerals(ALICE).filter((e) => /Synced/.test(e.text ?? ''))).toHaveLength(1);
  });
});
