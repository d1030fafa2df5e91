import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.ts';
import { createServices, type Services } from '../../src/domain/services/index.ts';
import { StatusInbox } from '../../src/domain/status-feed.ts';
import { outsideActions } from '../../src/targets/outside.ts';
import { useCommandFolder } from '../helpers/commands.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { type Delivery, useReceivers } from '../helpers/webhooks.ts';
import { createWorld, type World } from '../helpers/world.ts';
import { approvedForStaging, contents, deployAs, refused, seedPipeline, stagingWith } from './support.ts';

// Webhook targets and hooks in a deployment, on both databases: a real receiver on loopback, and its status callbacks
// sent to the bot's real HTTP API while the deployment's transaction is open.

let db: TestDatabase;
let world: World;
const servers: Server[] = [];
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
const receiver = useReceivers();
const { dir } = useCommandFolder('webhook-targets');
const SECRET = `whsec_${Buffer.from('the secret cmdb and the bot share').toString('base64')}`;

/** The bot's HTTP API over `services`, on loopback: where status callbacks go. */
async function apiOf(services: Services): Promise<string> {
  const server = createServer(getRequestListener(createApi(services, { log: () => {} }).fetch));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
}

async function worldWith(staging: string) {
  let api = '';
  const actions = outsideActions({ cwd: dir(), environment: { PATH: process.env.PATH, CMDB_SECRET: SECRET }, retryDelaysMs: [20], callbackUrl: (run) => `${api}/runs/${run}/status` });
  world = await createWorld(db, stagingWith(staging), { actions });
  api = await apiOf(world.services);
  await seedPipeline(world, { 'Layout/Account': 'v1' });
  await world.put('dev-alice', { 'Layout/Account': 'v2' });
  return (await approvedForStaging(world, 'accounts')).id;
}

/** Reports a status of the delivery's run to where it says, with the token it carries; answers the HTTP status. */
async function report(delivery: Delivery, state: string, description?: string, url: string = delivery.json.callback.url) {
  const answer = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${delivery.json.callback.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ state, description }) });
  return answer.status;
}

/** A receiver that accepts (202), then reports these states a moment later. */
function acceptingThen(states: [string, string?][], answers: number[] = [], url?: (d: Delivery) => string) {
  return (delivery: Delivery) => {
    if (delivery.json.type === 'deploy') {
      setTimeout(async () => {
        for (const [state, description] of states) answers.push(await report(delivery, state, description, url?.(delivery)));
      }, 30);
      return { status: 202, body: 'queued' };
    }
    return { status: 200 };
  };
}

const logOf = (runId: number) => world.sink.textsOf(runId);

describe('a webhook target', () => {
  it('that answers 202 is waited for: status callbacks sent with the run’s token reach the open deployment, are logged, and kept with the run', async () => {
    const answers: number[] = [];
    const cmdb = await receiver(acceptingThen([['in_progress', 'applying'], ['success', 'CHG-1 done']], answers));
    const id = await worldWith(`    targets:\n      - { name: cmdb, webhook: "${(await cmdb).url}/hooks", secret: CMDB_SECRET, timeout: 1m }`);
    const result = await deployAs(world, id);
    expect(result.succeeded).toBe(true);
    expect(answers).toEqual([201, 201]);
    const [delivery] = cmdb.deliveries;
    expect(new Webhook(SECRET).verify(delivery!.body, delivery!.headers as Record<string, string>)).toMatchObject({ type: 'deploy', name: 'cmdb', run: `RUN-${result.run.id}`, items: [expect.objectContaining({ key: 'Layout/Account', content: 'v2' })] });
    const log = logOf(result.run.id);
    expect(log).toContain(`Target cmdb: POST ${cmdb.url}/hooks`);
    expect(log).toContain('[cmdb] answered 202 Accepted');
    expect(log).toContain('Target cmdb reports in_progress: applying');
    expect(log).toContain('Target cmdb reports success: CHG-1 done');
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v2' });
    // Written behind the deployment (on PGlite, once its transaction ended).
    let kept = (await world.services.runLog(result.run.id)).statuses;
    while (kept.length < 2) kept = (await world.services.runLog(result.run.id)).statuses;
    expect(kept.map((s) => [s.state, s.reporter])).toEqual([['in_progress', `webhook:RUN-${result.run.id}`], ['success', `webhook:RUN-${result.run.id}`]]);
    // The token reports that run only, and only its status; and not once the run has ended.
    const token = delivery!.json.callback.token;
    const elsewhere = await fetch(delivery!.json.callback.url.replace(`RUN-${result.run.id}`, 'RUN-1'), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"state":"success"}' });
    expect(elsewhere.status).toBe(403);
    expect(((await elsewhere.json()) as { error: { message: string } }).error.message).toBe('This callback token does not report RUN-1: use the token the webhook was given with this run, and the run it named.');
    const reading = await fetch(delivery!.json.callback.url.replace('/status', ''), { headers: { authorization: `Bearer ${token}` } });
    expect(reading.status).toBe(403);
    expect(await report(delivery!, 'success')).toBe(409);
  });

  it('that reports failure fails the deployment: nothing is committed, and its revert webhook gets the state before the package', async () => {
    const cmdb = await receiver(acceptingThen([['failure', 'CMDB refused Layout/Account']]));
    const id = await worldWith(`    targets:\n      - { name: cmdb, webhook: "${cmdb.url}/hooks", revert: "${cmdb.url}/revert", secret: CMDB_SECRET }`);
    const result = await deployAs(world, id);
    expect(result.succeeded).toBe(false);
    expect(result.reason).toBe('target cmdb reported failure: CMDB refused Layout/Account');
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v1' });
    const revert = cmdb.deliveries.find((d) => d.path === '/revert')!;
    expect(new Webhook(SECRET).verify(revert.body, revert.headers as Record<string, string>)).toMatchObject({ type: 'revert', name: 'cmdb', items: [], state: [{ key: 'Layout/Account', content: 'v1' }] });
    const log = logOf(result.run.id);
    expect(log).toContain(`Putting target cmdb back: POST ${cmdb.url}/revert`);
    expect(log.some((l) => l.startsWith('Target cmdb is back as it was (answered 200 OK'))).toBe(true);
  });

  it('that reports no end within its timeout fails the deployment', async () => {
    const cmdb = await receiver(acceptingThen([['in_progress']]));
    const id = await worldWith(`    targets:\n      - { name: cmdb, webhook: "${cmdb.url}/hooks", secret: CMDB_SECRET, timeout: 1s }`);
    const result = await deployAs(world, id);
    expect(result.reason).toBe('target cmdb accepted the deployment but reported no end (success, failure or error) within its timeout (1s)');
    expect(logOf(result.run.id)).toContain('Target cmdb reports in_progress');
    expect(logOf(result.run.id)).toContain('Target cmdb has no revert: check it by hand, it may hold part of the package.');
  });

  it.skipIf(!onPostgres)('hears a status reported to another replica, through the database', async () => {
    let other = '';
    const cmdb = await receiver(acceptingThen([['success', 'from the other replica']], [], (d) => d.json.callback.url.replace(/^.*\/api\/v1/, other)));
    const id = await worldWith(`    targets:\n      - { name: cmdb, webhook: "${cmdb.url}/hooks", secret: CMDB_SECRET }`);
    // Another replica: the same database, a process of its own (its own inbox, where no deployment waits).
    other = await apiOf(createServices({ ...world.services.deps, statusInbox: new StatusInbox() }));
    const result = await deployAs(world, id);
    expect(result.succeeded).toBe(true);
    expect(logOf(result.run.id)).toContain('Target cmdb reports success: from the other replica');
  });
});

describe('webhook hooks and Test Connection', () => {
  it('post after a deployment, refuse it before when they fail, and are pinged by Test Connection', async () => {
    const status = await receiver((d) => (d.json.type === 'beforeDeploy' ? { status: 403, body: 'change window closed' } : { status: 200 }));
    const hooks = `    hooks:\n      afterDeploy: [{ webhook: "${status.url}/deployed", secret: CMDB_SECRET }]`;
    const id = await worldWith(hooks);
    const result = await deployAs(world, id);
    expect(result.succeeded).toBe(true);
    const after = status.deliveries.find((d) => d.path === '/deployed')!;
    expect(new Webhook(SECRET).verify(after.body, after.headers as Record<string, string>)).toMatchObject({ type: 'afterDeploy', run: `RUN-${result.run.id}` });
    const refusing = await worldWith(`    hooks:\n      beforeDeploy: [{ webhook: "${status.url}/window", secret: CMDB_SECRET }]`);
    const refusal = await refused(deployAs(world, refusing), 'HOOK_REFUSED');
    expect(refusal.message).toBe(`The beforeDeploy hook of Staging refused it: POST ${status.url}/window answered 403 Forbidden, saying: change window closed. Nothing was done; try again once what it checks is fixed.`);
    const tested = await world.services.testConnections('Staging');
    expect(tested.checks).toEqual([{ subject: 'beforeDeploy', check: `POST ${status.url}/window (ping)`, ok: true, detail: expect.stringMatching(/^answered 200 OK after \d+ ms$/), ms: expect.any(Number) }]);
    expect(status.deliveries.at(-1)!.json).toEqual({ type: 'ping', name: 'beforeDeploy', environment: 'Staging' });
  });
});
