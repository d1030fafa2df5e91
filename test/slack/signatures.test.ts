import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { pendingInStaging } from '../helpers/scenarios.ts';
import { fill, SIGNING_SECRET, useTestBot } from '../helpers/slack-app.ts';
import { appHomeOpened, blockAction, type PostResult, sign, type SlackRequest, slashCommand, viewSubmission } from '../helpers/slack-requests.ts';
import { ALICE, BOB, DEPLOYER } from '../helpers/world.ts';

/**
 * Only Slack may drive the bot: every request to /slack/events must carry a valid v0 signature made with the
 * signing secret over this very body, at most 5 minutes old. Anything else gets 401 and changes nothing at all:
 * no Web API call, no answer on the response URL, no row in the database.
 */

const t = useTestBot();

const now = () => Math.floor(Date.now() / 1000);

/** `/sandbox lock Staging release in progress`, typed by the deployer of Staging in its channel. */
function lockStaging() {
  const responseUrl = t.fake.responseUrl();
  return slashCommand({ text: 'lock Staging release in progress', userId: DEPLOYER, channelId: 'C0STAGING', responseUrl });
}

const stagingLock = async () => (await t.bot.runtime.services.status()).find((e) => e.environment.name === 'Staging')!.environment.lock;

/** Everything the database would show a person or an auditor. */
async function snapshot() {
  const s = t.bot.runtime.services;
  return JSON.stringify({
    status: await s.status(),
    queue: await s.queue(),
    audit: await s.audit({ limit: 1000 }),
    changeRequests: await s.changeRequests.list(),
  });
}

/**
 * Waits for any work a request might have started (its answer has come: whatever it started is under way by then, and
 * `settled` waits for it), then checks that none happened.
 */
async function expectNothingChanged(before: string, callsBefore = 0) {
  await t.bot.settled();
  expect(t.fake.calls.slice(callsBefore).map((c) => c.method), 'Web API calls').toEqual([]);
  expect(t.fake.responses, 'posts to response URLs').toEqual([]);
  expect(await snapshot(), 'the database').toBe(before);
}

const expectRefused = (result: PostResult) => {
  expect(result.status).toBe(401);
  expect(result.body).toBe('');
};

/** A post to /slack/events with exactly these headers, to leave out what `postToSlackEndpoint` always adds. */
function rawPost(url: string, headers: Record<string, string>, body: string): Promise<PostResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Alice's change to the account layout, sent to Staging with its approval card posted: DR-1, pending approval. */
const requestInStaging = () =>
  pendingInStaging(t, { production: { 'Layout/Account': 'tier=basic' }, changes: [{ key: 'Layout/Account', content: 'tier=gold' }], message: 'Gold tier' });

describe('a correctly signed request', () => {
  it('gets 200 and takes effect: the lock is set, announced and confirmed', async () => {
    const result = await t.send(lockStaging());
    expect(result.status).toBe(200);
    expect(result.ms).toBeLessThan(1000);
    await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.text?.includes(':lock:')));
    const answer = await t.fake.waitFor(() => t.fake.responses[0]);
    expect(answer.text).toContain(':lock: Staging is locked');
    expect(await stagingLock()).toMatchObject({ by: DEPLOYER, reason: 'release in progress' });
  });

  it('is accepted up to 5 minutes old (4 minutes here)', async () => {
    const timestamp = now() - 4 * 60;
    const result = await t.send(lockStaging(), { timestamp });
    expect(result.status).toBe(200);
    await t.fake.waitFor(() => t.fake.responses[0]);
    expect(await stagingLock()).toMatchObject({ by: DEPLOYER });
  });
});

describe('a command that Slack did not sign gets 401 and changes nothing', () => {
  it('signed with another secret', async () => {
    const before = await snapshot();
    const request = lockStaging();
    const timestamp = now();
    expectRefused(await t.send(request, { timestamp, signature: sign('not-the-signing-secret', timestamp, request.body) }));
    await expectNothingChanged(before);
    expect(await stagingLock()).toBeNull();
  });

  it('with a made-up signature', async () => {
    const before = await snapshot();
    expectRefused(await t.send(lockStaging(), { signature: `v0=${'0'.repeat(64)}` }));
    expectRefused(await t.send(lockStaging(), { signature: 'garbage' }));
    await expectNothingChanged(before);
    expect(await stagingLock()).toBeNull();
  });

  it('with a body changed after signing', async () => {
    const before = await snapshot();
    const genuine = slashCommand({ text: 'status', userId: DEPLOYER, channelId: 'C0STAGING', responseUrl: t.fake.responseUrl() });
    const timestamp = now();
    const tampered = lockStaging();
    expectRefused(await t.send(tampered, { timestamp, signature: sign(SIGNING_SECRET, timestamp, genuine.body) }));
    await expectNothingChanged(before);
    expect(await stagingLock()).toBeNull();
  });

  it('signed for another timestamp than the one it carries', async () => {
    const before = await snapshot();
    const request = lockStaging();
    const timestamp = now();
    expectRefused(await t.send(request, { timestamp, signature: sign(SIGNING_SECRET, timestamp - 1, request.body) }));
    await expectNothingChanged(before);
  });

  it('without the X-Slack-Signature header', async () => {
    const before = await snapshot();
    expectRefused(await t.send(lockStaging(), { omitSignature: true }));
    await expectNothingChanged(before);
    expect(await stagingLock()).toBeNull();
  });

  it('without any signature header at all', async () => {
    const before = await snapshot();
    const request = lockStaging();
    expectRefused(await rawPost(t.bot.url, { 'content-type': request.contentType }, request.body));
    await expectNothingChanged(before);
    expect(await stagingLock()).toBeNull();
  });

  it('with a stale timestamp: correctly signed, but 6 minutes old (a replay)', async () => {
    const before = await snapshot();
    const request = lockStaging();
    const timestamp = now() - 6 * 60;
    expectRefused(await t.send(request, { timestamp, signature: sign(SIGNING_SECRET, timestamp, request.body) }));
    expectRefused(await t.send(request, { timestamp: now() - 60 * 60 }));
    await expectNothingChanged(before);
    expect(await stagingLock()).toBeNull();
  });

  it('with a timestamp that is not a number', async () => {
    const before = await snapshot();
    const request = lockStaging();
    expectRefused(await t.send(request, { headers: { 'x-slack-request-timestamp': 'yesterday' } }));
    await expectNothingChanged(before);
  });

  it('and the same request, signed properly afterwards, still works', async () => {
    const request = lockStaging();
    expectRefused(await t.send(request, { omitSignature: true }));
    expect((await t.send(request)).status).toBe(200);
    await t.fake.waitFor(() => t.fake.responses[0]);
    expect(await stagingLock()).toMatchObject({ by: DEPLOYER });
  });
});

describe('other requests Slack did not sign get 401 and change nothing', () => {
  it('a forged Approve click leaves the request pending and its card untouched', async () => {
    await requestInStaging();
    const before = await snapshot();
    const callsBefore = t.fake.calls.length;
    const card = t.fake.messages('C0STAGING').find((m) => m.text?.includes('DR-1'))!;
    const click = blockAction({ userId: BOB, actionId: 'request_approve', value: '1', channelId: 'C0STAGING', messageTs: card.ts, responseUrl: t.fake.responseUrl() });
    expectRefused(await t.send(click, { signature: sign('forged', now(), click.body) }));
    await expectNothingChanged(before, callsBefore);
    expect((await t.bot.runtime.services.requestOverview(1)).request.state).toBe('pending_approval');
    expect(t.fake.messages('C0STAGING').find((m) => m.ts === card.ts)!.updates).toBe(card.updates);
  });

  it('a forged reject submission leaves the request pending', async () => {
    await requestInStaging();
    const before = await snapshot();
    const callsBefore = t.fake.calls.length;
    const submission = viewSubmission({
      userId: BOB,
      callbackId: 'reject_modal',
      privateMetadata: JSON.stringify({ channel: 'C0STAGING', requestId: 1 }),
      values: fill({ reason: 'forged' }),
    });
    expectRefused(await t.send(submission, { omitSignature: true }));
    await expectNothingChanged(before, callsBefore);
    expect((await t.bot.runtime.services.requestOverview(1)).request.state).toBe('pending_approval');
  });

  it('a forged app_home_opened event publishes nothing', async () => {
    const before = await snapshot();
    const event = appHomeOpened({ userId: ALICE });
    expectRefused(await t.send(event, { signature: sign('forged', now(), event.body) }));
    await expectNothingChanged(before);
    expect(t.fake.views('publish')).toEqual([]);
  });
});

describe('the content-type trap', () => {
  it('a form body sent as `application/x-www-form-urlencoded; charset=utf-8` is not taken, and changes nothing', async () => {
    const before = await snapshot();
    const request: SlackRequest = lockStaging();
    const result = await t.send(request, { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } });
    expect(result.status).not.toBe(200);
    expect(result.status).toBeGreaterThanOrEqual(400);
    await expectNothingChanged(before);
    expect(await stagingLock()).toBeNull();
  });
});

describe('GET /healthz', () => {
  it('answers 200 while the database answers, without any Slack signature', async () => {
    const response = await fetch(new URL('/healthz', t.bot.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(t.fake.calls).toEqual([]);
  });
});
