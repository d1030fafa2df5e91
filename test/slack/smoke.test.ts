import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../helpers/slack-app.ts';
import { ADMIN, ALICE, BOB, DEPLOYER } from '../helpers/world.ts';

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot();
});
afterAll(() => t?.close());
beforeEach(() => t.reset());

it('send, approve, deploy', async () => {
  const services = t.bot.runtime.services;
  await services.components.put({ user: ADMIN, via: 'cli' }, 'production', [{ key: 'Layout/Account', content: 'v1' }]);
  await services.sync({ user: ADMIN, via: 'cli' }, 'staging');
  await services.sync({ user: ALICE, via: 'cli' }, 'dev-alice');
  await services.components.put({ user: ALICE, via: 'cli' }, 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
  const r = await t.command(ALICE, 'send');
  expect(r.status).toBe(200);
  const opened = await t.modal('send_modal');
  console.log(JSON.stringify(opened.view).slice(0, 500));
  const s = await t.submit(ALICE, opened, { message: 'Tier on account' });
  console.log(s.status, s.body);
  const card = await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.text?.includes('DR-1')));
  console.log(JSON.stringify(card));
  await t.click(BOB, 'request_approve', '1');
  await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.updates > 0));
  await t.click(DEPLOYER, 'request_deploy', '1');
  const dm = await t.modal('deploy_modal');
  const d = await t.submit(DEPLOYER, dm, {});
  console.log(d.status, d.body);
  await t.bot.threads.drain();
  await new Promise((r) => setTimeout(r, 3000));
  for (const m of t.fake.messages()) console.log(m.channel, m.ts, m.text, m.updates);
  const parent = t.fake.messages('C0STAGING').find((m) => m.text?.includes('RUN-'));
  console.log(t.fake.thread('C0STAGING', parent!.ts).map((m) => m.text));
  console.log(t.fake.calls.map((c) => `${c.method} ${c.status}`).join('\n'));
});
