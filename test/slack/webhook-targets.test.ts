import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../helpers/slack-app.ts';
import { ADMIN, DEPLOYER, as } from '../helpers/world.ts';

// A webhook target of the running app, end to end: the app gives it the callback URL under SANDBOX_PUBLIC_URL, the
// target answers 202 and reports success to the app's own API on its port, while the deployment waits.

let t: TestBot;
const payloads: any[] = [];
const PUBLIC = 'https://sandbox.example.com';

beforeAll(async () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body);
      payloads.push(payload);
      res.writeHead(202).end();
      // Reported to the app itself: the public address stands for its port on loopback here.
      const url = String(payload.callback.url).replace(PUBLIC, new URL(t.bot.url).origin);
      void fetch(url, { method: 'POST', headers: { authorization: `Bearer ${payload.callback.token}`, 'content-type': 'application/json' }, body: '{"state":"success","description":"CHG-7 closed"}' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  t = await startTestBot(
    `
admins: [U0ADMIN]
environments:
  - { name: Development, kind: development, instances: [dev-alice] }
  - name: Production
    kind: production
    channel: C0PROD
    instances: [production]
    deployers: [U0DEPLOY]
    targets:
      - { name: cmdb, webhook: "http://127.0.0.1:${port}/hooks" }
`,
    { SANDBOX_PUBLIC_URL: `${PUBLIC}/` },
  );
  return () => {
    server.closeAllConnections();
    server.close();
  };
});
afterAll(() => t.close());

describe('a webhook target of the running app', () => {
  it('is given its status callback under SANDBOX_PUBLIC_URL, and the deployment goes on once it reports success there', async () => {
    const services = t.bot.services;
    await services.components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'v1' }]);
    await services.sync(as(ADMIN), 'dev-alice');
    await services.components.put(as(ADMIN), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
    const sent = await services.send(as(ADMIN), { instance: 'dev-alice', message: 'accounts' });
    const result = await services.deploy(as(DEPLOYER), sent.request.id);
    expect(result.succeeded).toBe(true);
    expect(payloads[0].callback.url).toBe(`${PUBLIC}/api/v1/runs/RUN-${result.run.id}/status`);
    const log = await services.runLog(result.run.id, 0, 500);
    expect(log.lines.map((l) => l.text)).toContain('Target cmdb reports success: CHG-7 closed');
  });
});
