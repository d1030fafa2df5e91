import { beforeEach, describe, expect, it } from 'vitest';
import { pendingInStaging } from '../helpers/scenarios.ts';
import { shown, useTestBot } from '../helpers/slack-app.ts';
import { ADMIN, ALICE, BOB, DEPLOYER, ManualClock, as, threeStepConfig } from '../helpers/world.ts';

// `autoDeploy: true` on Staging: each request is deployed as the scheduler as soon as it is approved (or at the next
// tick once a lock or freeze is over), one at a time in queue order, with the usual thread; a failure waits for a person.

const MONDAY_MORNING = new Date('2026-11-02T09:00:00Z');
const clock = new ManualClock(MONDAY_MORNING);
beforeEach(() => clock.set(MONDAY_MORNING));

const config = `${threeStepConfig.replace(
  '    deployers: [U0DEPLOY]\n  - name: Production',
  `    deployers: [U0DEPLOY]
    autoDeploy: true
    freezes:
      - { from: 2026-11-03T00:00:00Z, to: 2026-11-04T00:00:00Z, reason: release day }
  - name: Production`,
)}
schedules: { tick: "0 0 1 1 *", driftReport: "0 0 1 1 *", digest: "0 0 1 1 *" }
`;

const t = useTestBot(config, { clock });

const tick = async () => {
  clock.advance(30_000);
  await t.bot.jobs.tick!();
  await t.bot.settled();
};
const stateOf = async (id: number) => (await t.bot.runtime.services.requestOverview(id)).request.state;

/** Bob sends a change from dev-bob to Staging (DR-n) and an admin approves it. */
async function bobsRequest() {
  const s = t.bot.services;
  await s.sync(as(BOB), 'dev-bob');
  await s.components.put(as(BOB), 'dev-bob', [{ key: 'Flow/Bob', content: 'b' }]);
  const { request } = await s.send(as(BOB), { instance: 'dev-bob', message: 'Bob flow', confirmDrift: true });
  await s.approve(as(ADMIN), request.id);
  return request.id;
}

describe('automatic deployments', () => {
  it('deploy a request as soon as it is approved, as the scheduler, with its log in the card’s thread, and tell the requester', async () => {
    const card = await pendingInStaging(t);
    await t.click(BOB, 'request_approve', '1', { channelId: 'C0STAGING', messageTs: card.ts });
    const deployed = await t.cardWhen('C0STAGING', 'DR-1', (m) => shown(m).includes('Deployed'));
    expect(await stateOf(1)).toBe('deployed');
    expect(deployed.ts).toBe(card.ts);
    expect(shown(deployed)).toContain('*Deployed* to staging by _scheduler_');
    await t.bot.settled();
    expect(t.fake.thread('C0STAGING', card.ts).some((m) => m.text?.includes('Deployment succeeded'))).toBe(true);
    await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('DR-1 is deployed to Staging by _scheduler_')));
  });

  it('never during a lock or a freeze; then one at a time, in queue order', async () => {
    await pendingInStaging(t);
    await t.bot.services.lock(as(DEPLOYER), 'Staging', 'investigating');
    await t.bot.services.approve(as(BOB), 1);
    const second = await bobsRequest();
    await tick();
    expect([await stateOf(1), await stateOf(second)]).toEqual(['approved', 'approved']);
    await t.bot.services.unlock(as(DEPLOYER), 'Staging');
    clock.set(new Date('2026-11-03T12:00:00Z'));
    await tick();
    expect([await stateOf(1), await stateOf(second)]).toEqual(['approved', 'approved']);
    clock.set(new Date('2026-11-04T00:00:00Z'));
    await tick();
    expect([await stateOf(1), await stateOf(second)]).toEqual(['deployed', 'deployed']);
    // One at a time: the second deployment started once the first had ended.
    const [first] = await t.bot.runtime.services.logs('DR-1');
    const [next] = await t.bot.runtime.services.logs(`DR-${second}`);
    expect(first!.id).toBeLessThan(next!.id);
    expect(next!.startedAt.getTime()).toBeGreaterThanOrEqual(first!.endedAt!.getTime());
  });

  it('a failure is not retried on its own, and the requester is told why', async () => {
    await pendingInStaging(t, { changes: [{ key: 'Layout/Account', content: 'v2', dependsOn: ['Flow/Missing'] }] });
    await t.bot.services.approve(as(BOB), 1);
    await t.bot.settled();
    expect(await stateOf(1)).toBe('failed');
    const told = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('The deployment of DR-1 to Staging failed')));
    expect(shown(told)).toContain('missing dependenc');
    expect(shown(told)).toContain('It is not deployed again on its own');
    await tick();
    expect((await t.bot.runtime.services.logs('DR-1')).filter((r) => r.kind === 'deploy')).toHaveLength(1);
  });
});
