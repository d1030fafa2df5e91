import { beforeEach, describe, expect, it } from 'vitest';
import { appHomeOpened, blockAction } from '../helpers/slack-requests.ts';
import { approvedInStaging, changedInDevAlice, pendingInStaging } from '../helpers/scenarios.ts';
import { SIGNING_SECRET, buttonLabels, shown, useTestBot } from '../helpers/slack-app.ts';
import { ADMIN, ALICE, BOB, CAROL, DEPLOYER, ManualClock, QA_MEMBER, as, threeStepConfig } from '../helpers/world.ts';

// The scheduler's work as people see it in Slack: deployments scheduled with `/sandbox deploy DR-n at …` and
// cancelled from the card, approval reminders in the card's thread, expiry, freezes, the drift report; and
// deliveries Slack sends twice acted on once. The clock is the test's: `t.bot.jobs` runs a tick when the test says.

const HOUR = 3_600_000;
const MONDAY_MORNING = new Date('2026-11-02T09:00:00Z');
const clock = new ManualClock(MONDAY_MORNING);
beforeEach(() => clock.set(MONDAY_MORNING));

const config = `${threeStepConfig
  .replace(
    '    deployers: [U0DEPLOY]\n  - name: Production',
    `    deployers: [U0DEPLOY]
    freezes:
      - { cron: "0 16 * * 5", for: 64h, reason: weekend }
  - name: Production`,
  )}
schedules:
  tick: "0 0 1 1 *"
  driftReport: "0 0 1 1 *"
  approvalReminder: { after: 1h, every: 2h, times: 2 }
  expireAfter: 2d
`;

const t = useTestBot(config, { clock });

/** What the app answered privately to a command or click, once it has. */
const answer = async (sent: { responseUrl: string }) => {
  await t.bot.settled();
  return (await t.answers(sent.responseUrl)).map((a) => shown(a)).join('\n');
};
const tick = async () => {
  await t.bot.jobs.tick!();
  await t.bot.settled();
};
const state = async (id = 1) => (await t.bot.runtime.services.report(`DR-${id}`)).request.state;

describe('scheduled deployments from Slack', () => {
  it('/sandbox deploy DR-1 at … schedules it, the card shows it, and the tick deploys it as the deployer', async () => {
    await approvedInStaging(t);
    const scheduled = await t.command(DEPLOYER, 'deploy DR-1 at 13:30');
    const at = new Date(clock.now());
    at.setUTCHours(13, 30, 0, 0); // the fake Slack says the deployer is in London: 13:30 there is 13:30 UTC in November
    expect(await answer(scheduled)).toContain(`DR-1 will be deployed <!date^${at.getTime() / 1000}^`);
    const card = await t.cardWhen('C0STAGING', 'DR-1', (m) => buttonLabels(m).includes('Cancel schedule'));
    expect(shown(card)).toContain(':alarm_clock: Deployment scheduled');
    expect(shown(card)).toContain('by <@U0DEPLOY>');

    clock.advance(4 * HOUR); // 13:00
    await tick();
    expect(await state()).toBe('approved');
    clock.advance(HOUR);
    await tick();
    const deployed = await t.cardWhen('C0STAGING', 'DR-1', (m) => /Deployed\* to staging by <@U0DEPLOY>/.test(shown(m)));
    expect(await state()).toBe('deployed');
    // Its log is in the card's thread: the channel got no other message.
    expect(t.fake.thread('C0STAGING', deployed.ts).map((m) => m.text).join('\n')).toMatch(/Deployment succeeded/);
    expect(t.fake.messages('C0STAGING').filter((m) => m.ts >= card.ts)).toHaveLength(1);
    expect((await t.bot.runtime.services.audit({ subject: 'DR-1', limit: 100 })).find((e) => e.action === 'deploy' && e.outcome === 'deployed')).toMatchObject({ actor: DEPLOYER, via: 'scheduler' });
    expect(t.fake.dms(ALICE).map((m) => m.text).join('\n')).toContain('DR-1 is deployed to Staging');
  });

  it('Cancel schedule on the card cancels it: nothing runs at the time', async () => {
    const card = await approvedInStaging(t);
    await t.command(DEPLOYER, 'deploy DR-1 at in 2 hours');
    await t.bot.settled();
    const scheduled = await t.cardWhen('C0STAGING', 'DR-1', (m) => buttonLabels(m).includes('Cancel schedule'));
    expect(await answer(await t.click(ALICE, 'request_unschedule', '1', { channelId: card.channel, messageTs: scheduled.ts }))).toContain('You cannot cancel scheduled deployments in Staging');
    expect(await answer(await t.click(DEPLOYER, 'request_unschedule', '1', { channelId: card.channel, messageTs: scheduled.ts }))).toContain('The scheduled deployment of DR-1 is cancelled');
    const after = await t.cardWhen('C0STAGING', 'DR-1', (m) => !buttonLabels(m).includes('Cancel schedule'));
    expect(buttonLabels(after)).toEqual(['Deploy', 'Reject', 'View changes']);
    clock.advance(3 * HOUR);
    await tick();
    expect(await state()).toBe('approved');
  });

  it('a time in a freeze is refused with the end of the freeze; a schedule that meets a lock tells the deployer', async () => {
    await approvedInStaging(t);
    expect(await answer(await t.command(DEPLOYER, 'deploy DR-1 at 2026-11-06T18:00Z'))).toContain('Staging is frozen at 2026-11-06 18:00 UTC (“weekend”) until 2026-11-09 08:00 UTC. Pick a time after that.');
    expect(await answer(await t.command(DEPLOYER, 'deploy DR-1 at teatime-ish'))).toContain('"teatime-ish" is not a time I can read');

    expect(await answer(await t.command(DEPLOYER, 'deploy DR-1 at in 1 hour'))).toContain('DR-1 will be deployed');
    await t.bot.services.lock(as(DEPLOYER), 'Staging', 'db migration');
    clock.advance(HOUR);
    await tick();
    const told = await t.fake.waitFor(() => t.fake.dms(DEPLOYER).find((m) => m.text?.includes('you scheduled')));
    expect(shown(told)).toContain('The deployment of DR-1 you scheduled for');
    expect(shown(told)).toContain('did not run: Staging is locked by <@U0DEPLOY>');
    expect(await state()).toBe('approved');
  });
});

describe('approval reminders', () => {
  it('go into the card’s thread after the delay, mention only who has not voted, as many times as configured', async () => {
    const card = await pendingInStaging(t);
    clock.advance(HOUR - 1);
    await tick();
    expect(t.fake.thread('C0STAGING', card.ts)).toEqual([]);
    clock.advance(1);
    await tick();
    await tick(); // a second look at the same time adds nothing
    const [first, ...rest] = t.fake.thread('C0STAGING', card.ts);
    expect(rest).toEqual([]);
    expect(first!.text).toContain(':bell: Reminder 1 of 2: DR-1 has waited for approval since');
    expect(first!.text).toContain('(0 of 1). <@U0BOB> and <@U0QA>: please approve or reject it');
    expect(first!.text).not.toContain('<@U0ALICE>');

    clock.advance(2 * HOUR);
    await tick();
    clock.advance(10 * HOUR);
    await tick();
    // After the last reminder the admins are called in (see digests.test.ts); the reminders stay two.
    const reminders = t.fake.thread('C0STAGING', card.ts).filter((m) => m.text?.startsWith(':bell:'));
    expect(reminders.map((m) => m.text?.slice(0, 22))).toEqual([':bell: Reminder 1 of 2', ':bell: Reminder 2 of 2']);
  });
});

describe('expiry', () => {
  it('ends a request left waiting too long: the card loses its buttons and the requester is told', async () => {
    await pendingInStaging(t);
    clock.advance(48 * HOUR);
    await tick();
    const card = await t.cardWhen('C0STAGING', 'DR-1', (m) => shown(m).includes('Expired'));
    expect(buttonLabels(card)).toEqual([]);
    expect(await state()).toBe('expired');
    const told = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('DR-1 expired')));
    expect(shown(told)).toContain('no progress in 2d');
  });
});

describe('the drift report', () => {
  it('is posted in the staging channel when staging differs from production, and not when they match', async () => {
    await changedInDevAlice(t);
    await t.bot.jobs.driftReport!();
    expect(t.fake.messages('C0STAGING').filter((m) => m.text?.includes('Drift report'))).toEqual([]);
    await t.bot.runtime.services.components.put(as(ADMIN), 'staging', [{ key: 'Flow/Hotfix', content: 'x' }]);
    await t.bot.jobs.driftReport!();
    const [report] = t.fake.messages('C0STAGING').filter((m) => m.text?.includes('Drift report'));
    expect(shown(report)).toContain('Drift report: staging differs from production in 1 component');
    expect(shown(report)).toContain('`Flow/Hotfix` only in staging');
    expect(shown(report)).toContain('/sandbox compare production staging');
  });
});

describe('deliveries Slack sends twice', () => {
  const retry = { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' };

  it('the same Approve click delivered twice records one vote', async () => {
    await changedInDevAlice(t);
    await t.bot.runtime.services.components.put(as(ADMIN), 'staging', [{ key: 'Flow/Release', content: 'v1' }]);
    await t.bot.services.changeRequests.create(as(ALICE), { name: 'R1', type: 'normal', overview: 'o' });
    await t.bot.services.changeRequests.submit(as(ALICE), 1);
    await t.bot.services.changeRequests.approve(as(BOB), 1);
    await t.bot.services.changeRequests.approve(as(CAROL), 1);
    await t.bot.services.send(as(ALICE), { instance: 'staging', message: 'release', changeRequestId: 1 });
    await t.bot.settled();
    const card = await t.cardWhen('C0PROD', 'DR-1');
    const click = blockAction({ userId: BOB, actionId: 'request_approve', value: '1', channelId: 'C0PROD', messageTs: card.ts, responseUrl: t.fake.responseUrl() });
    expect((await t.send(click)).status).toBe(200);
    expect((await t.send(click, { headers: retry })).status).toBe(200);
    await t.bot.settled();
    const votes = (await t.bot.runtime.services.report('DR-1')).votes;
    expect(votes.map((v) => v.voter)).toEqual([BOB]);
    expect((await t.bot.runtime.services.report('DR-1')).request.state).toBe('pending_approval');
  });

  it('a retried event is acted on once', async () => {
    const opened = appHomeOpened({ userId: QA_MEMBER });
    await t.send(opened);
    await t.send(opened, { headers: retry });
    await t.bot.settled();
    expect(t.fake.ok('views.publish')).toHaveLength(1);
    await t.send(appHomeOpened({ userId: QA_MEMBER }));
    await t.bot.settled();
    expect(t.fake.ok('views.publish')).toHaveLength(2);
  });

  it('refuses a forged retry: the signature still decides', async () => {
    const opened = appHomeOpened({ userId: QA_MEMBER });
    expect((await t.send(opened, { headers: retry, secret: `${SIGNING_SECRET}-wrong` })).status).toBe(401);
    await t.send(opened);
    await t.bot.settled();
    expect(t.fake.ok('views.publish')).toHaveLength(1);
  });
});
