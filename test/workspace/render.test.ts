import { describe, expect, it } from 'vitest';
import type { RequestOverview } from '../../src/domain/services/queries.ts';
import type { ChangeRequest, DeploymentRequest, Environment, Run } from '../../src/domain/types.ts';
import { actionsBlock, button, codeBlocks, context, divider, header, section } from '../../src/slack/blocks/format.ts';
import { requestCard } from '../../src/slack/blocks/request-card.ts';
import { runParent } from '../../src/slack/blocks/run-message.ts';
import { changeRequestModal } from '../../src/slack/views/change-request.ts';
import { homeView } from '../../src/slack/views/home.ts';
import { sendModal } from '../../src/slack/views/send.ts';
import { type ButtonRef, type Directory, mrkdwnToText, renderBlocks, renderMessage, renderView, visibleWidth } from '../../src/workspace/render.ts';
import { instanceRecord } from '../helpers/records.ts';

// What a person reads in the workspace console: the bot's own Block Kit, turned into terminal text.

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const DEPLOYER = 'U0DEPLOY';

const dir: Directory = {
  userName: (id) => ({ [ALICE]: 'alice', [BOB]: 'bob', [DEPLOYER]: 'deployer' })[id],
  channelName: (id) => ({ C0STAGING: 'staging', C0DEV: 'dev' })[id],
  groupName: (id) => ({ S0QA: 'qa' })[id],
};

/** 2023-11-14T22:13:20Z. */
const EPOCH = 1_700_000_000;
const AT = new Date(EPOCH * 1000);
const UTC = { timeZone: 'UTC' };

/** A numbering like the console's: 1, 2, 3… in the order buttons are rendered, each one remembered. */
function registry() {
  const pressed: ButtonRef[] = [];
  return { buttons: pressed, number: (b: ButtonRef) => pressed.push(b) };
}

const text = (lines: string[]) => lines.join('\n');

// ─── The pipeline the fixtures live in ───────────────────────────────────────────────────────────────────

const policy = { required: 1, approvers: [BOB], userGroups: ['S0QA'], requireChangeRequest: false, allowSelfApproval: false };
const development: Environment = { id: 1, name: 'Development', kind: 'development', position: 0, channel: 'C0DEV', approvals: { ...policy, required: 0 }, deployers: [], targets: [], checks: [], hooks: {}, freezes: [], autoDeploy: false, lock: null };
const staging: Environment = { id: 2, name: 'Staging', kind: 'staging', position: 1, channel: 'C0STAGING', approvals: policy, deployers: [DEPLOYER], targets: [], checks: [], hooks: {}, freezes: [], autoDeploy: false, lock: null };
const production: Environment = { ...staging, id: 3, name: 'Production', kind: 'production', position: 2, approvals: { ...policy, required: 2, requireChangeRequest: true } };

const devAlice = instanceRecord(1, 'dev-alice', development, ALICE);
const stagingInstance = instanceRecord(2, 'staging', staging);

function request(over: Partial<DeploymentRequest> = {}): DeploymentRequest {
  return {
    id: 12,
    packageId: 1,
    changeHash: 'h',
    sourceInstanceId: devAlice.id,
    targetInstanceId: stagingInstance.id,
    targetEnvironmentId: staging.id,
    requester: ALICE,
    message: 'Adds the <Account> layout & fixes\nthe onboarding flow',
    state: 'pending_approval',
    changeRequestId: null,
    createdAt: AT,
    updatedAt: AT,
    decidedBy: null,
    reason: null,
    deployedBy: null,
    deployedAt: null,
    deployRunId: null,
    revertRunId: null,
    scheduledAt: null,
    scheduledBy: null,
    remindersSent: 0,
    escalatedAt: null,
    approvedAt: null,
    claimedBy: null,
    claimedAt: null,
    warnings: [],
    ...over,
  };
}

const overview = (r: DeploymentRequest, votes: RequestOverview['votes'] = []): RequestOverview => ({
  request: r,
  environment: staging,
  source: devAlice,
  target: stagingInstance,
  votes,
  summary: { added: 1, modified: 1, deleted: 0 },
  keys: ['Layout/Account', 'Flow/Onboarding'],
  changeRequest: undefined,
  runs: [],
});

const changeRequest: ChangeRequest = {
  id: 3,
  name: 'Q4 release',
  type: 'normal',
  overview: 'Everything for Q4',
  customizations: [],
  proposedCustomizations: [],
  additionalApprovers: [],
  state: 'approved',
  createdBy: ALICE,
  createdAt: AT,
  updatedAt: AT,
  rejectionReason: null,
  workedInInstanceId: null,
  workedBy: null,
  workedSince: null,
};

function run(over: Partial<Run> = {}): Run {
  return {
    id: 4,
    kind: 'deploy',
    status: 'failed',
    user: DEPLOYER,
    message: 'Friday <release>',
    requestId: 12,
    instanceId: stagingInstance.id,
    environmentId: staging.id,
    startedAt: AT,
    endedAt: new Date(AT.getTime() + 65_000),
    summary: 'Validation failed: 2 components & 1 flow',
    ...over,
  };
}

// ─── Tests ───────────────────────────────────────────────────────────────────────────────────────────────

describe('mrkdwnToText', () => {
  it('names users, channels and user groups, falling back to the label or the id', () => {
    expect(mrkdwnToText('<@U0ALICE> asks <@U0ZED>, <@U0ZED|zed> and <@U0BOB|bobby>', dir)).toBe('@alice asks @U0ZED, @zed and @bob');
    expect(mrkdwnToText('in <#C0STAGING> and <#C0NEW|new>, for <!subteam^S0QA> and <!subteam^S0OPS|@ops>', dir)).toBe('in #staging and #new, for @qa and @ops');
    expect(mrkdwnToText('<!here> <!channel> <!everyone>', dir)).toBe('@here @channel @everyone');
  });

  it('shows dates in the given time zone, and the fallback for formats it does not know', () => {
    const token = `<!date^${EPOCH}^{date_short_pretty} at {time}|2023-11-14T22:13:20.000Z>`;
    expect(mrkdwnToText(`Sent ${token}`, dir, UTC)).toBe('Sent Nov 14, 2023 at 22:13');
    expect(mrkdwnToText(`Sent ${token}`, dir, { timeZone: 'Asia/Tokyo' })).toBe('Sent Nov 15, 2023 at 07:13');
    expect(mrkdwnToText(`<!date^${EPOCH}^{date_num} {time_secs}|x>`, dir, UTC)).toBe('2023-11-14 22:13:20');
    expect(mrkdwnToText(`<!date^${EPOCH}^{date_long}|x>`, dir, UTC)).toBe('Tuesday, November 14th, 2023');
    expect(mrkdwnToText(`<!date^${EPOCH}^{ago}|a while &amp; more>`, dir, UTC)).toBe('a while & more');
  });

  it('writes links as their label and address', () => {
    expect(mrkdwnToText('See <https://example.com/a?b=1&amp;c=2|the docs> or <https://example.com>', dir)).toBe('See the docs (https://example.com/a?b=1&c=2) or https://example.com');
  });

  it('unescapes entities once, after the angle-bracket tokens', () => {
    expect(mrkdwnToText('a &lt;b&gt; &amp; c, written &amp;lt;', dir)).toBe('a <b> & c, written &lt;');
    expect(mrkdwnToText('&lt;@U0ALICE&gt;', dir)).toBe('<@U0ALICE>');
  });

  it('turns known emoji shortcodes into emoji and leaves unknown ones as written', () => {
    expect(mrkdwnToText(':tada: :white_check_mark: :no_entry: :hourglass_flowing_sand: :rewind: :not_an_emoji:', dir)).toBe('🎉 ✅ ⛔ ⏳ ⏪ :not_an_emoji:');
  });

  it('drops emphasis marks around words but keeps identifiers and inline code as written', () => {
    expect(mrkdwnToText('*Approved* by _the team_, ~not~ dev_alice or snake_case_name', dir)).toBe('Approved by the team, not dev_alice or snake_case_name');
    expect(mrkdwnToText('run `sandbox sync *dev_alice*` :tada:', dir)).toBe('run `sandbox sync *dev_alice*` 🎉');
    expect(mrkdwnToText('2 * 3 * 4 and a*b*c', dir)).toBe('2 * 3 * 4 and a*b*c');
  });

  it('uses ANSI bold only when colour is asked for', () => {
    expect(mrkdwnToText('*Deployed* now', dir)).not.toContain('\x1b');
    expect(mrkdwnToText('*Deployed* now', dir, { color: true })).toBe('\x1b[1mDeployed\x1b[22m now');
  });

  it('puts code blocks on lines of their own, indented, unwrapped and without backticks', () => {
    const long = 'x'.repeat(60);
    const out = mrkdwnToText(`Log:\`\`\`12:00 info start &lt;ok&gt;\n${long}\`\`\`done`, dir, { width: 30 });
    expect(out.split('\n')).toEqual(['Log:', '  │ 12:00 info start <ok>', `  │ ${long}`, 'done']);
  });

  it('renders the bot’s code blocks (codeBlocks) line by line', () => {
    const [chunk] = codeBlocks(['first :tada:', 'second']);
    expect(mrkdwnToText(chunk!, dir).split('\n')).toEqual(['  │ first :tada:', '  │ second']);
  });

  it('turns quote lines into a bar', () => {
    expect(mrkdwnToText('Note\n>first *line*\n> second', dir).split('\n')).toEqual(['Note', '  ▎ first line', '  ▎ second']);
  });

  it('wraps long lines on spaces, keeping the indentation, the quote bar and a list item’s hanging indent', () => {
    const words = 'one two three four five six seven eight nine ten';
    const wrapped = (line: string) => mrkdwnToText(line, dir, { width: 20 }).split('\n');
    expect(wrapped(`>${words}`)).toEqual(['  ▎ one two three', '  ▎ four five six', '  ▎ seven eight nine', '  ▎ ten']);
    expect(wrapped(`    ${words}`)).toEqual(['    one two three', '    four five six', '    seven eight nine', '    ten']);
    expect(wrapped(`• ${words}`)).toEqual(['• one two three four', '  five six seven', '  eight nine ten']);
    expect(wrapped('https://example.com/a/very/long/address/indeed ok')).toEqual(['https://example.com/a/very/long/address/indeed', 'ok']);
  });

  it('keeps bold across a wrap, closing and reopening it on each line', () => {
    const lines = mrkdwnToText('*one two three four five six*', dir, { color: true, width: 12 }).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.startsWith('\x1b[1m') && line.endsWith('\x1b[22m')).toBe(true);
  });
});

describe('renderBlocks: the request card', () => {
  it('shows who sends what where, the quoted message, who may approve, what is needed, the facts and the numbered buttons', () => {
    const { buttons, number } = registry();
    const lines = renderBlocks(requestCard(overview(request())).blocks, dir, number, UTC);
    expect(lines).toEqual([
      'DR-12 · dev-alice → staging (Staging)',
      '─────────────────────────────────────',
      '@alice sends 2 changes (1 added, 1 modified) from dev-alice to staging',
      '  ▎ Adds the <Account> layout & fixes',
      '  ▎ the onboarding flow',
      'May approve',
      '@qa and @bob (not @alice, who sent it)',
      'Still needed',
      '1 more approval',
      'Change request',
      'none',
      'Size',
      '2 changes (1 added, 1 modified)',
      'Changes: `Layout/Account`, `Flow/Onboarding`',
      '⏳ Waiting for approval: 0 of 1',
      'Sent by @alice Nov 14, 2023 at 22:13',
      '[1 Approve]  [2 Reject]  [3 Assign to me]  [4 View changes]',
    ]);
    expect(buttons).toEqual([
      { label: 'Approve', actionId: 'request_approve', value: '12', blockId: 'request:12', style: 'primary' },
      { label: 'Reject', actionId: 'request_reject', value: '12', blockId: 'request:12', style: 'danger' },
      { label: 'Assign to me', actionId: 'request_claim', value: '12', blockId: 'request:12' },
      { label: 'View changes', actionId: 'request_view_changes', value: 'DR-12', blockId: 'request:12' },
    ]);
  });

  it('leaves no markup behind in any state', () => {
    const states: Partial<DeploymentRequest>[] = [
      { state: 'approved' },
      { state: 'deployed', deployedBy: DEPLOYER, deployedAt: AT },
      { state: 'rejected', decidedBy: BOB, reason: 'needs <tests> & review' },
      { state: 'failed', reason: 'Validation failed' },
      { state: 'reverted' },
      { state: 'expired' },
    ];
    for (const over of states) {
      const out = text(renderBlocks(requestCard(overview(request(over), [{ voter: BOB, decision: 'approve', reason: null, at: AT }])).blocks, dir, () => 1, UTC));
      for (const raw of ['<@', '<!', '&lt;', '&gt;', '&amp;', '*', /:[a-z_]+:/]) expect(out).not.toMatch(raw);
    }
  });

  it('shows the outcome with its emoji, who decided and when', () => {
    const deployed = renderBlocks(requestCard(overview(request({ state: 'deployed', deployedBy: DEPLOYER, deployedAt: AT }))).blocks, dir, () => 7, UTC);
    expect(deployed).toContain('🎉 Deployed to staging by @deployer');
    expect(deployed).toContain('Sent by @alice Nov 14, 2023 at 22:13 · deployed by @deployer Nov 14, 2023 at 22:13');
    expect(deployed.at(-1)).toBe('[7 View Logs]  [7 View changes]');
    const rejected = renderBlocks(requestCard(overview(request({ state: 'rejected', decidedBy: BOB, reason: 'needs <tests>' }))).blocks, dir, () => 1, UTC);
    expect(rejected).toContain('⛔ Rejected by @bob: needs <tests>');
    const approved = renderBlocks(requestCard(overview(request({ state: 'approved' }), [{ voter: BOB, decision: 'approve', reason: null, at: AT }])).blocks, dir, () => 1, UTC);
    expect(approved).toContain('✅ Approved: waiting in the Staging queue for a deployer');
    expect(approved).toContain('@bob');
  });

  it('passes View Logs its request id as the value', () => {
    const { buttons, number } = registry();
    renderBlocks(requestCard(overview(request({ state: 'failed', reason: 'boom' }))).blocks, dir, number, UTC);
    expect(buttons.map((b) => [b.label, b.actionId, b.value])).toEqual([
      ['Deploy', 'request_deploy', '12'],
      ['Reject', 'request_reject', '12'],
      ['View Logs', 'view_logs', 'DR-12'],
      ['View changes', 'request_view_changes', 'DR-12'],
    ]);
  });

  it('colours primary and danger buttons only with colour on', () => {
    const blocks = requestCard(overview(request())).blocks;
    expect(text(renderBlocks(blocks, dir, () => 1, UTC))).not.toContain('\x1b');
    const coloured = renderBlocks(blocks, dir, registry().number, { ...UTC, color: true });
    expect(coloured.at(-1)).toBe('\x1b[32m[1 Approve]\x1b[39m  \x1b[31m[2 Reject]\x1b[39m  [3 Assign to me]  [4 View changes]');
    expect(coloured.find((l) => l.includes('sends'))).toContain('\x1b[1mdev-alice\x1b[22m');
    expect(coloured.at(-2)).toMatch(/^\x1b\[2mSent by @alice Nov 14/);
  });

  it('wraps the card at the width, continuing quotes with their bar', () => {
    const lines = renderBlocks(requestCard(overview(request({ message: 'word '.repeat(30).trim() }))).blocks, dir, () => 1, { ...UTC, width: 40 });
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(40);
    const quoted = lines.filter((l) => l.startsWith('  ▎ '));
    expect(quoted.length).toBeGreaterThan(3);
    expect(quoted.join(' ').replace(/ {2}▎ /g, '').split(' ').filter(Boolean)).toHaveLength(30);
  });
});

describe('renderBlocks: the run message', () => {
  it('shows a failed deployment with its summary, who started it and View Logs', () => {
    const { buttons, number } = registry();
    const lines = renderBlocks(runParent(run(), { environment: staging, instance: stagingInstance, request: request() }, undefined, AT).blocks, dir, number, UTC);
    expect(lines).toEqual([
      'Deployment of DR-12 to staging (Staging) · RUN-4',
      '❌ Deployment failed: Validation failed: 2 components & 1 flow · took 1m 05s',
      'Started by @deployer · “Friday <release>” · The whole log is in the thread',
      '[1 View Logs]',
    ]);
    expect(buttons).toEqual([{ label: 'View Logs', actionId: 'view_logs', value: 'RUN-4', blockId: 'run:4' }]);
  });

  it('shows a running sync with its step and time so far, and no button', () => {
    const { buttons, number } = registry();
    const running = run({ kind: 'sync', status: 'running', message: 'Sync of staging from production', endedAt: null });
    const lines = renderBlocks(runParent(running, { environment: staging, instance: stagingInstance }, { done: 1, total: 1, name: 'merging' }, new Date(AT.getTime() + 4000)).blocks, dir, number, UTC);
    expect(lines[1]).toBe('⏳ Syncing… step 1 of 1: merging · 4s so far');
    expect(buttons).toEqual([]);
  });

  it('says a run shorter than a second took under a second, with no bar', () => {
    const quick = run({ kind: 'sync', status: 'succeeded', message: 'Sync of staging', endedAt: new Date(AT.getTime() + 300) });
    const lines = renderBlocks(runParent(quick, { environment: staging, instance: stagingInstance }, undefined, AT).blocks, dir, registry().number, UTC);
    expect(lines[1]).toBe('✅ Sync succeeded · took under a second');
  });
});

describe('renderBlocks: other blocks', () => {
  it('keeps a button’s confirmation for the console to ask', () => {
    const { buttons, number } = registry();
    const confirm = { title: 'Revert DR-3?', text: 'Restores what *DR-3* changed; <@U0ALICE> is told.', confirm: 'Revert' };
    const lines = renderBlocks([actionsBlock('recent:3', [button('Revert Changes', 'revert_changes', '3', { style: 'danger', confirm })])], dir, number);
    expect(lines).toEqual(['[1 Revert Changes]']);
    expect(buttons[0]!.confirm).toEqual({ title: 'Revert DR-3?', text: 'Restores what DR-3 changed; @alice is told.', confirm: 'Revert', deny: 'Cancel' });
  });

  it('underlines headers, draws dividers and joins context elements', () => {
    const lines = renderBlocks([section('Intro'), header('Pipeline :rocket:'), context('one', '_two_'), divider], dir, () => 1);
    expect(lines).toEqual(['Intro', '', 'Pipeline 🚀', '───────────', 'one · two', '─'.repeat(40)]);
    expect(renderBlocks([header('Pipeline')], dir, () => 1, { color: true })).toEqual(['\x1b[1mPipeline\x1b[22m']);
  });

  it('lists fields, renders an accessory as a button and names what it cannot show', () => {
    const { buttons, number } = registry();
    const blocks = [
      { type: 'section', text: { type: 'plain_text', text: 'Status *as is*' }, fields: [{ type: 'mrkdwn', text: '*State*\napproved' }], accessory: button('Open', 'open', 'x') },
      { type: 'actions', block_id: 'a', elements: [{ type: 'static_select', action_id: 's', options: [{ text: { type: 'plain_text', text: 'One' }, value: '1' }, { text: { type: 'plain_text', text: 'Two' }, value: '2' }] }, button('Go', 'go', 'g')] },
      { type: 'image', image_url: 'https://x/y.png', alt_text: 'a chart' },
      { type: 'video', title: { type: 'plain_text', text: 'v' } },
    ];
    expect(renderBlocks(blocks, dir, number)).toEqual(['Status *as is*', '  State', '  approved', '[1 Open]', '⟨select: One / Two⟩  [2 Go]', '[image: a chart]', '[video block]']);
    expect(buttons.map((b) => b.actionId)).toEqual(['open', 'go']);
  });

  it('flattens rich text', () => {
    const block = {
      type: 'rich_text',
      elements: [
        { type: 'rich_text_section', elements: [{ type: 'user', user_id: ALICE }, { type: 'text', text: ' deployed ' }, { type: 'emoji', name: 'tada' }, { type: 'text', text: ' to ' }, { type: 'channel', channel_id: 'C0STAGING' }] },
        { type: 'rich_text_list', style: 'bullet', elements: [{ type: 'rich_text_section', elements: [{ type: 'link', url: 'https://x', text: 'docs' }] }] },
        { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'a\nb' }] },
      ],
    };
    expect(renderBlocks([block], dir, () => 1)).toEqual(['@alice deployed 🎉 to #staging', '• docs (https://x)', '  │ a', '  │ b']);
  });
});

describe('renderMessage', () => {
  it('renders the blocks when there are any, otherwise the text', () => {
    expect(renderMessage({ text: 'fallback', blocks: [section('*Hello* <@U0BOB>')] }, dir, () => 1)).toEqual(['Hello @bob']);
    expect(renderMessage({ text: ':white_check_mark: <@U0ALICE> synced\n>done' }, dir, () => 1)).toEqual(['✅ @alice synced', '  ▎ done']);
    expect(renderMessage({}, dir, () => 1)).toEqual([]);
  });
});

describe('renderView', () => {
  const sendInput = (over: { drifted?: boolean; changeRequests?: ChangeRequest[] } = {}) =>
    sendModal({
      instance: devAlice,
      env: development,
      target: staging,
      targetInstance: stagingInstance,
      label: 'Send to Staging',
      drifted: over.drifted ?? false,
      changes: [{ key: 'Layout/Account', action: 'add', hash: 'a', baseHash: null }, { key: 'Flow/Onboarding', action: 'modify', hash: 'b', baseHash: 'c' }],
      summary: { added: 1, modified: 1, deleted: 0 },
      changeRequests: over.changeRequests ?? [],
    });

  it('frames the send modal with its title, lists its inputs and ends with submit and close', () => {
    const lines = renderView(sendInput({ drifted: true, changeRequests: [changeRequest] }), dir, () => 1, { width: 140 });
    expect(lines[0]).toBe('┌ Send to Staging');
    expect(lines.at(-1)).toBe('└ [Send]  [Cancel]');
    expect(lines.slice(1, -1).every((l) => l.startsWith('│'))).toBe(true);
    expect(lines).toContain('│ From dev-alice (Development)  →  To staging (Staging)');
    expect(lines).toContain('│ 2 changes (1 added, 1 modified): untick what should stay in dev-alice for a later send.');
    expect(lines).toContain('│ ⚠️ staging has changed since dev-alice last synced with it. Your changes may conflict there: syncing first is recommended.');
    const inputs = lines.slice(lines.indexOf('│ ▸ Drift (optional)'));
    expect(inputs).toEqual([
      '│ ▸ Drift (optional)',
      '│     ⟨tick any⟩',
      '│       1. Send anyway, without syncing first',
      '│ ▸ Components to send',
      '│     ⟨tick any⟩',
      '│       1. + Layout/Account',
      '│       2. ~ Flow/Onboarding',
      '│     = + Layout/Account, ~ Flow/Onboarding',
      '│ ▸ Deployment message',
      '│     ⟨text, several lines: What do these changes do?⟩',
      '│ ▸ Change request (optional)',
      '│     Optional: a change request this send carries.',
      '│     ⟨choose one⟩',
      '│       1. CR-3 Q4 release',
      '└ [Send]  [Cancel]',
    ]);
  });

  it('shows an input’s initial value and a users select', () => {
    const lines = renderView(changeRequestModal({}), dir, () => 1);
    const type = lines.indexOf('│ ▸ Change type');
    expect(lines.slice(type, type + 6)).toEqual(['│ ▸ Change type', '│     ⟨choose one⟩', '│       1. standard', '│       2. normal', '│       3. emergency', '│     = normal']);
    expect(lines).toContain('│ ▸ Additional approvers (optional)');
    expect(lines).toContain('│     ⟨people⟩');
    expect(lines.at(-1)).toBe('└ [Create]  [Cancel]');
  });

  it('shows App Home with its buttons numbered in order across its parts', () => {
    const { buttons, number } = registry();
    const deployed = request({ id: 9, state: 'deployed', deployedBy: DEPLOYER, deployedAt: AT, message: 'Q4 & more' });
    const home = homeView({
      user: ALICE,
      admin: false,
      roles: [],
      pipeline: [
        { environment: development, instances: [{ instance: devAlice, parent: 'staging', project: 'Active', changes: { added: 1, modified: 0, deleted: 0 }, components: 4, conflicts: [] }], queue: [] },
        { environment: staging, instances: [{ instance: stagingInstance, parent: null, project: 'Ready', changes: { added: 0, modified: 0, deleted: 0 }, components: 4, conflicts: [] }], queue: [request()] },
        { environment: { ...production, lock: { reason: 'Freeze <until> Monday', by: BOB, at: AT } }, instances: [], queue: [] },
      ],
      recent: [deployed],
      revertable: deployed,
    });
    const lines = renderView(home, dir, number, { ...UTC, width: 80 });
    expect(lines[0]).toBe('┌ Home');
    expect(lines).toContain('│ Pipeline');
    expect(lines).toContain('│ Development  →  Staging (1 queued)  →  Production 🔒');
    expect(lines).toContain('│ [1 Sync with Instance]  [2 Send to Staging]');
    expect(lines).toContain('│ • DR-12 pending approval · @alice · “Adds the <Account> layout & fixes');
    expect(lines).toContain('│ Production 🔒 Freeze <until> Monday');
    expect(lines).toContain('│ DR-9 deployed · by @deployer Nov 14, 2023 at 22:13');
    expect(lines).toContain('│ [3 View Logs]  [4 Revert Changes]');
    expect(buttons.map((b) => [b.actionId, b.value, b.style])).toEqual([
      ['instance_sync', 'dev-alice', undefined],
      ['instance_send', 'dev-alice', 'primary'],
      ['view_logs', 'DR-9', undefined],
      ['revert_changes', '9', 'danger'],
    ]);
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(80);
    expect(text(lines)).not.toMatch(/<@|<!|&lt;|&amp;|\x1b/);
  });

  it('makes the title bold with colour on', () => {
    expect(renderView(sendInput(), dir, () => 1, { color: true })[0]).toBe('┌ \x1b[1mSend to Staging\x1b[22m');
  });
});
