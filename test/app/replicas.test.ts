import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_LOCK } from '../../src/db/processes.ts';
import { formatId } from '../../src/domain/ids.ts';
import { onPostgres } from '../helpers/database.ts';
import type { FakeMessage } from '../helpers/fake-slack.ts';
import { type Replica, type ReplicaCluster, useReplicaCluster } from '../helpers/replicas.ts';
import { answerOf, type Button, buttonLabels, buttonOf, shown } from '../helpers/slack-app.ts';
import { blockAction, newTriggerId, type PostResult, slashCommand, viewSubmission } from '../helpers/slack-requests.ts';
import { ADMIN, ALICE, as, BOB, CAROL } from '../helpers/world.ts';

// Three replicas of the Slack app, each the real program in a process of its own, on one PostgreSQL database behind
// one fake Slack: what must happen once (a vote that decides, a deployment) happens once whichever replica Slack
// picks, and a replica killed in the middle of a deployment leaves nothing half done. Real PostgreSQL only: the
// embedded database serves one process.

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const APPROVERS = Array.from({ length: 100 }, (_, i) => `U0APPR${pad(i + 1, 3)}`);
const DEPLOYERS = Array.from({ length: 60 }, (_, i) => `U0DEPL${pad(i + 1, 2)}`);
const REQUIRED = 20;
const CHANNEL = 'C0STAGING';

const config = `
admins: [${ADMIN}]
environments:
  - name: Development
    kind: development
    channel: C0DEV
    instances: [{ name: dev-alice, owner: ${ALICE} }, { name: dev-bob, owner: ${BOB} }, { name: dev-carol, owner: ${CAROL} }]
  - name: Staging
    kind: staging
    channel: ${CHANNEL}
    instances: [staging]
    approvals: { required: ${REQUIRED}, approvers: [${APPROVERS.join(', ')}] }
    deployers: [${DEPLOYERS.join(', ')}]
  - name: Production
    kind: production
    channel: C0PROD
    instances: [production]
    deployers: [${DEPLOYERS[0]}]
`;

let cluster: ReplicaCluster;


const cardOf = (ref: string) => cluster.fake.messages(CHANNEL).find((m) => m.text?.startsWith(`${ref} `));
const cardWhen = (ref: string, ok: (card: FakeMessage) => boolean, timeoutMs = 30_000) =>
  cluster.fake.waitFor(
    () => {
      const card = cardOf(ref);
      return card && ok(card) ? card : undefined;
    },
    { timeoutMs },
  );

/** When a message was last updated (0: never). */
const lastUpdateOf = (message: FakeMessage) =>
  Math.max(0, ...cluster.fake.ok('chat.update').filter((c) => c.args.ts === message.ts).map((c) => c.at));
/** A card not updated for this long is left alone: work after a click waits at most 1 s for its turn in a replica. */
const CARD_QUIET_MS = 2_000;

const responseName = (responseUrl: string) => responseUrl.split('/').at(-1);
/** The first private answer sent to a response URL, if any yet. */
const answerAt = (responseUrl: string) => cluster.fake.responses.find((r) => r.name === responseName(responseUrl) && r.status === 200);
/** Private answers to a person in the environment's channel (a modal's outcome, once the modal has closed). */
const ephemeralsTo = (user: string) => cluster.fake.ephemerals(user).filter((e) => e.channel === CHANNEL);

/** Polls a condition of the database (or anything async) until it holds. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

const requestRow = async (id: number) =>
  (await cluster.pg<{ state: string; reason: string | null; decided_by: string | null; deployed_by: string | null }[]>`
    select state, reason, decided_by, deployed_by from deployment_requests where id = ${id}`)[0]!;

/** Every component of an instance, each as one comparable string (content, hash, dependencies, who and when). */
async function componentsOf(instance: string): Promise<Map<string, string>> {
  const rows = await cluster.pg<{ key: string; row: string }[]>`
    select c.key, row(c.content, c.hash, c.depends_on, c.changed_by, c.changed_at)::text as row
    from components c join instances i on i.id = c.instance_id where i.name = ${instance}`;
  return new Map(rows.map((r) => [r.key, r.row]));
}

const contentsOf = async (instance: string) =>
  new Map((await cluster.pg<{ key: string; content: string }[]>`
    select c.key, c.content from components c join instances i on i.id = c.instance_id where i.name = ${instance}`).map((r) => [r.key, r.content]));

/** Keys whose rows differ between two readings (present in one only, or different), the first few and how many. */
function differences(a: Map<string, string>, b: Map<string, string>) {
  const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
  return { count: keys.length, first: keys.slice(0, 5) };
}

/** Approves a request as the first 20 approvers, through the announcing services (its card becomes the queue card). */
async function approvedByTwenty(requestId: number) {
  for (const user of APPROVERS.slice(0, REQUIRED)) await cluster.cli.services.approve(as(user), requestId);
  expect((await requestRow(requestId)).state).toBe('approved');
}

/** `user` sends `instance` to Staging from the command line; its card is posted in the channel. */
async function sent(user: string, instance: string, message: string) {
  const { request } = await cluster.cli.services.send(as(user), { instance, message });
  const ref = formatId('request', request.id);
  await cardWhen(ref, () => true);
  return { id: request.id, ref };
}

/** A click on a card's button, as Slack sends it from that message, to one replica; with its response URL and trigger. */
async function click(replica: Replica, user: string, card: FakeMessage, button: Button) {
  const responseUrl = cluster.fake.responseUrl();
  const triggerId = newTriggerId();
  const request = blockAction({ userId: user, actionId: button.action, value: button.value, channelId: card.channel, messageTs: card.ts, responseUrl, triggerId });
  return { user, responseUrl, triggerId, result: await cluster.replicas.send(replica, request) };
}

/** The modal opened with this trigger id, once open. */
const openedWith = (triggerId: string) => cluster.fake.views('open').find((v) => v.trigger_id === triggerId);

/** The deployer submits the deploy modal as it was opened (its callback id and private metadata), to one replica. */
function submitDeploy(replica: Replica, user: string, opened: { view: Record<string, any> }) {
  const view = opened.view;
  return cluster.replicas.send(replica, viewSubmission({ userId: user, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: {}, opened: view }));
}

/**
 * What a deployer was told about a submission: the refusal shown in the modal when it came within Slack's wait,
 * else the private message in the channel once the modal closed.
 */
async function outcomeOf(user: string, submit: () => Promise<PostResult>): Promise<string> {
  const earlier = ephemeralsTo(user).length;
  const submitted = await submit();
  expect(submitted.status).toBe(200);
  const answer = answerOf(submitted);
  if (answer.response_action === 'update') return shown(answer.view);
  expect(answer.response_action).toBeUndefined();
  const told = await cluster.fake.waitFor(() => ephemeralsTo(user)[earlier], { timeoutMs: 60_000 });
  return told.text ?? '';
}

const threadText = (parent: FakeMessage) =>
  cluster.fake
    .thread(CHANNEL, parent.ts)
    .map((m) => m.text ?? '')
    .join('\n');

describe.runIf(onPostgres)('three replicas on one PostgreSQL', () => {
  cluster = useReplicaCluster(config, { start: 3 });

  it('100 concurrent Approve clicks from 100 approvers over three replicas: 20 votes, approved once, the other 80 told it already is', async () => {
    await cluster.cli.services.components.put(as(ALICE), 'dev-alice', [
      { key: 'Layout/Account', content: 'sections: [Name, Tier]' },
      { key: 'Workflow/Onboarding', content: 'steps: 3' },
    ]);
    const { id, ref } = await sent(ALICE, 'dev-alice', 'Account tiers');
    const card = cardOf(ref)!;
    expect(buttonLabels(card)).toEqual(['Approve', 'Reject', 'Assign to me', 'View changes']);
    const live = cluster.replicas.live;

    const clicks = await Promise.all(APPROVERS.map((user, i) => click(live[i % live.length]!, user, card, buttonOf(card, 'Approve'))));
    expect(clicks.filter((c) => c.result.status !== 200)).toEqual([]);
    const answers = await cluster.fake.waitFor(
      () => {
        const all = clicks.map((c) => ({ user: c.user, text: answerAt(c.responseUrl)?.text ?? '' }));
        return all.every((a) => a.text) && all;
      },
      { timeoutMs: 60_000 },
    );

    const decided = answers.filter((a) => a.text.includes(`Your approval decided it: ${ref} is approved`));
    const recorded = answers.filter((a) => a.text.includes(`Your approval of ${ref} is recorded`));
    const refused = answers.filter((a) => a.text.includes(`${ref} is already approved`));
    expect(decided).toHaveLength(1);
    expect(recorded).toHaveLength(REQUIRED - 1);
    expect(refused).toHaveLength(APPROVERS.length - REQUIRED);

    const votes = await cluster.pg<{ voter: string; decision: string }[]>`select voter, decision from request_votes where request_id = ${id}`;
    expect(votes.map((v) => v.voter).sort()).toEqual([...decided, ...recorded].map((a) => a.user).sort());
    expect(votes.every((v) => v.decision === 'approve')).toBe(true);
    const request = await requestRow(id);
    expect(request).toMatchObject({ state: 'approved', decided_by: decided[0]!.user });
    const approvedEvents = await cluster.pg`select 1 from audit_events where subject = ${ref} and action = 'approve' and outcome = 'approved'`;
    expect(approvedEvents).toHaveLength(1);

    // The requester is told after the deciding vote's card refresh; refreshes asked for by earlier votes may still be
    // on their way from other replicas (a stale one would put the buttons back), so the card is read once left alone.
    await cluster.fake.waitFor(() => cluster.fake.dms(ALICE).some((m) => m.text?.includes(`${ref} was approved`)), { timeoutMs: 30_000 });
    const final = await cluster.fake.waitFor(() => Date.now() - lastUpdateOf(card) >= CARD_QUIET_MS && cardOf(ref), { timeoutMs: 30_000 });
    expect(final.ts).toBe(card.ts);
    expect(final.updates).toBeGreaterThan(0);
    expect(final.text).toBe(`${ref} to Staging: approved`);
    expect(shown(final)).toContain('*Approved by*');
    for (const vote of votes) expect(shown(final)).toContain(`<@${vote.voter}>`);
    expect(buttonLabels(final)).toEqual(['Deploy', 'Reject', 'View changes']);
    expect(cluster.fake.messages(CHANNEL).filter((m) => m.text?.startsWith(`${ref} `))).toHaveLength(1);
    expect(cluster.fake.dms(ALICE).filter((m) => m.text?.includes(ref))).toHaveLength(1);
  }, 120_000);

  it('50 concurrent deploy confirmations and /sandbox deploy commands over three replicas: one deployment, everyone else refused', async () => {
    await cluster.cli.services.components.put(as(BOB), 'dev-bob', [
      { key: 'Flow/Billing', content: 'v2' },
      { key: 'Layout/Invoice', content: 'columns: [Date, Total]' },
    ]);
    const { id, ref } = await sent(BOB, 'dev-bob', 'Billing flow');
    await approvedByTwenty(id);
    const card = await cardWhen(ref, (m) => buttonLabels(m).includes('Deploy'));
    const live = cluster.replicas.live;

    // One real click opens the confirmation modal: the submissions carry its callback id and private metadata.
    const opening = await click(live[0]!, DEPLOYERS[0]!, card, buttonOf(card, 'Deploy'));
    expect(opening.result.status).toBe(200);
    const modal = await cluster.fake.waitFor(() => openedWith(opening.triggerId));
    expect(modal.view.callback_id).toBe('deploy_modal');

    const submitters = DEPLOYERS.slice(0, 50);
    const commanders = DEPLOYERS.slice(50, 56);
    const [outcomes, commands] = await Promise.all([
      Promise.all(submitters.map(async (user, i) => ({ user, text: await outcomeOf(user, () => submitDeploy(live[i % live.length]!, user, modal)) }))),
      Promise.all(
        commanders.map(async (user, i) => {
          const responseUrl = cluster.fake.responseUrl();
          const triggerId = newTriggerId();
          const replica = live[i % live.length]!;
          const result = await cluster.replicas.send(replica, slashCommand({ text: `deploy ${ref}`, userId: user, channelId: CHANNEL, responseUrl, triggerId }));
          return { user, replica, responseUrl, triggerId, result };
        }),
      ),
    ]);
    expect(commands.filter((c) => c.result.status !== 200)).toEqual([]);

    // A command is refused at once, or (before the deployment claimed the request) opens the modal, whose submission is then refused.
    for (const c of commands) {
      const first = await cluster.fake.waitFor(() => answerAt(c.responseUrl) ?? openedWith(c.triggerId), { timeoutMs: 60_000 });
      const text = 'name' in first ? (first.text ?? '') : await outcomeOf(c.user, () => submitDeploy(c.replica, c.user, first));
      outcomes.push({ user: c.user, text });
    }

    const deployed = outcomes.filter((o) => o.text.includes(`${ref} is deployed`));
    const refused = outcomes.filter((o) => new RegExp(`${ref} (is being deployed right now|is already deployed to Staging)`).test(o.text));
    expect(deployed).toHaveLength(1);
    expect(refused).toHaveLength(outcomes.length - 1);
    expect(outcomes).toHaveLength(submitters.length + commanders.length);

    const runs = await cluster.pg<{ status: string; user_id: string }[]>`select status, user_id from runs where request_id = ${id} and kind = 'deploy'`;
    expect(runs).toEqual([{ status: 'succeeded', user_id: deployed[0]!.user }]);
    expect(await requestRow(id)).toMatchObject({ state: 'deployed', deployed_by: deployed[0]!.user });
    const deployedEvents = await cluster.pg`select 1 from audit_events where subject = ${ref} and action = 'deploy' and outcome = 'deployed'`;
    expect(deployedEvents).toHaveLength(1);

    const final = await cardWhen(ref, (m) => /\*Deployed\*/.test(shown(m)));
    expect(buttonLabels(final)).toEqual(['View Logs', 'View changes']);
    // One run, logged once in the card's thread.
    await cluster.fake.waitFor(() => threadText(final).includes(`Deployment succeeded: ${ref} is live in Staging`));
    expect(threadText(final).match(/Deploying DR-\d+ from dev-bob to staging/g)).toHaveLength(1);
    await cluster.fake.waitFor(() => cluster.fake.dms(BOB).some((m) => m.text?.includes(`${ref} is deployed`)));
    expect(cluster.fake.dms(BOB).filter((m) => m.text?.includes(`${ref} is deployed`))).toHaveLength(1);
  }, 120_000);

  describe('a replica killed during a 10,000-component deployment, then a new replica', () => {
    const COUNT = 10_000;
    const keys = Array.from({ length: COUNT }, (_, i) => `Layout/Screen${pad(i, 5)}`);
    const deployer = DEPLOYERS.at(-1)!;
    let request: { id: number; ref: string };
    let before: Map<string, string>;
    let killedRun: number;

    beforeAll(async () => {
      await cluster.cli.services.components.put(as(ADMIN), 'staging', keys.map((key, i) => ({ key, content: `screen ${i} v1` })));
      await cluster.cli.services.sync(as(CAROL), 'dev-carol');
      await cluster.cli.services.components.put(as(CAROL), 'dev-carol', keys.map((key, i) => ({ key, content: `screen ${i} v2` })));
      request = await sent(CAROL, 'dev-carol', 'Every screen, v2');
      await approvedByTwenty(request.id);
      before = await componentsOf('staging');
      killedRun = await killedInTheMiddle();
    }, 120_000);

    /**
     * Deploys on the first replica and SIGKILLs it while its deployment's transaction has written every component and
     * waits to update the request, its last step. Two row locks of the test make that moment certain: the environment
     * (the deployment waits there before writing anything, until the test holds the request's row too), then the request.
     */
    async function killedInTheMiddle(): Promise<number> {
      const victim = cluster.replicas.live[0]!;
      const card = await cardWhen(request.ref, (m) => buttonLabels(m).includes('Deploy'));
      const opening = await click(victim, deployer, card, buttonOf(card, 'Deploy'));
      const modal = await cluster.fake.waitFor(() => openedWith(opening.triggerId));

      const environmentGate = await holdRowLock(`select id from environments where name = 'Staging' for no key update`);
      // Its connection dies with the replica: no answer comes.
      const submitted = submitDeploy(victim, deployer, modal).catch(() => undefined);
      await until('the request claimed for deployment', async () => (await requestRow(request.id)).state === 'deploying');
      const requestGate = await holdRowLock(`select id from deployment_requests where id = ${request.id} for update`);
      await environmentGate.rollback();
      const blocked = await until('the deployment waiting for the request row', async () => {
        const [row] = await cluster.pg<{ pid: number; query: string }[]>`
          select pid, query from pg_stat_activity
          where wait_event_type = 'Lock' and ${requestGate.pid}::int = any(pg_blocking_pids(pid))`;
        return row;
      });
      expect(blocked.query).toMatch(/^update "deployment_requests"/i);
      const [registration] = await cluster.pg<{ id: number }[]>`select id from processes where kind = 'app' and pid = ${victim.program.child.pid!}`;
      const [run] = await cluster.pg<{ id: number; process_id: number }[]>`select id, process_id from runs where request_id = ${request.id} and kind = 'deploy' and status = 'running'`;
      expect(run!.process_id).toBe(registration!.id);

      await cluster.replicas.kill(victim);
      await requestGate.rollback();
      // The killed replica's transaction and its session end with its connections: then it is dead to the database.
      await until('the killed deployment backend gone', async () => (await cluster.pg`select 1 from pg_stat_activity where pid = ${blocked.pid}`).length === 0);
      await until('the killed replica no longer alive', async () => !(await alive(registration!.id)));
      await submitted;
      return run!.id;
    }

    it('leaves the target exactly as it was', async () => {
      expect(differences(before, await componentsOf('staging'))).toEqual({ count: 0, first: [] });
      expect(before.size).toBeGreaterThanOrEqual(COUNT);
      // The prior state it had saved went with its transaction too.
      expect(await cluster.pg`select 1 from deployment_snapshots where run_id = ${killedRun}`).toHaveLength(0);
    });

    it('a new replica marks the run interrupted with a log line, the request failed "interrupted", and says so in Slack', async () => {
      await cluster.replicas.start(1);
      const run = await until('the killed run ended', async () => {
        const [row] = await cluster.pg<{ status: string; summary: string }[]>`select status, summary from runs where id = ${killedRun}`;
        return row?.status !== 'running' && row;
      }, 10_000);
      expect(run).toEqual({ status: 'interrupted', summary: 'interrupted' });
      const lines = await cluster.pg<{ text: string }[]>`select text from run_log_lines where run_id = ${killedRun} order by seq`;
      expect(lines.at(-1)?.text).toMatch(/^Interrupted: the process running this stopped before it finished/);
      expect(await requestRow(request.id)).toMatchObject({ state: 'failed', reason: 'interrupted' });

      await cluster.fake.waitFor(() => cluster.fake.dms(CAROL).some((m) => m.text?.includes(`The deployment of ${request.ref} to Staging was interrupted`)));
      const card = await cardWhen(request.ref, (m) => /Deployment failed\* \([^)]*\): interrupted/.test(shown(m)));
      expect(buttonLabels(card)).toContain('Deploy');
    }, 90_000);

    it("shows the killed run's end on the card, in place, its last log line in the card's thread", async () => {
      const interrupted = (m: FakeMessage) => /Interrupted: the process running this stopped/.test(threadText(m));
      // Given as long as a scheduler's tick (every 30 s by default) would take to find it.
      const card = await cardWhen(request.ref, interrupted, 40_000).catch(() => undefined);
      expect(card?.text).toMatch(/: failed$/);
      expect(shown(card)).not.toMatch(/Deploying…/);
      expect(threadText(card!)).toMatch(/Interrupted: the process running this stopped before it finished/);
    }, 60_000);

    it('deploys again from Slack: the target then holds the package', async () => {
      const replica = cluster.replicas.live.at(-1)!;
      const card = await cardWhen(request.ref, (m) => buttonLabels(m).includes('Deploy'));
      const opening = await click(replica, deployer, card, buttonOf(card, 'Deploy'));
      const modal = await cluster.fake.waitFor(() => openedWith(opening.triggerId));
      const told = await outcomeOf(deployer, () => submitDeploy(replica, deployer, modal));
      expect(told).toContain(`${request.ref} is deployed`);

      expect(await requestRow(request.id)).toMatchObject({ state: 'deployed', deployed_by: deployer });
      const runs = await cluster.pg<{ status: string }[]>`select status from runs where request_id = ${request.id} and kind = 'deploy' order by id`;
      expect(runs.map((r) => r.status)).toEqual(['interrupted', 'succeeded']);
      const target = await contentsOf('staging');
      expect(keys.filter((key, i) => target.get(key) !== `screen ${i} v2`)).toEqual([]);
    }, 90_000);
  });
});

/** A transaction of the test on a connection of its own, holding the row locks `query` takes until rolled back. */
async function holdRowLock(query: string) {
  const connection = await cluster.pg.reserve();
  await connection.unsafe('begin');
  const [{ pid }] = await connection.unsafe<{ pid: number }[]>('select pg_backend_pid() as pid');
  await connection.unsafe(query);
  return {
    pid,
    async rollback() {
      await connection.unsafe('rollback');
      connection.release();
    },
  };
}

/** True while the process `id` holds its advisory lock (see src/db/processes.ts). */
async function alive(id: number) {
  const rows = await cluster.pg`select 1 from pg_locks where locktype = 'advisory' and classid = ${PROCESS_LOCK} and objid = ${id} and objsubid = 2 and granted`;
  return rows.length > 0;
}
