import { describe, expect, it } from 'vitest';
import type { FakeViewRecord } from '../helpers/fake-slack.ts';
import { pendingInStaging } from '../helpers/scenarios.ts';
import { shown, useTestBot } from '../helpers/slack-app.ts';
import { blockAction } from '../helpers/slack-requests.ts';
import { QA_MEMBER } from '../helpers/world.ts';

/**
 * View changes on a request's card, clicked and chosen through the real Bolt receiver: the modal shows each
 * component's diff, readable in Slack (the fake Slack refuses a view Slack would refuse), and a diff too long for a
 * modal goes into the card's thread as a file, once.
 */
const t = useTestBot();

type Json = Record<string, any>;

const LONG = Array.from({ length: 4_000 }, (_, i) => `line ${i} of a long page layout`).join('\n');
/** Every tenth line of LONG changed: a diff of some 60 KB, more than a modal shows. */
const LONG_CHANGED = LONG.split('\n').map((line, i) => (i % 10 === 0 ? `${line}, changed` : line)).join('\n');

async function openChanges(card: { ts: string }) {
  const before = t.fake.views('open').length;
  const click = await t.click(QA_MEMBER, 'request_view_changes', 'DR-1', { channelId: 'C0STAGING', messageTs: card.ts });
  expect(click.status).toBe(200);
  expect(click.ms).toBeLessThan(1000);
  return t.fake.waitFor(() => t.fake.views('open')[before]);
}

const choice = (opened: FakeViewRecord) => (opened.view.blocks as Json[]).find((b) => b.type === 'actions')!.elements[0];

describe('View changes', () => {
  it('opens on the card with the components to choose from and the first one’s diff, escaped for Slack', async () => {
    const card = await pendingInStaging(t, {
      production: { 'Layout/Account': 'name\n<email>\n' },
      changes: [{ key: 'Layout/Account', content: 'name\n<email address>\n' }, { key: 'Layout/New', content: 'fresh\n' }],
    });
    const opened = await openChanges(card);
    expect((opened.view as Json).callback_id).toBe('changes_modal');
    expect((opened.view as Json).title.text).toBe('Changes DR-1');
    expect(choice(opened).options.map((o: Json) => [o.text.text, o.value])).toEqual([
      ['~ Layout/Account', 'Layout/Account'],
      ['+ Layout/New', 'Layout/New'],
    ]);
    expect(choice(opened).initial_option.value).toBe('Layout/Account');
    const text = shown(opened.view as Json);
    expect(text).toContain('*~ Layout/Account* (modified)');
    expect(text).toContain('```--- a/Layout/Account\n+++ b/Layout/Account\n@@ -1,2 +1,2 @@\n name\n-&lt;email&gt;\n+&lt;email address&gt;\n```');
  });

  it('shows the diff of the component chosen in the modal instead', async () => {
    const card = await pendingInStaging(t, { changes: [{ key: 'Layout/Account', content: 'v2' }, { key: 'Layout/New', content: 'fresh\n' }] });
    const opened = await openChanges(card);
    const view = opened.view as Json;
    const chosen = await t.send(
      blockAction({ userId: QA_MEMBER, actionId: 'changes_component', blockId: 'component', selectedOption: 'Layout/New', view: { id: opened.id, callback_id: view.callback_id, private_metadata: view.private_metadata, blocks: view.blocks } }),
    );
    expect(chosen.status).toBe(200);
    const updated = await t.fake.waitFor(() => t.fake.views('update').find((v) => v.id === opened.id));
    const text = shown(updated.view as Json);
    expect(text).toContain('*+ Layout/New* (added)');
    expect(text).toContain('--- /dev/null\n+++ b/Layout/New\n@@ -0,0 +1,1 @@\n+fresh');
    expect(choice(updated).initial_option.value).toBe('Layout/New');
  });

  it('puts a diff too long for a modal into the card’s thread as a .diff file, once however many look, and says so', async () => {
    const card = await pendingInStaging(t, { production: { 'Layout/Long': LONG }, changes: [{ key: 'Layout/Long', content: LONG_CHANGED }] });
    const first = await openChanges(card);
    expect(shown(first.view as Json)).toContain("This diff is too long for a modal: it is in the thread of DR-1's card as `Layout-Long.diff`");
    await openChanges(card);
    await t.bot.settled();
    const uploads = t.fake.calls.filter((c) => c.method === 'files.completeUploadExternal');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.args).toMatchObject({ channel_id: 'C0STAGING', thread_ts: card.ts });
    const thread = t.fake.thread('C0STAGING', card.ts);
    expect(thread.some((m) => (m.files ?? []).some((f: Json) => f.name === 'Layout-Long.diff'))).toBe(true);
  });

  it('uploads a long diff once when many click at once, and again for the next viewer when its upload failed', async () => {
    const card = await pendingInStaging(t, { production: { 'Layout/Long': LONG }, changes: [{ key: 'Layout/Long', content: LONG_CHANGED }] });
    t.fake.failNext('files.completeUploadExternal', { error: 'internal_error' });
    await openChanges(card);
    await t.bot.settled();
    expect(t.fake.thread('C0STAGING', card.ts).some((m) => (m.files ?? []).length > 0)).toBe(false);

    const before = t.fake.views('open').length;
    const clicks = await Promise.all([QA_MEMBER, 'U0VIEW1', 'U0VIEW2', 'U0VIEW3', 'U0VIEW4'].map((user) => t.click(user, 'request_view_changes', 'DR-1', { channelId: 'C0STAGING', messageTs: card.ts })));
    expect(clicks.map((c) => c.status)).toEqual([200, 200, 200, 200, 200]);
    await t.fake.waitFor(() => t.fake.views('open').length >= before + 5);
    await t.bot.settled();
    const uploaded = t.fake.calls.filter((c) => c.method === 'files.completeUploadExternal' && (c.response as { ok?: boolean } | undefined)?.ok === true);
    expect(uploaded).toHaveLength(1);
    expect(t.fake.thread('C0STAGING', card.ts).filter((m) => (m.files ?? []).some((f: Json) => f.name === 'Layout-Long.diff'))).toHaveLength(1);
  });
});
