import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { cli, cliWorkspace } from '../helpers/cli.ts';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';

// Work started from the command line is announced in Slack like work started there, whenever a bot token is set.
let fake: FakeSlack;
let workspace: Awaited<ReturnType<typeof cliWorkspace>>;

beforeAll(async () => {
  fake = await startFakeSlack({ userGroups: { S0QA: ['U0QA'] } });
  workspace = await cliWorkspace('announce');
  process.env.SLACK_BOT_TOKEN = 'xoxb-cli-test';
  process.env.SLACK_API_URL = fake.url;
});
afterAll(async () => {
  await workspace?.close();
  await fake?.close();
});

it('posts the approval card, the deployment thread and the requester message for work done on the command line', async () => {
  // What Slack's client logs goes to the terminal: nothing may fail to post, not even after the command's own work.
  const logged = vi.spyOn(console, 'error');
  expect((await cli('components', 'put', 'production', 'Layout/Account', '--content', 'v1', '--user', 'U0ADMIN')).code).toBe(0);
  expect((await cli('sync', 'staging', '--user', 'U0ADMIN')).code).toBe(0);
  expect((await cli('sync', 'dev-bob', '--user', 'U0DAVE')).code).toBe(0);
  expect((await cli('components', 'put', 'dev-bob', 'Layout/Account', '--content', 'v3', '--user', 'U0DAVE')).code).toBe(0);
  expect((await cli('send', 'dev-bob', '--message', 'Account layout v3', '--yes', '--user', 'U0DAVE')).code).toBe(0);

  const card = fake.messages('C0STAGING').find((m) => m.text?.startsWith('DR-1'));
  expect(card?.text).toContain('pending approval');
  expect(JSON.stringify(card?.blocks)).toContain('Approve');

  expect((await cli('approve', 'DR-1', '--user', 'U0BOB')).code).toBe(0);
  expect((await cli('deploy', 'DR-1', '--user', 'U0DEPLOY')).code).toBe(0);

  const updated = fake.messages('C0STAGING').find((m) => m.ts === card!.ts)!;
  expect(updated.text).toContain('deployed');
  expect(JSON.stringify(updated.blocks)).not.toContain('"Approve"');
  // The deployment's log is in the card's thread.
  expect(fake.thread('C0STAGING', card!.ts).map((m) => m.text).join('\n')).toContain('Deployment succeeded');
  expect(fake.dms('U0DAVE').map((m) => m.text).join('\n')).toMatch(/DR-1 is deployed to Staging/);
  expect(logged.mock.calls.map((call) => call.join(' '))).toEqual([]);
  logged.mockRestore();
});
