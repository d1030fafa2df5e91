import { LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/app/runtime.ts';
import { registerProcess } from '../../src/db/processes.ts';
import { postedMessageRepository } from '../../src/db/repositories/posted-messages.ts';
import { createStore } from '../../src/db/store.ts';
import { createServices } from '../../src/domain/services/index.ts';
import { Cards } from '../../src/slack/cards.ts';
import { Chat } from '../../src/slack/chat.ts';
import { Outbox } from '../../src/slack/outbox.ts';
import { noUserGroups } from '../../src/slack/user-groups.ts';
import { useTestBot } from '../helpers/slack-app.ts';
import { ADMIN, ALICE, as, BOB } from '../helpers/world.ts';

// Two processes writing one card at once: Slack keeps whichever edit arrives last, which may be the older state. Each
// write is recorded with the card, and whoever records after a crossing write of other content writes the card again
// from the state as it is then, without rendering the card again after every write to find out.

const t = useTestBot();

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close().catch(() => {});
});

/** A gate a test opens: `reached` resolves once something waits at it. */
function gate() {
  let open!: () => void;
  let reach!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return {
    reached,
    open,
    pass: async () => {
      reach();
      await opened;
    },
  };
}

/**
 * Another process on the bot's database, as a second replica is, with cards of its own. Its first card edit waits
 * at `beforeWrite` before it is sent to Slack, and at `afterWrite` once Slack took it (before it is recorded).
 */
async function replica() {
  const { database, config } = t.bot.runtime;
  const registration = await registerProcess(await database.session(), 'app');
  closing.push(() => registration.close());
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.ERROR);
  const client = new WebClient('xoxb-test-token', { slackApiUrl: t.fake.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000, logger });
  const chat = new Chat(client, logger);
  const [beforeWrite, afterWrite] = [gate(), gate()];
  const update = chat.update.bind(chat);
  let edits = 0;
  chat.update = async (...args) => {
    const first = edits++ === 0;
    if (first) await beforeWrite.pass();
    await update(...args);
    if (first) await afterWrite.pass();
  };
  const services = createServices({ store: createStore(database.db, registration.id), clock: systemClock, groups: noUserGroups, sink: {} as never, admins: config.admins });
  const cards = new Cards(services, postedMessageRepository(database.db, registration.id), new Outbox(chat, logger), logger);
  return { cards, beforeWrite, afterWrite };
}

/** DR-1 pending approval in Staging, its card posted; and the card's edits from now on, as Slack took them. */
async function pendingCard() {
  const s = t.bot.runtime.services;
  await s.components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'v1' }]);
  await s.sync(as(ADMIN), 'staging');
  await s.sync(as(ALICE), 'dev-alice');
  await s.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
  await t.bot.services.send(as(ALICE), { instance: 'dev-alice', message: 'Tier on account' });
  await t.bot.settled();
  const card = await t.cardWhen('C0STAGING', 'DR-1', (m) => /pending approval/.test(m.text ?? ''));
  const from = t.fake.calls.length;
  const edits = () => t.fake.calls.slice(from).filter((c) => c.method === 'chat.update' && c.args.ts === card.ts).map((c) => String(c.args.text));
  return { card, edits };
}

const PENDING = 'DR-1 to Staging: pending approval';
const APPROVED = 'DR-1 to Staging: approved';

describe('a card written by two processes at once', () => {
  for (const order of ['before', 'after'] as const) {
    it(`ends with the newest state when the older write reaches Slack last and is recorded ${order} the newer one`, async () => {
      const { card, edits } = await pendingCard();
      const [older, newer] = [await replica(), await replica()];
      // The older process reads the card's state (pending approval) and stops before its edit reaches Slack.
      const olderRefresh = older.cards.refreshRequestCard(1);
      await older.beforeWrite.reached;
      // Bob's approval, not announced: only the newer process refreshes the card, and its edit reaches Slack first.
      await t.bot.runtime.services.approve(as(BOB), 1);
      newer.beforeWrite.open();
      const newerRefresh = newer.cards.refreshRequestCard(1);
      await newer.afterWrite.reached;
      expect(t.card('C0STAGING', 'DR-1')!.text).toBe(APPROVED);

      // The older edit overwrites the newer one in Slack; the two are recorded in either order.
      older.afterWrite.open();
      if (order === 'before') {
        older.beforeWrite.open();
        await olderRefresh;
        newer.afterWrite.open();
        await newerRefresh;
      } else {
        newer.afterWrite.open();
        await newerRefresh;
        older.beforeWrite.open();
        await olderRefresh;
      }

      // Whichever recorded last wrote the card again: the newest state is what Slack shows.
      expect(edits()).toEqual([APPROVED, PENDING, APPROVED]);
      const shown = t.fake.messages('C0STAGING').find((m) => m.ts === card.ts)!;
      expect(shown.text).toBe(APPROVED);
      expect(JSON.stringify(shown.blocks)).not.toContain('"Approve"');
    });
  }

  it('is written once by each process when they write the same state, and not again by either', async () => {
    const { edits } = await pendingCard();
    await t.bot.runtime.services.approve(as(BOB), 1);
    const [one, two] = [await replica(), await replica()];
    for (const r of [one, two]) r.afterWrite.open();
    const refreshes = [one.cards.refreshRequestCard(1), two.cards.refreshRequestCard(1)];
    await Promise.all([one.beforeWrite.reached, two.beforeWrite.reached]);
    for (const r of [one, two]) r.beforeWrite.open();
    await Promise.all(refreshes);
    // Crossing writes of the same content need no rewrite; then each process knows nobody wrote the card since.
    expect(edits()).toEqual([APPROVED, APPROVED]);
    await Promise.all([one.cards.refreshRequestCard(1), two.cards.refreshRequestCard(1)]);
    await one.cards.refreshRequestCard(1);
    expect(edits()).toEqual([APPROVED, APPROVED]);
  });
});
