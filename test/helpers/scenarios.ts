import { expect } from 'vitest';
import type { FakeMessage } from './fake-slack.ts';
import { buttonLabels, type TestBot } from './slack-app.ts';
import { ADMIN, ALICE, as, BOB, CAROL, DEPLOYER } from './world.ts';

// The situations the Slack tests start from, set up through the bot's services on the test bot of a file (see
// useTestBot): written once here rather than once per file.

export interface ComponentChange {
  key: string;
  content: string;
  dependsOn?: string[];
}

/** What production holds, what Alice changes in dev-alice and the message she sends it with. */
export interface Release {
  /** Production's components (Layout/Account v1 unless given). */
  production?: Record<string, string>;
  /** Alice's changes in dev-alice (Layout/Account v2 unless given). */
  changes?: ComponentChange[];
  /** The deployment message (`Tier on account` unless given). */
  message?: string;
}

const PRODUCTION = { 'Layout/Account': 'v1' };
const CHANGES: ComponentChange[] = [{ key: 'Layout/Account', content: 'v2' }];
const MESSAGE = 'Tier on account';

/** Production holds `production`; Staging and dev-alice are synced from above (RUN-1 and RUN-2). */
export async function syncedPipeline(t: TestBot, production: Record<string, string> = PRODUCTION) {
  const s = t.bot.runtime.services;
  await s.components.put(as(ADMIN), 'production', Object.entries(production).map(([key, content]) => ({ key, content })));
  await s.sync(as(ADMIN), 'staging');
  await s.sync(as(ALICE), 'dev-alice');
}

/** The pipeline synced, then Alice's changes in dev-alice: nothing sent yet. */
export async function changedInDevAlice(t: TestBot, release: Release = {}) {
  await syncedPipeline(t, release.production);
  await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', release.changes ?? CHANGES);
}

/** DR-1: Alice's changes sent from dev-alice through the announcing services, waiting for approval in Staging with its card posted. */
export async function pendingInStaging(t: TestBot, release: Release = {}): Promise<FakeMessage> {
  await changedInDevAlice(t, release);
  const { request } = await t.bot.services.send(as(ALICE), { instance: 'dev-alice', message: release.message ?? MESSAGE });
  expect(request.id).toBe(1);
  await t.bot.settled();
  return t.cardWhen('C0STAGING', 'DR-1');
}

/** DR-1 approved by Bob: it waits in Staging's queue, its card showing Deploy. */
export async function approvedInStaging(t: TestBot, release: Release = {}): Promise<FakeMessage> {
  await pendingInStaging(t, release);
  await t.bot.services.approve(as(BOB), 1);
  await t.bot.settled();
  return t.cardWhen('C0STAGING', 'DR-1', (m) => buttonLabels(m).includes('Deploy'));
}

/**
 * Staging carries a change to production, CR-1 is approved by Bob and Carol, and Alice sends it with CR-1 through
 * the announcing services: DR-1 awaits Production's approvals.
 */
export async function sentToProduction(t: TestBot): Promise<{ changeRequestId: number }> {
  const s = t.bot.runtime.services;
  await s.components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'v1' }]);
  await s.sync(as(ADMIN), 'staging');
  await s.components.put(as(ADMIN), 'staging', [{ key: 'Layout/Account', content: 'v2' }]);
  const cr = await s.changeRequests.create(as(ALICE), { name: 'Account tiers', type: 'normal', overview: 'Adds tiers to accounts' });
  await s.changeRequests.submit(as(ALICE), cr.id);
  await s.changeRequests.approve(as(BOB), cr.id);
  await s.changeRequests.approve(as(CAROL), cr.id);
  await t.bot.services.send(as(ALICE), { instance: 'staging', message: 'Account tiers to production', changeRequestId: cr.id });
  return { changeRequestId: cr.id };
}

/** DR-1 of `sentToProduction`, approved by Bob and Carol and deployed to Production by the deployer. */
export async function deployedToProduction(t: TestBot): Promise<{ changeRequestId: number }> {
  const { changeRequestId } = await sentToProduction(t);
  await t.bot.services.approve(as(BOB), 1);
  await t.bot.services.approve(as(CAROL), 1);
  const deployed = await t.bot.services.deploy(as(DEPLOYER), 1);
  expect(deployed.succeeded).toBe(true);
  await t.bot.settled();
  return { changeRequestId };
}
