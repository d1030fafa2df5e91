import { LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { registerProcess } from '../../src/db/processes.ts';
import { postedMessageRepository } from '../../src/db/repositories/posted-messages.ts';
import { postedMessages } from '../../src/db/schema.ts';
import { createStore } from '../../src/db/store.ts';
import { createServices, type Services } from '../../src/domain/services/index.ts';
import { systemClock } from '../../src/app/runtime.ts';
import { refreshCardAfterRun, requestCards } from '../../src/app/announced-runtime.ts';
import { Chat } from '../../src/slack/chat.ts';
import { Cards } from '../../src/slack/cards.ts';
import { Outbox } from '../../src/slack/outbox.ts';
import { ThreadLog } from '../../src/slack/threads/thread-log.ts';
import { noUserGroups } from '../../src/slack/user-groups.ts';
import type { FakeMessage } from '../helpers/fake-slack.ts';
import { approvedInStaging as approvedWith, changedInDevAlice, type ComponentChange } from '../helpers/scenarios.ts';
import { useTestBot } from '../helpers/slack-app.ts';
import { ALICE, as, BOB, DEPLOYER } from '../helpers/world.ts';

// Slack answering 429 (with Retry-After), 500 or nothing at all delays the bot's messages: no log line is lost or
// posted twice, no outcome changes, and a thread Slack kept from being written is completed once it answers again,
// by one process of several on the same database.

const t = useTestBot();

const quiet = () => {
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.ERROR);
  return logger;
};

interface Replica {
  id: number;
  services: Services;
  threads: ThreadLog;
  cards: Cards;
  close(): Promise<void>;
}

const replicas: Replica[] = [];
afterEach(async () => {
  for (const r of replicas.splice(0)) await r.close().catch(() => {});
});

/**
 * Another process on the bot's database, as a second replica is: registered (alive while open), with services,
 * a thread log and cards of its own, talking to the same fake Slack. `attempts`: its Chat's tries per call.
 */
async function replica(attempts?: number): Promise<Replica> {
  const { database, config } = t.bot.runtime;
  const registration = await registerProcess(await database.session(), 'app');
  const logger = quiet();
  const client = new WebClient('xoxb-test-token', { slackApiUrl: t.fake.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000, logger });
  const chat = new Chat(client, logger, attempts);
  const messages = postedMessageRepository(database.db, registration.id);
  let services: Services | undefined;
  let cards: Cards | undefined;
  const threads = new ThreadLog({
    chat,
    messages,
    logger,
    subjectOf: (run) => services!.runContext(run),
    cards: requestCards(() => ({ services: services!, cards: cards! })),
    onRunChanged: (run) => refreshCardAfterRun(cards!)(run),
  });
  services = createServices({ store: createStore(database.db, registration.id), clock: systemClock, groups: noUserGroups, sink: threads, admins: config.admins });
  cards = new Cards(services, messages, new Outbox(chat, logger), logger);
  let closing: Promise<void> | undefined;
  const other = { id: registration.id, services, threads, cards, close: () => (closing ??= registration.close()) };
  replicas.push(other);
  return other;
}

/** Every chat.postMessage fails (429 with Retry-After 0) until `answerPosts`. */
const refusePosts = () => t.fake.rateLimit({ method: 'chat.postMessage', perChannelPerSecond: 0, retryAfter: 0 });
const answerPosts = () => t.fake.rateLimit({ method: 'chat.postMessage', perChannelPerSecond: 1000, retryAfter: 0 });

/** 150 components in dev-alice, each depending on a key Staging lacks: their deployment logs 150 error lines (several replies). */
const manyMissing = Array.from({ length: 150 }, (_, i) => ({
  key: `Layout/Screen${String(i).padStart(3, '0')}`,
  content: `screen ${i}`,
  dependsOn: [`Flow/Missing${String(i).padStart(3, '0')}`],
}));

/** DR-1 from dev-alice carrying `components`, approved by Bob, waiting in Staging's queue with its card posted. */
const approvedInStaging = (components: ComponentChange[]) => approvedWith(t, { changes: components });

/** DR-1's card: the parent of its runs' threads. */
const parentNow = () => t.card('C0STAGING', 'DR-1');
const parentWhen = (ok: (m: FakeMessage) => boolean = () => true, timeoutMs = 30_000) =>
  t.fake.waitFor(() => {
    const parent = parentNow();
    return parent && ok(parent) ? parent : undefined;
  }, { timeoutMs });
/** DR-1's latest deployment run. */
const latestRun = async () => `RUN-${(await t.bot.runtime.services.requestOverview(1)).runs.filter((r) => r.kind === 'deploy').at(-1)!.id}`;
const replies = (parent: FakeMessage) => t.fake.thread('C0STAGING', parent.ts);

/** The log lines of a thread, one per line, without the level mark each starts with. */
const threadLines = (parent: FakeMessage) =>
  replies(parent)
    .flatMap((m) => (m.text ?? '').split('\n'))
    .map((line) => line.replace(/^(•|:warning:|:x:) /, ''));

const storedLines = async (run: string) => (await t.bot.runtime.services.logs(run))[0]!.lines.map((l) => l.text);

/** Polls `ok` until it holds (10 s at most). */
async function until(ok: () => Promise<boolean>) {
  for (const deadline = Date.now() + 10_000; !(await ok()); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new Error(`still not so after 10 s: ${ok}`);
  }
}

const threadRow = async (run: string) => (await t.bot.runtime.database.db.select().from(postedMessages).where(eq(postedMessages.subject, run)))[0];

/** What a deployment of DR-1 came to, as people and the database see it once everything is written. */
async function outcome() {
  await t.bot.settled();
  const parent = parentNow()!;
  const [run] = await t.bot.runtime.services.logs(await latestRun());
  const { request } = await t.bot.runtime.services.requestOverview(1);
  return {
    request: { state: request.state, reason: request.reason, deployedBy: request.deployedBy },
    run: { status: run!.status, summary: run!.summary },
    staging: (await t.bot.runtime.services.components.list('staging')).map((c) => `${c.key}=${c.content}`),
    channel: t.fake.messages('C0STAGING').filter((m) => m.ts >= parent.ts).map((m) => m.text),
    lines: run!.lines.map((l) => l.text),
    thread: threadLines(parent),
    card: t.card('C0STAGING', 'DR-1')?.text,
    requesterTold: t.fake.dms(ALICE).map((m) => m.text),
  };
}

describe('429 and 500 from Slack during a deployment', () => {
  it('delay the thread of a failing deployment: every line arrives once, in order, and the outcome is as without faults', async () => {
    await approvedInStaging(manyMissing);
    await t.bot.services.deploy(as(DEPLOYER), 1);
    const calm = await outcome();
    expect(calm.request.state).toBe('failed');
    expect(calm.lines.filter((l) => l.startsWith('Missing dependency'))).toHaveLength(150);
    expect(calm.thread).toEqual(calm.lines);

    await t.reset();
    // At Slack's pace, so that the thread is still being written when the faults begin.
    t.slackPace();
    await approvedInStaging(manyMissing);
    // Not awaited: a deployment returns once its thread is written.
    const deploying = t.bot.services.deploy(as(DEPLOYER), 1);
    // Once the thread has begun, its next replies and edits meet rate limits and server errors.
    const parent = await parentWhen((p) => replies(p).length > 0);
    t.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
    t.fake.failNext('chat.postMessage', { status: 500 }, 2);
    t.fake.failNext('chat.update', { status: 500 });
    t.fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    await deploying;
    const stormy = await outcome();

    const failed = t.fake.calls.filter((c) => c.status !== 200);
    expect(failed.map((c) => `${c.method} ${c.status}`).sort()).toEqual(['chat.postMessage 429', 'chat.postMessage 429', 'chat.postMessage 500', 'chat.postMessage 500', 'chat.update 429', 'chat.update 500']);
    expect(failed.filter((c) => c.method === 'chat.postMessage').every((c) => c.args.thread_ts === parent.ts)).toBe(true);
    expect(stormy).toEqual(calm);
  });

  it('delay the parent, the card and the requester of a successful deployment: the same outcome, every line once', async () => {
    const changes = [{ key: 'Layout/Account', content: 'v2' }];
    await approvedInStaging(changes);
    await t.bot.services.deploy(as(DEPLOYER), 1);
    const calm = await outcome();
    expect(calm.request.state).toBe('deployed');
    expect(calm.thread).toEqual(calm.lines);

    await t.reset();
    await approvedInStaging(changes);
    t.fake.failNext('chat.postMessage', { status: 500 });
    t.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    t.fake.failNext('chat.update', { status: 429, retryAfter: 1 }, 2);
    t.fake.failNext('chat.update', { status: 500 });
    await t.bot.services.deploy(as(DEPLOYER), 1);
    const stormy = await outcome();

    expect(t.fake.calls.filter((c) => c.status !== 200)).toHaveLength(5);
    expect(stormy).toEqual(calm);
  });
});

describe('a thread Slack kept from being written', () => {
  it('is completed by resume() once Slack answers again: every line once, in order, and the final status on the parent', async () => {
    await approvedInStaging(manyMissing);
    // At Slack's pace, so that the thread is still being written when Slack starts refusing.
    t.slackPace();
    const deploying = t.bot.services.deploy(as(DEPLOYER), 1);
    const parent = await parentWhen((p) => replies(p).length >= 2);
    refusePosts();
    // Longer than Chat's tries: the live thread gives up.
    await deploying;
    await t.bot.settled();
    const run = await latestRun();
    const lines = await storedLines(run);
    const before = threadLines(parent);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(lines.length);
    expect(before).toEqual(lines.slice(0, before.length));
    expect(await threadRow(run)).toMatchObject({ ts: parent.ts, linesPosted: before.length, complete: false, writer: t.bot.runtime.process.id });

    answerPosts();
    expect(await t.bot.threads.resume()).toBe(1);
    expect(threadLines(parent)).toEqual(lines);
    expect(parentNow()!.text).toMatch(/: failed$/);
    expect(parentNow()!.ts).toBe(parent.ts);
    expect(await threadRow(run)).toMatchObject({ linesPosted: lines.length, complete: true });
    const { request } = await t.bot.runtime.services.requestOverview(1);
    expect([request.state, request.reason]).toEqual(['failed', '150 missing dependencies']);

    // Nothing is left to do: no post, no edit (once the background work of the resume, such as a direct message
    // retried, has ended).
    await t.bot.settled();
    const calls = t.fake.calls.length;
    expect(await t.bot.threads.resume()).toBe(0);
    expect(t.fake.calls.length).toBe(calls);
  });

  it('of which not one reply could be posted gets every line under the card from resume()', async () => {
    const card = await approvedInStaging([{ key: 'Layout/Account', content: 'v2' }]);
    refusePosts();
    const deployed = await t.bot.services.deploy(as(DEPLOYER), 1);
    expect(deployed.succeeded).toBe(true);
    await t.bot.settled();
    const run = `RUN-${deployed.run.id}`;
    expect(await threadRow(run)).toMatchObject({ ts: card.ts, linesPosted: 0, complete: false });

    answerPosts();
    expect(await t.bot.threads.resume()).toBe(1);
    await t.bot.settled();
    expect(threadLines(card)).toEqual(await storedLines(run));
    expect(parentNow()!.text).toMatch(/: deployed$/);
    expect(t.fake.messages('C0STAGING').filter((m) => m.ts >= card.ts)).toHaveLength(1);
  });

  it('of a run whose card was never posted: the card is posted once the run ended, with the whole log in its thread', async () => {
    await changedInDevAlice(t);
    // Sent and approved without announcing: nobody has posted its card.
    await t.bot.runtime.services.send(as(ALICE), { instance: 'dev-alice', message: 'Tier on account' });
    await t.bot.runtime.services.approve(as(BOB), 1);
    await t.bot.settled();
    expect(parentNow()).toBeUndefined();

    const deployed = await t.bot.services.deploy(as(DEPLOYER), 1);
    await t.bot.settled();
    const card = parentNow()!;
    expect(card.text).toMatch(/: deployed$/);
    expect(threadLines(card)).toEqual(await storedLines(`RUN-${deployed.run.id}`));
    expect(await threadRow(`RUN-${deployed.run.id}`)).toMatchObject({ ts: card.ts, complete: true });
  });

  it('is left as it is when Slack refuses it for good, instead of being tried again on every resume()', async () => {
    const card = await approvedInStaging([{ key: 'Layout/Account', content: 'v2' }]);
    const dying = await replica(1);
    refusePosts();
    expect((await dying.services.deploy(as(DEPLOYER), 1)).succeeded).toBe(true);
    await dying.threads.drain();
    await dying.close();
    const run = `RUN-${(await t.bot.runtime.services.requestOverview(1)).request.deployRunId}`;
    expect(await threadRow(run)).toMatchObject({ ts: card.ts, linesPosted: 0, complete: false });

    answerPosts();
    t.fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    expect(await t.bot.threads.resume()).toBe(1);
    expect(await threadRow(run)).toMatchObject({ ts: card.ts, complete: true });
    const calls = t.fake.calls.length;
    expect(await t.bot.threads.resume()).toBe(0);
    expect(t.fake.calls.length).toBe(calls);
    expect(replies(card)).toEqual([]);
  });
});

describe('several processes on one database', () => {
  it('leave a thread to its live writer, and complete it once when it died and two of them resume it at the same time', async () => {
    await approvedInStaging(manyMissing);
    // A replica deploys with a Chat that tries once: its thread stops at the first refused reply, then the replica dies.
    const dying = await replica(1);
    const deploying = dying.services.deploy(as(DEPLOYER), 1);
    const parent = await parentWhen((p) => replies(p).length >= 1);
    refusePosts();
    expect((await deploying).succeeded).toBe(false);
    await dying.threads.drain();
    // While its writer lives, nobody else takes it.
    expect(await t.bot.threads.resume()).toBe(0);
    await dying.close();
    const run = await latestRun();
    const lines = await storedLines(run);
    const before = threadLines(parent);
    expect(before.length).toBeLessThan(lines.length);
    expect(await threadRow(run)).toMatchObject({ writer: dying.id, linesPosted: before.length, complete: false });

    answerPosts();
    const other = await replica();
    const [mine, theirs] = await Promise.all([t.bot.threads.resume(), other.threads.resume()]);
    expect(mine + theirs).toBe(1);
    expect(threadLines(parent)).toEqual(lines);
    // Whichever process completed the thread writes the card again, from the database.
    await t.fake.waitFor(() => /: failed$/.test(parentNow()?.text ?? ''));
    expect(t.fake.messages('C0STAGING').filter((m) => m.ts >= parent.ts)).toHaveLength(1);
    expect(await threadRow(run)).toMatchObject({ complete: true, writer: mine ? t.bot.runtime.process.id : other.id });
  });

  it('complete the thread of a run interrupted with its process once the recovery ended it, with the recovery’s line', async () => {
    const dying = await replica();
    const store = createStore(t.bot.runtime.database.db, dying.id);
    // A shared instance's sync is threaded in its channel (a sandbox's is answered privately).
    const staging = (await store.instances.byName('staging'))!;
    const run = await store.runs.create({ kind: 'sync', user: ALICE, message: 'Sync of staging', requestId: null, instanceId: staging.id, environmentId: staging.environmentId, startedAt: new Date() });
    const written = ['Syncing staging with production (Production)', 'Took Layout/A from production', 'Took Layout/B from production'];
    // Its first line is stored; the others reach the thread but the process dies before it stores them.
    await store.runs.appendLines(run.id, 0, [{ at: new Date(), level: 'info', text: written[0]! }]);
    for (const text of written) dying.threads.line(run, { at: new Date(), level: 'info', text });
    const parent = await t.fake.waitFor(() => {
      const found = t.fake.messages('C0STAGING').find((m) => m.text?.startsWith('Sync of staging'));
      return found && t.fake.thread('C0STAGING', found.ts).length > 0 ? found : undefined;
    });
    await until(async () => (await threadRow(`RUN-${run.id}`))?.linesPosted === 3);
    // Still running, with its writer alive: nothing to resume.
    expect(await t.bot.threads.resume()).toBe(0);
    await dying.close();
    await t.bot.services.recoverInterruptedRuns();
    expect(await t.bot.threads.resume()).toBe(1);
    const thread = t.fake.thread('C0STAGING', parent.ts).flatMap((m) => (m.text ?? '').split('\n'));
    expect(thread).toEqual([...written.map((l) => `• ${l}`), expect.stringMatching(/^:x: Interrupted: the process running this stopped/)]);
    const final = t.fake.messages('C0STAGING').find((m) => m.ts === parent.ts)!;
    expect(final.text).toMatch(/: interrupted$/);
  });

  it('post a card refreshed by two of them at once, before it was ever posted, once', async () => {
    await changedInDevAlice(t);
    // Sent without announcing: nobody has posted its card yet.
    await t.bot.runtime.services.send(as(ALICE), { instance: 'dev-alice', message: 'Tier on account' });
    await t.bot.settled();
    expect(t.card('C0STAGING', 'DR-1')).toBeUndefined();

    const [one, two] = [await replica(), await replica()];
    await Promise.all([one.cards.refreshRequestCard(1), two.cards.refreshRequestCard(1), one.cards.refreshRequestCard(1), two.cards.refreshRequestCard(1)]);
    const cards = t.fake.messages('C0STAGING').filter((m) => m.text?.startsWith('DR-1 '));
    expect(cards).toHaveLength(1);
    expect(cards[0]!.text).toMatch(/pending approval/);
    expect(t.fake.ok('chat.postMessage').filter((c) => String(c.args.text).startsWith('DR-1 '))).toHaveLength(1);
    expect(await t.bot.runtime.database.db.select().from(postedMessages).where(eq(postedMessages.subject, 'DR-1'))).toMatchObject([{ ts: cards[0]!.ts }]);
  });
});

describe('a card asked to refresh several times', () => {
  it('is updated once per change: refreshes waiting for their turn share it, and an identical edit is not sent', async () => {
    await approvedInStaging([{ key: 'Layout/Account', content: 'v2' }]);
    const card = t.card('C0STAGING', 'DR-1')!;
    const cardEdits = () => t.fake.calls.filter((c) => c.method === 'chat.update' && c.args.ts === card.ts);
    const edits = () => cardEdits().length;
    // The run's start and end and the outcome each ask for the card: what it shows changes once (approved → deployed).
    await t.bot.services.deploy(as(DEPLOYER), 1);
    await t.bot.settled();
    const shownInTurn = cardEdits().map((c) => JSON.stringify([c.args.text, c.args.blocks]));
    expect(shownInTurn.filter((content, i) => i > 0 && content === shownInTurn[i - 1])).toEqual([]);
    expect(t.card('C0STAGING', 'DR-1')!.text).toMatch(/deployed/);

    const settled = edits();
    const other = await replica();
    await Promise.all([other.cards.refreshRequestCard(1), other.cards.refreshRequestCard(1), other.cards.refreshRequestCard(1)]);
    expect(edits() - settled).toBe(1);
    await other.cards.refreshRequestCard(1);
    expect(edits() - settled).toBe(1);
  });
});
