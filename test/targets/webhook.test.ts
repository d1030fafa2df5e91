import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { ActionContext, WebhookAction } from '../../src/domain/actions.ts';
import { webhookActions } from '../../src/targets/webhook.ts';
import { useReceivers } from '../helpers/webhooks.ts';

// Webhook targets and hooks: a real HTTP receiver on loopback, its signatures checked by the Standard Webhooks
// library that receivers use.

const receiver = useReceivers();
const SECRET = `whsec_${Buffer.from('a secret of thirty-two bytes....').toString('base64')}`;
const context = (over: Partial<ActionContext> = {}): ActionContext => ({
  action: 'deploy',
  environment: 'Staging',
  request: 'REQ-7',
  run: 'RUN-9',
  secrets: {},
  files: [{ key: 'Layout/Account', action: 'modify', hash: 'h2', baseHash: 'h1', dependsOn: ['Field/Tier'], content: 'v2' }],
  state: [{ key: 'Layout/Account', content: 'v2' }],
  ...over,
});
const hook = (url: string, over: Partial<WebhookAction> = {}) => ({ name: 'cmdb', webhook: `${url}/hooks/sandbox`, secret: 'CMDB_SECRET', timeout: '2m', ...over });
const webhooks = (o: Partial<Parameters<typeof webhookActions>[0]> = {}) => webhookActions({ environment: { CMDB_SECRET: SECRET }, retryDelaysMs: [20, 40, 80], callbackUrl: (run) => `http://bot.test/api/v1/runs/${run}/status`, ...o });

/** A port of this machine nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function lines() {
  const said: string[] = [];
  return { said, line: (text: string) => said.push(text) };
}

describe('a webhook', () => {
  it('posts the manifest with the package’s items, signed as Standard Webhooks signs, and succeeds on a 2xx', async () => {
    const cmdb = await receiver(() => ({ status: 200, body: 'deployed 1 item\nticket CHG-1\n' }));
    const { said, line } = lines();
    const outcome = await webhooks().run(hook(cmdb.url), context({ callback: { token: 'sbxcb_token-of-the-run' } }), line);
    expect(outcome).toMatchObject({ ok: true, accepted: false, said: ['deployed 1 item', 'ticket CHG-1'] });
    expect(outcome.summary).toMatch(/^answered 200 OK after \d+ ms$/);
    expect(said).toEqual(['answered 200 OK', 'deployed 1 item', 'ticket CHG-1']);
    const [delivery] = cmdb.deliveries;
    expect(delivery!.path).toBe('/hooks/sandbox');
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(new Webhook(SECRET).verify(delivery!.body, delivery!.headers as Record<string, string>)).toEqual(delivery!.json);
    expect(() => new Webhook(`whsec_${Buffer.from('another secret').toString('base64')}`).verify(delivery!.body, delivery!.headers as Record<string, string>)).toThrow();
    expect(delivery!.json).toEqual({
      type: 'deploy',
      name: 'cmdb',
      environment: 'Staging',
      request: 'REQ-7',
      run: 'RUN-9',
      items: [{ key: 'Layout/Account', action: 'modify', hash: 'h2', baseHash: 'h1', dependsOn: ['Field/Tier'], content: 'v2' }],
      callback: { url: 'http://bot.test/api/v1/runs/RUN-9/status', token: 'sbxcb_token-of-the-run' },
    });
  });

  it('signs with a stored secret of the environment over the bot’s variable, and masks it in what the answer says', async () => {
    const stored = `whsec_${Buffer.from('the stored one').toString('base64')}`;
    const echo = await receiver((d) => ({ status: 200, body: `got ${d.headers['webhook-signature']} and ${stored}` }));
    const outcome = await webhooks().run(hook(echo.url), context({ secrets: { CMDB_SECRET: stored } }), () => {});
    expect(new Webhook(stored).verify(echo.deliveries[0]!.body, echo.deliveries[0]!.headers as Record<string, string>)).toBeTruthy();
    expect(outcome.said.join('\n')).not.toContain(stored);
    expect(outcome.said.join('\n')).toContain('••••');
    const missing = await webhooks({ environment: {} }).run(hook(echo.url), context(), () => {});
    expect(missing).toMatchObject({ ok: false, summary: expect.stringContaining("it needs CMDB_SECRET, which is neither a stored secret of Staging nor set in the bot's environment") });
    expect(echo.deliveries).toHaveLength(1);
  });

  it('is sent again with growing waits while the system cannot take it, the same delivery each time, freshly signed', async () => {
    const flaky = await receiver((_, n) => (n < 3 ? { status: 503, body: 'busy' } : { status: 204 }));
    const { said, line } = lines();
    const outcome = await webhooks().run(hook(flaky.url), context(), line);
    expect(outcome.ok).toBe(true);
    expect(flaky.deliveries).toHaveLength(3);
    const ids = new Set(flaky.deliveries.map((d) => d.headers['webhook-id']));
    expect(ids.size).toBe(1);
    for (const d of flaky.deliveries) expect(new Webhook(SECRET).verify(d.body, d.headers as Record<string, string>)).toBeTruthy();
    expect(said).toEqual(['answered 503 Service Unavailable', 'busy', 'trying again in 20 ms (attempt 2 of 4)', 'answered 503 Service Unavailable', 'busy', 'trying again in 40 ms (attempt 3 of 4)', 'answered 204 No Content']);
  });

  it('fails once its attempts are spent, or at once on an answer that will not change (a 4xx)', async () => {
    const down = await receiver(() => ({ status: 502 }));
    const spent = await webhooks().run(hook(down.url), context(), () => {});
    expect(down.deliveries).toHaveLength(4);
    expect(spent).toMatchObject({ ok: false, summary: 'answered 502 Bad Gateway, at attempt 4 of 4, and no time or attempt is left (timeout 2m)' });
    const refusing = await receiver(() => ({ status: 422, body: '{"error":"unknown environment"}' }));
    const refused = await webhooks().run(hook(refusing.url), context(), () => {});
    expect(refusing.deliveries).toHaveLength(1);
    expect(refused).toMatchObject({ ok: false, summary: 'answered 422 Unprocessable Entity', said: ['{"error":"unknown environment"}'] });
  });

  it('follows no redirect, and says where it pointed', async () => {
    const elsewhere = await receiver();
    const moved = await receiver(() => ({ status: 302, headers: { location: `${elsewhere.url}/stolen` } }));
    const outcome = await webhooks().run(hook(moved.url), context(), () => {});
    expect(outcome).toMatchObject({ ok: false, summary: `answered with a redirect (302 Found) to ${elsewhere.url}/stolen, and redirects are not followed: give the address it points to` });
    expect(elsewhere.deliveries).toHaveLength(0);
  });

  it('gives up when no answer comes within its timeout, and when nothing listens', async () => {
    const silent = await receiver(() => new Promise(() => {}));
    const { said, line } = lines();
    const outcome = await webhooks({ retryDelaysMs: [50], attemptTimeoutMs: 100 }).run(hook(silent.url, { timeout: '1m' }), context(), line);
    expect(outcome).toMatchObject({ ok: false, summary: 'no answer within 100 ms, at attempt 2 of 2, and no time or attempt is left (timeout 1m)' });
    expect(silent.deliveries).toHaveLength(2);
    const late = await webhooks({ retryDelaysMs: [50, 50, 50, 50, 50, 50] }).run(hook(silent.url, { timeout: '1s' }), context(), line);
    expect(late.summary).toMatch(/^no answer within (1\.0 s|9\d\d ms), at attempt 1 of 7, and no time or attempt is left \(timeout 1s\)$/);
    const nobody = await webhooks({ retryDelaysMs: [] }).run(hook(`http://127.0.0.1:${await closedPort()}`), context(), line);
    expect(nobody).toMatchObject({ ok: false, summary: 'could not be reached: ECONNREFUSED, at attempt 1 of 1, and no time or attempt is left (timeout 2m)' });
    expect(said.at(-1)).toBe('could not be reached: ECONNREFUSED');
  });

  it('says a 202 was accepted: the system works on and reports by the run’s status callbacks', async () => {
    const accepting = await receiver(() => ({ status: 202, body: 'queued' }));
    const outcome = await webhooks().run(hook(accepting.url), context(), () => {});
    expect(outcome).toMatchObject({ ok: true, accepted: true, said: ['queued'] });
    expect(outcome.summary).toMatch(/^was accepted \(202\) after \d+ ms$/);
  });

  it('is stopped when the deployment is cut short, between attempts or during one', async () => {
    const busy = await receiver(() => ({ status: 503 }));
    const cut = new AbortController();
    const waiting = webhooks({ retryDelaysMs: [60_000] }).run(hook(busy.url), context(), () => cut.abort(), cut.signal);
    expect(await waiting).toMatchObject({ ok: false, summary: 'it was stopped, as the deployment was cut short' });
    const silent = await receiver(() => new Promise(() => {}));
    const stop = new AbortController();
    const hanging = webhooks().run(hook(silent.url), context(), () => {}, stop.signal);
    while (!silent.deliveries.length) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    expect(await hanging).toMatchObject({ ok: false, summary: 'it was stopped, as the deployment was cut short' });
  });

  it('pings once for Test Connection, signed, with nothing of a deployment in it', async () => {
    const down = await receiver(() => ({ status: 503 }));
    const ping = await webhooks().run(hook(down.url), context({ action: 'test', request: '', run: '', files: [], state: [] }), () => {});
    expect(ping).toMatchObject({ ok: false });
    expect(down.deliveries).toHaveLength(1);
    expect(new Webhook(SECRET).verify(down.deliveries[0]!.body, down.deliveries[0]!.headers as Record<string, string>)).toEqual({ type: 'ping', name: 'cmdb', environment: 'Staging' });
  });
});
