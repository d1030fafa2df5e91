import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buttonOf, shown, startTestBot, type TestBot } from '../helpers/slack-app.ts';
import { ADMIN, ALICE, DEPLOYER } from '../helpers/world.ts';

// Test Connection from Slack: `/sandbox test` and App Home's button, answered in a direct message that is edited as
// the results arrive, through the real Bolt receiver, with real commands and a webhook receiver on loopback.

let t: TestBot;
let cmdbUrl: string;
/** The slow target runs until the test lets it end, by writing `go` here. */
const release = mkdtempSync(join(tmpdir(), 'sandbox-connections-'));
const letSlowEnd = () => writeFileSync(join(release, 'go'), '');

const config = (url: string) => `
admins: [U0ADMIN]
environments:
  - { name: Development, kind: development, instances: [{ name: dev-alice, owner: U0ALICE }] }
  - name: Staging
    kind: staging
    instances: [staging]
    deployers: [U0DEPLOY]
    targets:
      - { name: api, command: "echo api reached" }
      - { name: slow, command: "until [ -e ${release}/go ]; do sleep 0.05; done; echo slow reached" }
      - { name: cmdb, webhook: "${url}/hooks" }
  - { name: Production, kind: production, instances: [production] }
`;

beforeAll(async () => {
  // A webhook receiver for the whole file: its address is in the bot's pipeline file.
  const server = createServer((_, res) => res.writeHead(200).end('pong'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  t = await startTestBot(config(url));
  cmdbUrl = url;
  return () => {
    server.closeAllConnections();
    server.close();
    rmSync(release, { recursive: true, force: true });
  };
});
afterAll(() => t.close());
beforeEach(() => {
  rmSync(join(release, 'go'), { force: true });
  return t.reset();
});

/** The direct message of the connection test of `user`, once it says it is done. */
const finished = (user: string) => t.fake.waitFor(() => t.fake.dms(user).find((m) => /^:(electric_plug|x): Staging: /.test(m.text ?? '')));

describe('Test Connection in Slack', () => {
  it('/sandbox test answers in a direct message, edited as each result arrives and whole at the end', async () => {
    const r = await t.command(ALICE, 'test Staging', 'C0STAGING');
    expect(r.status).toBe(200);
    // While the slow target runs, the message already shows the first result.
    await t.fake.waitFor(() => t.fake.ok('chat.update').find((c) => /1 of 1 passed so far/.test(String(c.args.text))));
    letSlowEnd();
    const done = await finished(ALICE);
    expect(done.text).toBe(':electric_plug: Staging: 3 of 3 checks passed.');
    expect(shown(done)).toMatch(/✓ api · echo api reached \(test\) \(\d+ ms\): succeeded after \d+ ms: api reached/);
    expect(shown(done)).toMatch(new RegExp(`✓ cmdb · POST ${cmdbUrl}/hooks \\(ping\\) \\(\\d+ ms\\): answered 200 OK after \\d+ ms: pong`));
    const post = t.fake.ok('chat.postMessage').find((c) => c.response.ts === done.ts)!;
    expect(post.args.text).toBe(':hourglass_flowing_sand: Testing the connections of Staging… nothing has answered yet.');
    // No edit comes within a second of the last.
    const edits = t.fake.ok('chat.update').filter((c) => c.args.ts === done.ts);
    expect(edits.map((e) => e.args.text)).toEqual([':hourglass_flowing_sand: Testing the connections of Staging… 1 of 1 passed so far.', ':electric_plug: Staging: 3 of 3 checks passed.']);
    expect(edits[0]!.at - post.at).toBeGreaterThanOrEqual(990);
    const pointer = await t.fake.waitFor(() => t.fake.responses.find((a) => a.name === decodeURIComponent(r.responseUrl.split('/').at(-1)!)));
    expect(shown(pointer)).toBe(':electric_plug: Testing the connections of Staging: the results come in your direct messages with me as they arrive.');
  });

  it('App Home offers it to admins and deployers of the environment, and answers the click the same way', async () => {
    const published = (user: string) => t.fake.waitFor(() => t.fake.views('publish').findLast((v) => v.user_id === user));
    await t.openHome(ALICE);
    expect(JSON.stringify((await published(ALICE)).view)).not.toContain('Test Connection');
    await t.openHome(DEPLOYER);
    const home = (await published(DEPLOYER)).view;
    expect(shown(home)).toContain('*Staging* · 3 connections to test: git remotes, targets, checks and hooks, without deploying');
    const button = buttonOf(home, 'Test Connection');
    letSlowEnd();
    expect((await t.click(DEPLOYER, button.action, button.value, { home: true })).status).toBe(200);
    expect((await finished(DEPLOYER)).text).toBe(':electric_plug: Staging: 3 of 3 checks passed.');
    await t.openHome(ADMIN);
    expect(buttonOf((await published(ADMIN)).view, 'Test Connection').value).toBe('Staging');
  });

  it('refuses an environment that is not there, posting nothing', async () => {
    const r = await t.command(ALICE, 'test Nowhere', 'C0STAGING');
    const answer = await t.fake.waitFor(() => t.fake.responses.find((a) => a.name === decodeURIComponent(r.responseUrl.split('/').at(-1)!)));
    expect(shown(answer)).toContain('Nowhere');
    expect(t.fake.dms(ALICE)).toEqual([]);
  });
});
