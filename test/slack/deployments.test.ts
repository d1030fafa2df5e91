import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/types.ts';
import type { FakeCall, FakeMessage } from '../helpers/fake-slack.ts';
import { approvedInStaging, deployedToProduction, syncedPipeline } from '../helpers/scenarios.ts';
import { answerOf, buttonLabels, buttonsOf, shown, useTestBot } from '../helpers/slack-app.ts';
import { as, ADMIN, ALICE, BOB, DAVE, DEPLOYER } from '../helpers/world.ts';

// Deployments from Slack: the Deploy button and its confirmation, the parent message in the environment's channel
// updated in place, the log threaded under it (paced, retried, no line lost), failed deployments, View Logs,
// reverts from App Home, and a sync started from Slack.

const t = useTestBot();

type Blocks = FakeMessage['blocks'];

const parentsNow = (channel: string) => t.fake.messages(channel).map((m) => m.ts);

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

/** Once all is settled: the request's card, and the id of its latest run of `kind`. */
async function cardAndRun(channel: string, kind: Run['kind'] = 'deploy') {
  await t.bot.settled();
  const runs = (await t.bot.runtime.services.requestOverview(1)).runs.filter((r) => r.kind === kind);
  return { card: t.card(channel, 'DR-1')!, runId: `RUN-${runs.at(-1)!.id}` };
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
  it('asks for confirmation in a modal titled with the request, then runs it under the card: one message, its log in the card’s thread', async () => {
    const card = await approvedInStaging(t);
    const { modal, submitted } = await deployFromCard(card);
    expect(modal.view.title.text).toBe('Deploy DR-1');
    expect(submitted.status).toBe(200);
    expect(answerOf(submitted).response_action).toBeUndefined();

    const { card: final, runId } = await cardAndRun('C0STAGING');
    expect(final.ts).toBe(card.ts);
    // Since the request was sent, the channel shows its card and nothing else.
    expect(t.fake.inChannel('C0STAGING').filter((m) => m.ts >= card.ts).map((m) => m.text)).toEqual(['DR-1 to Staging: deployed']);
    const status = shown(final);
    expect(status).toMatch(/Deployed\* to staging by <@U0DEPLOY> · took (under a second|\d+s)/);
    expect(status).toMatch(/Sent by <@U0ALICE> .* · approved by <@U0BOB> .* · deployed by <@U0DEPLOY> /);
    expect(status).not.toMatch(/%|▰/);
    expect(buttonsOf(final)).toEqual([
      { text: 'View Logs', action: 'view_logs', value: 'DR-1' },
      { text: 'View changes', action: 'request_view_changes', value: 'DR-1' },
    ]);
    expect(threadLines('C0STAGING', card.ts)).toEqual(await storedLines(runId));
  });

  it('never contradicts itself: Deploying with its step before the first log line, then the lines, then the outcome on the card, privately and by direct message', async () => {
    const card = await approvedInStaging(t);
    await deployFromCard(card);
    await cardAndRun('C0STAGING');
    const at = (c: FakeCall) => t.fake.calls.indexOf(c);
    const edits = t.fake.ok('chat.update').filter((c) => c.args.ts === card.ts);
    const deploying = edits.find((c) => String(c.args.text).endsWith(': deploying'))!;
    expect(shown(deploying.args as { blocks: Blocks })).toMatch(/Deploying…\*( · step \d of 5: [a-z ]+)? · \d+s so far/);
    const replies = t.fake.ok('chat.postMessage').filter((c) => c.args.thread_ts === card.ts);
    const deployed = edits.find((c) => String(c.args.text).endsWith(': deployed'))!;
    const told = t.fake.ok('chat.postEphemeral').find((c) => /DR-1 is deployed/.test(String(c.args.text)))!;
    const dm = t.fake.ok('chat.postMessage').find((c) => c.args.channel === ALICE && /DR-1 is deployed/.test(String(c.args.text)))!;
    expect(at(deploying)).toBeLessThan(at(replies[0]!));
    for (const after of [deployed, told, dm]) expect(at(after)).toBeGreaterThan(at(replies.at(-1)!));
  });

  it('shows Deployed on the request card (same message) and tells the requester by direct message', async () => {
    const card = await approvedInStaging(t);
    await deployFromCard(card);
    const deployed = await t.cardWhen('C0STAGING', 'DR-1', (m) => /Deployed/.test(shown(m)));
    expect(deployed.ts).toBe(card.ts);
    expect(shown(deployed)).toContain(`<@${DEPLOYER}>`);
    expect(buttonLabels(deployed)).toEqual(['View Logs', 'View changes']);
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
    expect(t.fake.thread('C0STAGING', card.ts)).toEqual([]);
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
    const { runId } = await cardAndRun('C0STAGING');

    const lines = await storedLines(runId);
    expect(lines.filter((l) => l.startsWith('Missing dependency'))).toHaveLength(300);
    expect(threadLines('C0STAGING', card.ts)).toEqual(lines);
    expect(t.fake.thread('C0STAGING', card.ts).length).toBeGreaterThan(3);

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

    await deployerTold();
    const { runId } = await cardAndRun('C0STAGING');
    expect(threadLines('C0STAGING', card.ts)).toEqual(await storedLines(runId));

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

  it('shows failed with the reason on the card, threads the error lines under it, leaves Deploy, Reject and View Logs, and tells the requester why', async () => {
    const card = await approvedInStaging(t, { changes: missingDependency });
    await deployFromCard(card);

    const { card: failed, runId } = await cardAndRun('C0STAGING');
    expect(failed.ts).toBe(card.ts);
    expect(failed.text).toMatch(/failed$/);
    expect(shown(failed)).toMatch(/Deployment failed\* \(took [^)]+\): 1 missing dependency/);
    expect(buttonLabels(failed)).toEqual(['Deploy', 'Reject', 'View Logs', 'View changes']);

    const thread = threadLines('C0STAGING', card.ts);
    expect(thread).toEqual(await storedLines(runId));
    expect(thread).toContainEqual(expect.stringMatching(/Missing dependency: Layout\/Account depends on Flow\/Missing/));
    expect(thread.at(-1)).toMatch(/Deployment failed: 1 missing dependency/);
    expect(t.fake.thread('C0STAGING', card.ts).some((m) => m.text?.includes(':x:'))).toBe(true);

    const dm = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => /DR-1/.test(m.text ?? '') && /failed/.test(m.text ?? '')));
    expect(dm.text).toMatch(/1 missing dependency/);
    expect((await t.bot.runtime.services.requestOverview(1)).request.state).toBe('failed');
  });

  it('View Logs on the card opens a modal with the request’s runs and every one of their lines', async () => {
    const card = await approvedInStaging(t, { changes: missingDependency });
    await deployFromCard(card);
    const { card: failed, runId } = await cardAndRun('C0STAGING');

    const viewLogs = buttonsOf(failed).find((b) => b.text === 'View Logs')!;
    await t.click(ALICE, viewLogs.action, viewLogs.value, { channelId: 'C0STAGING', messageTs: failed.ts });
    const modal = await t.modal('logs_modal');
    expect(modal.view.title.text).toBe('Logs DR-1');
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
    await t.fake.waitFor(() => t.fake.dms(DEPLOYER).find((m) => /DR-1 is reverted/.test(m.text ?? '')));
    return cardAndRun('C0PROD', 'revert');
  }

  it('offers Revert Changes on the deployer’s App Home; confirming runs a revert logged in the card’s thread, and the card shows reverted with its history', async () => {
    await deployedToProduction(t);
    const card = t.card('C0PROD', 'DR-1')!;
    const { card: reverted, runId } = await deployerRevertsFromHome();

    expect(reverted.ts).toBe(card.ts);
    expect(shown(reverted)).toMatch(/Reverted/);
    expect(shown(reverted)).toMatch(/deployed by <@U0DEPLOY> .* · reverted by <@U0DEPLOY> /);
    expect(buttonLabels(reverted)).toEqual(['View Logs', 'View changes']);
    const thread = threadLines('C0PROD', card.ts);
    const revertLines = await storedLines(runId);
    expect(thread.slice(-revertLines.length - 1, -1)).toEqual(revertLines);
    expect(revertLines).toContainEqual(expect.stringMatching(/Restored 1 component/));

    await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => /DR-1 was reverted/.test(m.text ?? '')));
    const production = await t.bot.runtime.services.components.list('production');
    expect(production.find((c) => c.key === 'Layout/Account')?.content).toBe('v1');
  });

  it('announces the lock once in the channel (from the card’s thread) and once to its deployer, with the reverter’s reason', async () => {
    await deployedToProduction(t);
    const { card } = await deployerRevertsFromHome('checkout fails for annual plans');
    const lock = (await t.bot.runtime.services.status()).find((e) => e.environment.name === 'Production')!.environment.lock;
    expect(lock?.reason).toBe('reverted: checkout fails for annual plans');
    const inChannel = t.fake.inChannel('C0PROD').filter((m) => /locked/.test(m.text ?? ''));
    expect(inChannel.map((m) => [m.thread_ts, m.text])).toEqual([[card.ts, expect.stringMatching(/locked \(“reverted: checkout fails for annual plans”\)/)]]);
    // Since the request was sent, its card is its one message there (its change request has a card of its own).
    expect(t.fake.messages('C0PROD').filter((m) => m.ts >= card.ts && !m.text?.startsWith('CR-')).map((m) => m.ts)).toEqual([card.ts]);
    // Their own answer (by direct message, as the revert was started from App Home) is the one notice they get.
    const toDeployer = [...t.fake.dms(DEPLOYER), ...t.fake.ephemerals(DEPLOYER)].filter((m) => /locked/.test(m.text ?? ''));
    expect(toDeployer.map((m) => m.text)).toEqual([expect.stringMatching(/DR-1 is reverted .* locked \(“reverted: checkout fails for annual plans”\)/)]);
  });

  it('tells the deployer by direct message, once, when an admin reverts their deployment', async () => {
    await deployedToProduction(t);
    await t.bot.services.revert(as(ADMIN), 'Production', 'payments are down');
    await t.bot.settled();
    const told = t.fake.dms(DEPLOYER).filter((m) => /DR-1 was reverted/.test(m.text ?? ''));
    expect(told.map((m) => m.text)).toEqual([expect.stringMatching(/locked \(“reverted: payments are down”\)/)]);
    expect(t.fake.ephemerals(ADMIN)).toEqual([]);
    expect(t.fake.dms(ADMIN)).toEqual([]);
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
    // Each conflict is listed with Resolve.
    const resolve = (answer.blocks as { text?: { text: string }; accessory?: { action_id: string } }[]).filter((b) => b.accessory?.action_id === 'conflict_resolve');
    expect(resolve.map((b) => b.text?.text)).toEqual(['`Workflow/Onboarding`']);

    const said = shown(answer);
    expect(said).toContain('Took Layout/Account from staging');
    expect(said).toMatch(/Conflict: Workflow\/Onboarding/);
    await t.bot.settled();
    expect(parentsNow('C0DEV')).toEqual(before);
    expect(t.fake.ephemerals(ALICE).filter((e) => /Synced/.test(e.text ?? ''))).toHaveLength(1);
  });
});
