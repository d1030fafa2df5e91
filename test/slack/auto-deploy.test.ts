import { beforeEach, describe, expect, it } from 'vitest';
import { approvedInStaging, pendingInStaging } from '../helpers/scenarios.ts';
import { shown, useTestBot } from '../helpers/slack-app.ts';
import { ADMIN, ALICE, BOB, DEPLOYER, ManualClock, as, threeStepConfig } from '../helpers/world.ts';

// `autoDeploy: true` on Staging: the scheduler deploys each request once it is approved, one at a time in queue
// order, with the usual thread; never during a lock or a freeze; a failure waits for a person.

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

/** Bob sends a change from dev-bob to Staging (DR-n), approved by Alice. */
async function secondRequest() {
  const s = t.bot.services;
  await s.sync(as(BOB), 'dev-bob');
  await s.components.put(as(BOB), 'dev-bob', [{ key: 'Flow/Bob', content: 'b' }]);
  const { request } = await s.send(as(BOB), { instance: 'dev-bob', message: 'Bob flow', confirmDrift: true });
  await s.approve(as(ADMIN), request.id);
  return request.id;
}

describe('automatic deployments', () => {
  it('deploy an approved request at the next tick as the scheduler, with its log in the card’s thread, and tell the requester', async () => {
    const card = await approvedInStaging(t);
    await tick();
    expect(await stateOf(1)).toBe('deployed');
    const deployed = await t.cardWhen('C0STAGING', 'DR-1', (m) => shown(m).includes('Deployed'));
    expect(deployed.ts).toBe(card.ts);
    expect(shown(deployed)).toContain('*Deployed* to staging by _scheduler_');
    expect(t.fake.thread('C0STAGING', card.ts).some((m) => m.text?.includes('Deployment succeeded'))).toBe(true);
    await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('DR-1 is deployed to Staging by _scheduler_')));
  });

  it('leave a request waiting for approval alone, and deploy one at a time in queue order', async () => {
    await pendingInStaging(t);
    const second = await secondRequest();
    await tick();
    expect([await stateOf(1), await stateOf(second)]).toEqual(['pending_approval', 'deployed']);
    await t.bot.services.approve(as(BOB), 1);
    const third = await (async () => {
      await t.bot.services.components.put(as(BOB), 'dev-bob', [{ key: 'Flow/Bob', content: 'b2' }]);
      const { request } = await t.bot.services.send(as(BOB), { instance: 'dev-bob', message: 'Bob again', confirmDrift: true });
      await t.bot.services.approve(as(ADMIN), request.id);
      return request.id;
    })();
    await tick();
    expect([await stateOf(1), await stateOf(third)]).toEqual(['deployed', 'approved']);
    await tick();
    expect(await stateOf(third)).toBe('deployed');
    const runs = await t.bot.runtime.services.recentDeployments(5);
    expect(runs.map((r) => r.id)).toEqual([third, 1, second]);
  });

  it('never during a lock or a freeze', async () => {
    await approvedInStaging(t);
    await t.bot.services.lock(as(DEPLOYER), 'Staging', 'investigating');
    await tick();
    expect(await stateOf(1)).toBe('approved');
    await t.bot.services.unlock(as(DEPLOYER), 'Staging');
    clock.set(new Date('2026-11-03T12:00:00Z'));
    await tick();
    expect(await stateOf(1)).toBe('approved');
    clock.set(new Date('2026-11-04T00:00:00Z'));
    await tick();
    expect(await stateOf(1)).toBe('deployed');
  });

  it('a failure is not retried on its own, and the requester is told why', async () => {
    await approvedInStaging(t, { changes: [{ key: 'Layout/Account', content: 'v2', dependsOn: ['Flow/Missing'] }] });
    await tick();
    expect(await stateOf(1)).toBe('failed');
    const told = await t.fake.waitFor(() => t.fake.dms(ALICE).find((m) => m.text?.includes('The deployment of DR-1 to Staging failed')));
    expect(shown(told)).toContain('missing dependenc');
    expect(shown(told)).toContain('It is not deployed again on its own');
    await tick();
    expect((await t.bot.runtime.services.logs('DR-1')).filter((r) => r.kind === 'deploy')).toHaveLength(1);
  });
});
