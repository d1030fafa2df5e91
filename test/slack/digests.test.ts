import { beforeEach, describe, expect, it } from 'vitest';
import { pendingInStaging } from '../helpers/scenarios.ts';
import { shown, useTestBot } from '../helpers/slack-app.ts';
import { ADMIN, BOB, CAROL, ManualClock, QA_MEMBER, as, threeStepConfig } from '../helpers/world.ts';

// The daily digest to each approver and the admins called in after the last reminder. The clock is the test's:
// `t.bot.jobs` runs a job when the test says.

const HOUR = 3_600_000;
const MONDAY_MORNING = new Date('2026-11-02T09:00:00Z');
const clock = new ManualClock(MONDAY_MORNING);
beforeEach(() => clock.set(MONDAY_MORNING));

const config = `${threeStepConfig}
schedules:
  tick: "0 0 1 1 *"
  driftReport: "0 0 1 1 *"
  digest: "0 0 1 1 *"
  approvalReminder: { after: 1h, every: 2h, times: 2 }
  expireAfter: 2d
`;

const t = useTestBot(config, { clock });

const run = async (job: 'tick' | 'digest') => {
  await t.bot.jobs[job]!();
  await t.bot.settled();
};
const digestsTo = (user: string) => t.fake.dms(user).filter((m) => m.text?.includes('wait for your vote') || m.text?.includes('waits for your vote'));

describe('the digest', () => {
  it('tells each approver once what waits for their vote, oldest first, claimed ones marked, each a link to its card', async () => {
    await pendingInStaging(t); // DR-1 in Staging: Bob and the QA group vote
    clock.advance(HOUR);
    const s = t.bot.services;
    await s.components.put(as(ADMIN), 'staging', [{ key: 'Flow/Release', content: 'r' }]);
    const cr = await s.changeRequests.create(as(ADMIN), { name: 'Release', type: 'normal', overview: 'o' });
    await s.changeRequests.submit(as(ADMIN), cr.id);
    await s.changeRequests.approve(as(BOB), cr.id);
    await s.changeRequests.approve(as(CAROL), cr.id);
    await s.send(as(ADMIN), { instance: 'staging', message: 'Release', changeRequestId: cr.id }); // DR-2 in Production: Bob and Carol
    await s.claim(as(CAROL), 2);
    // Both cards are posted (and DR-2's shows its holder) before the digest links to them.
    await t.bot.settled();
    await t.cardWhen('C0PROD', 'DR-2', (m) => JSON.stringify(m.blocks).includes('held by'));
    await run('digest');

    const [toBob, ...more] = digestsTo(BOB);
    expect(more).toEqual([]);
    const text = shown(toBob!);
    expect(text).toContain('*2 requests wait for your vote*, oldest first');
    expect(text.indexOf('DR-1')).toBeLessThan(text.indexOf('DR-2'));
    expect(text).toMatch(/<https:\/\/sandbox-local\.slack\.com\/archives\/C0PROD\/p\d+\|\*DR-2\*> to Production/);
    expect(text).toContain(`held by <@${CAROL}>`);
    expect(shown(digestsTo(CAROL)[0]!)).toContain('*1 request waits for your vote*');
    expect(shown(digestsTo(QA_MEMBER)[0]!)).toContain('DR-1');
    // The sender of a request is never asked to vote on it.
    expect(digestsTo(ADMIN)).toEqual([]);
  });

  it('flags requests that expire within a day, and sends nothing to an approver with nothing waiting', async () => {
    await pendingInStaging(t);
    clock.advance(30 * HOUR); // expires 48 h after its last progress: 18 h from now
    await run('digest');
    const text = shown(digestsTo(BOB)[0]!);
    expect(text).toContain('(1 expiring within a day)');
    expect(text).toContain(':warning: *expires <!date^');
    expect(digestsTo(CAROL)).toEqual([]);
  });
});

describe('escalation', () => {
  it("calls the admins in, in the card's thread, once, one reminder interval after the last reminder", async () => {
    const card = await pendingInStaging(t);
    const escalations = () => t.fake.thread('C0STAGING', card.ts).filter((m) => m.text?.startsWith(':rotating_light:'));
    for (const hours of [1, 2, 1]) {
      clock.advance(hours * HOUR); // reminders at 1 h and 3 h
      await run('tick');
    }
    expect(escalations()).toEqual([]);
    clock.advance(HOUR); // 5 h: one interval (2 h) after the last reminder (3 h)
    await run('tick');
    await run('tick');
    const [called, ...again] = escalations();
    expect(again).toEqual([]);
    expect(called!.text).toContain(`DR-1 still waits for approval after 2 reminders`);
    expect(called!.text).toContain(`<@${ADMIN}>: please decide, or find an approver who can.`);
  });
});
