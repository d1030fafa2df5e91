import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/database.ts';
import { type ReplicaCluster, useReplicaCluster } from '../helpers/replicas.ts';
import { ADMIN, ALICE, BOB, DEPLOYER, as } from '../helpers/world.ts';

// The scheduler on three replicas of the Slack app, one PostgreSQL database and one fake Slack: every replica
// runs the same crons, and each tick of each job is run by one of them. The jobs tick every second here, so that
// a few seconds show many ticks: reminders, the admins called in, an expiry, a scheduled deployment, drift reports and
// digests, each exactly once.

const config = `
admins: [${ADMIN}]
environments:
  - name: Development
    kind: development
    channel: C0DEV
    instances: [{ name: dev-alice, owner: ${ALICE} }, dev-bob]
  - name: Staging
    kind: staging
    channel: C0STAGING
    instances: [staging]
    approvals: { required: 1, approvers: [${BOB}] }
    deployers: [${DEPLOYER}]
  - name: Production
    kind: production
    channel: C0PROD
    instances: [production]
    deployers: [${DEPLOYER}]
schedules:
  tick: "* * * * * *"
  approvalReminder: { after: 1s, every: 1s, times: 3 }
  expireAfter: 6s
  driftReport: "*/2 * * * * *"
  digest: "*/2 * * * * *"
`;

let cluster: ReplicaCluster;

/** Polls `state` until `done` holds of it (30 s at most); the last state is in the error. */
async function until<T>(state: () => Promise<T>, done: (s: T) => boolean) {
  for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
    const now = await state();
    if (done(now)) return;
    if (Date.now() > deadline) throw new Error(`still not done after 30 s: ${JSON.stringify(now)}`);
  }
}

/**
 * The numbers of the reminders of a request: in its card's thread, or, sent while the card was not posted yet (the
 * send's card waits its turn at Slack's pace), by direct message to Bob, who has not voted.
 */
function remindersOf(requestId: number): string[] {
  const { fake } = cluster;
  const card = fake.messages('C0STAGING').find((m) => m.text?.startsWith(`DR-${requestId} `));
  const messages = [...(card ? fake.thread('C0STAGING', card.ts) : []), ...fake.dms(BOB)];
  return messages.flatMap((m) => new RegExp(`Reminder (\\d) of 3: DR-${requestId} `).exec(m.text ?? '')?.[1] ?? []);
}

const ticks = async (job: string) =>
  cluster.pg<{ key: string; process_id: number }[]>`select key, process_id from scheduler_runs where key like ${`${job}:%`} order by key`;

describe.runIf(onPostgres)('the scheduler on three replicas', () => {
  cluster = useReplicaCluster(config);

  it('runs each job once per tick: three reminders, one expiry, one scheduled deployment, one report per drift tick', async () => {
    const { cli, pg, fake, replicas } = cluster;
    const s = cli.services;
    await s.components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'v1' }]);
    await s.sync(as(ADMIN), 'staging');
    await s.sync(as(ALICE), 'dev-alice');
    await s.components.put(as(ADMIN), 'staging', [{ key: 'Flow/Hotfix', content: 'drifted' }]);
    await s.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
    await s.components.put(as(ADMIN), 'dev-bob', [{ key: 'Flow/Bob', content: 'b1' }]);

    const began = Date.now();
    await replicas.start(3);
    const replicaIds = (await pg<{ id: number }[]>`select id from processes where kind = 'app'`).map((r) => r.id);
    expect(replicaIds).toHaveLength(3);
    // Sent once the replicas tick: the approved one is not left to expire (6 s) while they start, and each reminder
    // of the pending one falls due on a tick of its own.
    const planned = (await s.send(as(ADMIN), { instance: 'dev-bob', message: 'tonight', confirmDrift: true })).request;
    await s.approve(as(BOB), planned.id);
    const pending = (await s.send(as(ALICE), { instance: 'dev-alice', message: 'waits for Bob', confirmDrift: true })).request;
    await s.scheduleDeployment(as(DEPLOYER), planned.id, new Date(Date.now() + 2000));
    // Until every reminder, the expiry (6 s after the send), the scheduled deployment and several drift ticks are
    // done, and seven ticks have been claimed; then the replicas stop, finishing what they started.
    await until(
      async () => {
        const [{ state }] = await pg<{ state: string }[]>`select state from deployment_requests where id = ${pending.id}`;
        const deployed = await pg`select 1 from runs where request_id = ${planned.id} and status = 'succeeded'`;
        const count = async (job: string) => (await ticks(job)).length;
        return { reminders: remindersOf(pending.id).length, state, deployed: deployed.length, drift: await count('driftReport'), tick: await count('tick'), digest: await count('digest') };
      },
      (s) => s.reminders >= 3 && s.state === 'expired' && s.deployed > 0 && s.drift >= 3 && s.tick >= 7 && s.digest >= 2,
    );
    await replicas.stop();
    const seconds = Math.ceil((Date.now() - began) / 1000);

    const card = fake.messages('C0STAGING').find((m) => m.text?.startsWith(`DR-${pending.id} `))!;
    const thread = fake.thread('C0STAGING', card.ts);
    // Each reminder once (a second apart here, they may arrive in any order from different replicas).
    expect(remindersOf(pending.id).sort()).toEqual(['1', '2', '3']);
    // After the last reminder, the admins are called in once (4 s after the send, before it expires at 6 s).
    expect(thread.filter((m) => m.text?.startsWith(':rotating_light:'))).toHaveLength(1);
    // Bob's digest: at most one per digest tick, whichever replica took it.
    const digests = fake.dms(BOB).filter((m) => m.text?.includes('for your vote'));
    expect(digests.length).toBeGreaterThanOrEqual(1);
    expect(digests.length).toBeLessThanOrEqual((await ticks('digest')).length);

    const [{ state, reason }] = await pg<{ state: string; reason: string }[]>`select state, reason from deployment_requests where id = ${pending.id}`;
    expect({ state, reason }).toEqual({ state: 'expired', reason: 'no progress in 6s' });
    expect(fake.dms(ALICE).filter((m) => m.text?.includes(`DR-${pending.id} expired`))).toHaveLength(1);

    const runs = await pg<{ kind: string; status: string; user_id: string }[]>`select kind, status, user_id from runs where request_id = ${planned.id}`;
    expect(runs).toEqual([{ kind: 'deploy', status: 'succeeded', user_id: DEPLOYER }]);
    const plannedCard = fake.messages('C0STAGING').find((m) => m.text?.startsWith(`DR-${planned.id} `))!;
    expect(fake.thread('C0STAGING', plannedCard.ts).filter((m) => m.text?.includes('Deployment succeeded'))).toHaveLength(1);

    const driftTicks = await ticks('driftReport');
    const reports = fake.messages('C0STAGING').filter((m) => m.text?.includes('Drift report: staging differs from production'));
    expect(driftTicks.length).toBeGreaterThanOrEqual(3);
    expect(reports).toHaveLength(driftTicks.length);

    // One claim per second of ticking (the key is the primary key), each by one of the three replicas: never more
    // claims than seconds the replicas ran, whatever the load on the machine made that last.
    const tickRows = await ticks('tick');
    expect(tickRows.length).toBeGreaterThanOrEqual(7);
    expect(tickRows.length).toBeLessThanOrEqual(seconds);
    for (const { process_id } of tickRows) expect(replicaIds).toContain(process_id);
  }, 120_000);
});
