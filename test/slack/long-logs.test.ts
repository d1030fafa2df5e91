import { describe, expect, it } from 'vitest';
import { THREAD_REPLIES } from '../../src/slack/threads/long-logs.ts';
import { useTestBot } from '../helpers/slack-app.ts';
import { ADMIN, DEPLOYER, QA_MEMBER, as } from '../helpers/world.ts';

// A target whose command prints far more than a thread takes: every line is stored, the thread shows what it can and
// says what it left out, and the whole log is uploaded into the thread as a file once the deployment ended.

const LINES = 20_000;
const t = useTestBot(`
admins: [U0ADMIN]
environments:
  - { name: Development, kind: development, instances: [{ name: dev-alice, owner: U0ALICE }] }
  - name: Staging
    kind: staging
    channel: C0STAGING
    instances: [staging]
    approvals: { required: 1, userGroups: [S0QA] }
    deployers: [U0DEPLOY]
    targets:
      - { name: noisy, command: "seq 1 ${LINES} | sed 's/^/line /'" }
  - { name: Production, kind: production, instances: [production] }
`);

describe('a run that prints more than a thread takes', () => {
  it('keeps every line, threads what it can with a note of what it left out, and uploads the whole log as a file', async () => {
    const services = t.bot.services;
    await services.components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'v1' }]);
    await services.sync(as(ADMIN), 'staging');
    await services.sync(as('U0ALICE'), 'dev-alice');
    await services.components.put(as('U0ALICE'), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
    const sent = await services.send(as('U0ALICE'), { instance: 'dev-alice', message: 'noisy' });
    await services.approve(as(QA_MEMBER), sent.request.id);
    const card = await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.text?.startsWith(`DR-${sent.request.id} `)));
    const result = await services.deploy(as(DEPLOYER), sent.request.id);
    expect(result.succeeded).toBe(true);
    await t.bot.settled();

    const last = await services.runLog(result.run.id, LINES - 5, 500);
    expect(last.lines.map((l) => l.text)).toContain(`[noisy] line ${LINES}`);
    const thread = t.fake.thread('C0STAGING', card.ts);
    expect(thread.length).toBeLessThanOrEqual(THREAD_REPLIES + 3);
    const text = thread.map((m) => m.text ?? '').join('\n');
    expect(text).toMatch(/… [\d,]+ lines not shown here: the whole log comes as a file in this thread once the run ends\./);
    expect(text).toContain('Deployment succeeded');
    const [file] = t.fake.files();
    expect(file).toMatchObject({ filename: `RUN-${result.run.id}.log`, channel: 'C0STAGING' });
    const logged = file!.bytes!.toString('utf8').trimEnd().split('\n');
    expect(logged.filter((l) => / info {2}\[noisy\] line \d+$/.test(l))).toHaveLength(LINES);
    expect(logged.at(-1)).toMatch(/Deployed to Staging|Deployment succeeded/);
    const shared = thread.find((m) => m.files?.some((f) => f.id === file!.id));
    expect(shared?.text).toBe(`:page_facing_up: The whole log of RUN-${result.run.id}: ${logged.length.toLocaleString('en-US')} lines.`);
  });
});
