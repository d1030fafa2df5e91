import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../src/db/client.ts';
import { approvedInStaging } from '../helpers/scenarios.ts';
import { startTestBot, type TestBot } from '../helpers/slack-app.ts';
import { DEPLOYER } from '../helpers/world.ts';

// SIGTERM (SlackApp.stop): no more requests are taken, the work under way gets SHUTDOWN_GRACE to end, and what is
// still running then is cut short: its run interrupted, its request deployable again. Nothing is left running.

/** Thousands of components changed in dev-alice: a deployment that takes a while. */
const MANY = Array.from({ length: 4000 }, (_, i) => ({ key: `Layout/Component${String(i).padStart(5, '0')}`, content: `<layout n="${i}">${'x'.repeat(200)}</layout>` }));

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * Deploys DR-1 from its card while a transaction of the test holds Staging's deployment lock, so that the deployment
 * is surely under way (claimed, waiting for the lock) when the bot is told to stop; `release` says when to let go.
 */
async function stopDuringDeployment(grace: string, release: 'at once' | 'once cut short') {
  t = await startTestBot(undefined, { SHUTDOWN_GRACE: grace });
  const bot = t.bot;
  const card = await approvedInStaging(t, { changes: MANY });
  expect((await t.click(DEPLOYER, 'request_deploy', '1', { channelId: card.channel, messageTs: card.ts })).status).toBe(200);
  const modal = await t.modal('deploy_modal');
  let letGo!: () => void;
  const gate = new Promise<void>((resolve) => (letGo = resolve));
  let held!: () => void;
  const locked = new Promise<void>((resolve) => (held = resolve));
  const holding = bot.runtime.database.db.transaction(async (tx) => {
    await tx.execute(sql`select id from environments where name = 'Staging' for update`);
    held();
    await gate;
  });
  await locked;
  expect((await t.submit(DEPLOYER, modal, {})).status).toBe(200);
  const stopped = bot.stop();
  if (release === 'once cut short') await t.fake.waitFor(() => bot.runtime.services.deps.stopping?.aborted || undefined, { timeoutMs: 20_000 });
  letGo();
  await holding;
  await stopped;
  // The database as the next start finds it.
  const db = await openDatabase(t.where);
  try {
    const [request] = await queryRows<{ state: string; reason: string | null }>(db.db, sql`select state, reason from deployment_requests where id = 1`);
    const runs = await queryRows<{ kind: string; status: string }>(db.db, sql`select kind, status from runs where kind = 'deploy'`);
    const staging = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from components c join instances i on i.id = c.instance_id where i.name = 'staging'`);
    return { request: request!, runs, staging: staging[0]!.n };
  } finally {
    await db.close();
  }
}

describe('stopping the app', () => {
  it('lets a deployment under way finish within the grace', async () => {
    const after = await stopDuringDeployment('60s', 'at once');
    expect(after.request.state).toBe('deployed');
    expect(after.runs).toEqual([{ kind: 'deploy', status: 'succeeded' }]);
    expect(after.staging).toBeGreaterThanOrEqual(MANY.length);
  }, 120_000);

  it('cuts a deployment short once the grace is over: its run interrupted, its request deployable again, the target as it was', async () => {
    const after = await stopDuringDeployment('0s', 'once cut short');
    expect(after.runs).toEqual([{ kind: 'deploy', status: 'interrupted' }]);
    expect(after.request).toEqual({ state: 'failed', reason: 'interrupted' });
    expect(after.staging).toBeLessThan(MANY.length);
  }, 120_000);
});
