import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeFreeze } from '../../src/domain/freezes.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, CAROL, DEPLOYER, QA_MEMBER, as, createWorld, threeStepConfig, type World } from '../helpers/world.ts';
import { approvedChangeRequest, approvedForStaging, auditTrail, contents, deployAs, refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const reminders = { after: 4 * HOUR, every: 4 * HOUR, times: 3 };

/** The three-step pipeline with freezes on Staging and Production (the world's clock starts Monday 2026-11-02 09:00 UTC). */
const frozenConfig = threeStepConfig
  .replace(
    '    deployers: [U0DEPLOY]\n  - name: Production',
    `    deployers: [U0DEPLOY]
    freezes:
      - { from: 2026-11-02T12:00:00Z, to: 2026-11-02T14:00:00Z, reason: lunch demo }
      - { cron: "0 16 * * 5", for: 64h, reason: weekend }
  - name: Production`,
  )
  .replace('      - { name: no debug flags, forbid: "debug=true" }', `      - { name: no debug flags, forbid: "debug=true" }
    freezes:
      - { from: 2026-11-02T00:00:00Z, to: 2026-11-03T00:00:00Z, reason: release day }`);

async function start(config = threeStepConfig) {
  world = await createWorld(db, config);
  await seedPipeline(world, { 'Layout/Account': 'v1' });
  await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
}

describe('freeze windows', () => {
  const env = {
    freezes: [
      { from: '2026-12-20T00:00:00Z', to: '2027-01-04T00:00:00Z', reason: 'year-end freeze' },
      { cron: '0 16 * * 5', for: '64h', reason: 'weekend' },
    ],
  };
  const at = (iso: string) => activeFreeze(env, new Date(iso));

  it('a recurring window starts at its cron time and lasts its length', () => {
    expect(at('2026-11-27T15:59:59Z')).toBeUndefined();
    expect(at('2026-11-27T16:00:00Z')).toEqual({ reason: 'weekend', until: new Date('2026-11-30T08:00:00Z') });
    expect(at('2026-11-30T07:59:59Z')?.until).toEqual(new Date('2026-11-30T08:00:00Z'));
    expect(at('2026-11-30T08:00:00Z')).toBeUndefined();
  });

  it('a fixed window covers [from, to); windows that touch or overlap end when the last of them ends', () => {
    expect(at('2026-12-25T20:00:00Z')).toEqual({ reason: 'year-end freeze', until: new Date('2027-01-04T08:00:00Z') });
    // The weekend before the year-end freeze runs into it: deployments may go ahead only once both are over.
    expect(at('2026-12-19T20:00:00Z')).toEqual({ reason: 'weekend', until: new Date('2027-01-04T08:00:00Z') });
    expect(at('2027-01-04T08:00:00Z')).toBeUndefined();
  });

  it('a recurring window is read in its own time zone', () => {
    const paris = { freezes: [{ cron: '0 18 * * *', for: '1h', reason: 'evening', timezone: 'Europe/Paris' }] };
    expect(activeFreeze(paris, new Date('2026-11-23T17:30:00Z'))?.until).toEqual(new Date('2026-11-23T18:00:00Z'));
    expect(activeFreeze(paris, new Date('2026-11-23T18:30:00Z'))).toBeUndefined();
  });

  it('refuse deployments with the reason and the end of the freeze, and change nothing', async () => {
    await start(frozenConfig);
    const request = await approvedForStaging(world);
    world.clock.advance(3 * HOUR + 30 * 60_000); // 12:30, inside the lunch demo
    const before = await contents(world, 'staging');
    const error = await refused(deployAs(world, request.id), 'ENVIRONMENT_FROZEN');
    expect(error.message).toBe('Staging is frozen (“lunch demo”) until 2026-11-02 14:00 UTC. Deployments to it are refused until then, unless the request carries an approved emergency change request.');
    expect(await contents(world, 'staging')).toEqual(before);
    expect((await world.services.report(`DR-${request.id}`)).request.state).toBe('approved');

    world.clock.advance(90 * 60_000); // 14:00: the window is over
    expect((await deployAs(world, request.id)).succeeded).toBe(true);
  });

  it('let through a request that carries an approved emergency change request', async () => {
    await start(frozenConfig);
    const staged = await approvedForStaging(world);
    await deployAs(world, staged.id);
    const emergency = await world.services.changeRequests.create(as(ALICE), { name: 'Hotfix', type: 'emergency', overview: 'outage' });
    await world.services.changeRequests.submit(as(ALICE), emergency.id);
    await world.services.changeRequests.approve(as(BOB), emergency.id);
    await world.services.changeRequests.approve(as(CAROL), emergency.id);
    const normal = await approvedChangeRequest(world);

    const withNormal = await world.services.send(as(ALICE), { instance: 'staging', message: 'release', changeRequestId: normal.id });
    await world.services.approve(as(BOB), withNormal.request.id);
    await world.services.approve(as(CAROL), withNormal.request.id);
    const error = await refused(deployAs(world, withNormal.request.id), 'ENVIRONMENT_FROZEN');
    expect(error.message).toContain('Production is frozen (“release day”) until 2026-11-03 00:00 UTC');
    await world.services.reject(as(DEPLOYER), withNormal.request.id, 'needs the hotfix CR instead');

    const withEmergency = await world.services.send(as(ALICE), { instance: 'staging', message: 'hotfix', changeRequestId: emergency.id });
    await world.services.approve(as(BOB), withEmergency.request.id);
    await world.services.approve(as(CAROL), withEmergency.request.id);
    expect((await deployAs(world, withEmergency.request.id)).succeeded).toBe(true);
  });
});

describe('scheduled deployments', () => {
  it('are planned by a deployer for a time to come, shown on the request, and cancelled by them', async () => {
    await start();
    const request = await approvedForStaging(world);
    const at = new Date(world.clock.now().getTime() + 2 * HOUR);
    await refused(world.services.scheduleDeployment(as(ALICE), request.id, at), 'NOT_PERMITTED');
    await refused(world.services.scheduleDeployment(as(DEPLOYER), request.id, new Date(world.clock.now().getTime() - 1)), 'INVALID_INPUT');

    const planned = await world.services.scheduleDeployment(as(DEPLOYER), request.id, at);
    expect(planned).toMatchObject({ state: 'approved', scheduledAt: at, scheduledBy: DEPLOYER });
    expect((await world.services.queue('Staging'))[0]!.requests[0]).toMatchObject({ scheduledAt: at });

    await refused(world.services.unscheduleDeployment(as(ALICE), request.id), 'NOT_PERMITTED');
    expect(await world.services.unscheduleDeployment(as(DEPLOYER), request.id)).toMatchObject({ scheduledAt: null, scheduledBy: null });
    await refused(world.services.unscheduleDeployment(as(DEPLOYER), request.id), 'INVALID_STATE');
    expect(await auditTrail(world, `DR-${request.id}`)).toEqual(expect.arrayContaining([['schedule', 'refused'], ['schedule', 'scheduled'], ['unschedule', 'cancelled']]));
  });

  it('are refused before approval, and for a time inside a freeze, with the end of the freeze', async () => {
    await start(frozenConfig);
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'dev changes' });
    const inTwoHours = new Date(world.clock.now().getTime() + 2 * HOUR);
    expect((await refused(world.services.scheduleDeployment(as(DEPLOYER), sent.request.id, inTwoHours), 'NOT_APPROVED')).message).toContain('once approved');
    await world.services.approve(as(QA_MEMBER), sent.request.id);
    const refusal = await refused(world.services.scheduleDeployment(as(DEPLOYER), sent.request.id, new Date('2026-11-06T18:00:00Z')), 'ENVIRONMENT_FROZEN');
    expect(refusal.message).toBe('Staging is frozen at 2026-11-06 18:00 UTC (“weekend”) until 2026-11-09 08:00 UTC. Pick a time after that.');
    expect(refusal.input).toBe('at');
    expect(await world.services.scheduleDeployment(as(DEPLOYER), sent.request.id, new Date('2026-11-09T08:00:00Z'))).toMatchObject({ scheduledBy: DEPLOYER });
  });

  it('are taken once when due, and a deployment started by hand replaces the schedule', async () => {
    await start();
    const request = await approvedForStaging(world);
    const inAnHour = () => new Date(world.clock.now().getTime() + HOUR);
    await world.services.scheduleDeployment(as(DEPLOYER), request.id, inAnHour());
    expect(await world.services.scheduler.takeDueDeployments()).toEqual([]);
    world.clock.advance(HOUR);
    const taken = (await Promise.all([world.services.scheduler.takeDueDeployments(), world.services.scheduler.takeDueDeployments()])).flat();
    expect(taken).toEqual([{ requestId: request.id, by: DEPLOYER, at: world.clock.now() }]);
    expect((await world.services.report(`DR-${request.id}`)).request.scheduledAt).toBeNull();

    await world.services.scheduleDeployment(as(ADMIN), request.id, inAnHour());
    await deployAs(world, request.id);
    expect((await world.services.report(`DR-${request.id}`)).request).toMatchObject({ state: 'deployed', scheduledAt: null, scheduledBy: null });
    world.clock.advance(2 * HOUR);
    expect(await world.services.scheduler.takeDueDeployments()).toEqual([]);
  });
});

describe('approval reminders', () => {
  it('go out after the delay, at the interval, as many times as configured, to approvers who have not voted', async () => {
    await start();
    await world.put('staging', { 'Flow/Release': 'v1' });
    const cr = await approvedChangeRequest(world);
    const sent = await world.services.send(as(ALICE), { instance: 'staging', message: 'release', changeRequestId: cr.id });
    const take = () => world.services.scheduler.takeDueReminders(reminders);
    world.clock.advance(4 * HOUR - 1);
    expect(await take()).toEqual([]);
    world.clock.advance(1);
    const [first] = await take();
    expect(first).toMatchObject({ number: 1, waitingOn: [BOB, CAROL], groups: [], approvals: 0 });
    expect(first!.request.id).toBe(sent.request.id);
    expect(await take()).toEqual([]);

    await world.services.approve(as(BOB), sent.request.id);
    world.clock.advance(4 * HOUR);
    expect((await take()).map((r) => [r.number, r.waitingOn, r.approvals])).toEqual([[2, [CAROL], 1]]);
    world.clock.advance(4 * HOUR);
    expect((await take()).map((r) => r.number)).toEqual([3]);
    world.clock.advance(40 * HOUR);
    expect(await take()).toEqual([]);
  });

  it('are counted once when several processes look at once, and one stands for all missed during a pause', async () => {
    await start();
    await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'dev changes' });
    world.clock.advance(9 * HOUR); // reminders 1 and 2 are both due
    const results = await Promise.all([1, 2, 3].map(() => world.services.scheduler.takeDueReminders(reminders)));
    const taken = results.flat();
    expect(taken.map((r) => r.number)).toEqual([2]);
    // The requester is no approver of their own request; the group is reminded through its members.
    expect(taken[0]!.waitingOn).toEqual([BOB, QA_MEMBER]);

    world.groups.set('S0QA', new Error('Slack is down'));
    world.clock.advance(4 * HOUR);
    expect((await world.services.scheduler.takeDueReminders(reminders)).map((r) => [r.number, r.waitingOn, r.groups])).toEqual([[3, [BOB], ['S0QA']]]);
  });

  it('stop once the request is decided', async () => {
    await start();
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'dev changes' });
    await world.services.approve(as(QA_MEMBER), sent.request.id);
    world.clock.advance(5 * HOUR);
    expect(await world.services.scheduler.takeDueReminders(reminders)).toEqual([]);
  });
});

describe('expiry', () => {
  it('ends requests left waiting too long, once, and spares those with a scheduled deployment', async () => {
    await start();
    const planned = await approvedForStaging(world, 'planned');
    await world.put('dev-bob', { 'Flow/Bob': 'v1' });
    const waiting = await world.services.send(as(BOB), { instance: 'dev-bob', message: 'bob changes', confirmDrift: true });
    world.clock.advance(DAY);
    await world.services.scheduleDeployment(as(DEPLOYER), planned.id, new Date(world.clock.now().getTime() + 7 * DAY));
    const expire = () => world.services.scheduler.expireStaleRequests(7 * DAY);

    world.clock.advance(6 * DAY - 1);
    expect(await expire()).toEqual([]);
    world.clock.advance(1);
    const expired = (await Promise.all([expire(), expire()])).flat();
    expect(expired.map((r) => [r.id, r.state, r.reason])).toEqual([[waiting.request.id, 'expired', 'no progress in 7d']]);
    expect(await auditTrail(world, `DR-${waiting.request.id}`)).toContainEqual(['expire', 'expired']);
    await refused(world.services.approve(as(QA_MEMBER), waiting.request.id), 'INVALID_STATE');
    expect((await world.services.report(`DR-${planned.id}`)).request.state).toBe('approved');
  });

  it('spares a scheduled deployment once taken, while it starts, however long its request waited for it', async () => {
    await start();
    const planned = await approvedForStaging(world, 'planned');
    world.clock.advance(DAY);
    await world.services.scheduleDeployment(as(DEPLOYER), planned.id, new Date(world.clock.now().getTime() + 7 * DAY));
    world.clock.advance(7 * DAY);
    expect(await world.services.scheduler.takeDueDeployments()).toHaveLength(1);
    // Another replica's tick, before the deployment has moved the request on.
    world.clock.advance(1000);
    expect(await world.services.scheduler.expireStaleRequests(7 * DAY)).toEqual([]);
    await deployAs(world, planned.id);
    expect((await world.services.report(`DR-${planned.id}`)).request.state).toBe('deployed');
  });
});

describe('the drift report', () => {
  it('lists each staging instance that differs from production, and nothing when they match', async () => {
    await start();
    expect(await world.services.scheduler.driftReport()).toEqual([]);
    await world.put('staging', { 'Layout/Account': 'v3', 'Flow/New': 'x' });
    await world.put('production', { 'Flow/Old': 'y' });
    const [report, ...others] = await world.services.scheduler.driftReport();
    expect(others).toEqual([]);
    expect(report!.instance.name).toBe('staging');
    expect(report!.production.name).toBe('production');
    expect(report!.differences).toEqual([
      { key: 'Flow/New', change: 'added' },
      { key: 'Flow/Old', change: 'removed' },
      { key: 'Layout/Account', change: 'changed' },
    ]);
  });
});
