import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pendingInStaging } from '../helpers/scenarios.ts';
import { shown, startTestBot, type TestBot } from '../helpers/slack-app.ts';
import { ALICE, QA_MEMBER } from '../helpers/world.ts';

/** `/sandbox diff`, typed in Slack and posted, signed, to the real Bolt receiver: what the person reads. */

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot();
});
afterAll(async () => t?.close());
beforeEach(async () => t.reset());

/** What `user` reads after typing `/sandbox <text>`: one private answer, acknowledged well inside Slack's 3 s. */
async function answer(user: string, text: string) {
  const r = await t.command(user, text);
  expect(r.status).toBe(200);
  expect(r.ms).toBeLessThan(1000);
  const name = decodeURIComponent(r.responseUrl.split('/').at(-1)!);
  const said = await t.fake.waitFor(() => t.fake.responses.find((a) => a.name === name));
  expect(said.response_type).toBe('ephemeral');
  return shown(said);
}

describe('/sandbox diff', () => {
  beforeEach(async () => {
    await pendingInStaging(t, { production: { 'Layout/Account': 'name\n<email>\n' }, changes: [{ key: 'Layout/Account', content: 'name\n<email address>\n' }, { key: 'Layout/New', content: 'fresh\n' }] });
  });

  it('shows an approver the diff of each component of a request, in code blocks, escaped for Slack', async () => {
    const said = await answer(QA_MEMBER, 'diff DR-1');
    expect(said).toContain('*Changes of DR-1*');
    expect(said).toContain('```--- a/Layout/Account\n+++ b/Layout/Account\n@@ -1,2 +1,2 @@\n name\n-&lt;email&gt;\n+&lt;email address&gt;\n--- /dev/null\n+++ b/Layout/New');
  });

  it('narrows to one component, and refuses one the request does not change with what to type instead', async () => {
    const one = await answer(ALICE, 'diff 1 Layout/New');
    expect(one).toContain('*Changes of DR-1* in Layout/New');
    expect(one).not.toContain('Layout/Account');
    const missing = await answer(ALICE, 'diff DR-1 Layout/Nowhere');
    expect(missing).toMatch(/^:no_entry:/);
    expect(missing).toContain('Layout/Nowhere in DR-1 was not found');
    expect(missing).toContain('/sandbox diff DR-1');
  });

  it('without a request says one is needed, with its usage', async () => {
    const said = await answer(ALICE, 'diff');
    expect(said).toMatch(/^:no_entry:/);
    expect(said).toContain('`/sandbox diff &lt;request&gt; [component]`');
  });
});
