import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeCall, FakeResponse, FakeViewRecord } from '../helpers/fake-slack.ts';
import { approvedInStaging, pendingInStaging, type Release } from '../helpers/scenarios.ts';
import { buttonLabels, buttonsOf, shown, startTestBot, type TestBot } from '../helpers/slack-app.ts';
import { as, ADMIN, ALICE, BOB, CAROL, DAVE, DEPLOYER, QA_MEMBER } from '../helpers/world.ts';

/**
 * Every subcommand of `/sandbox` (DESIGN §4), typed by a person in Slack and posted, signed, to the real Bolt
 * receiver: what that person sees (the private answer, the modal, the channel message), and that Slack got its
 * acknowledgement well inside its 3 seconds.
 */

// Every URL the app fetches (Web API calls and response-URL posts): the WebClient and Bolt take `fetch` when built.
const fetched: string[] = [];
const realFetch = globalThis.fetch;
let t: TestBot;
let callsAtStart: FakeCall[] = [];

beforeAll(async () => {
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    fetched.push(input instanceof Request ? input.url : String(input));
    return realFetch(input, init);
  }) as typeof fetch;
  t = await startTestBot();
  callsAtStart = [...t.fake.calls];
});
afterAll(async () => {
  await t?.close();
  globalThis.fetch = realFetch;
});
beforeEach(async () => {
  await t.reset();
  fetched.length = 0;
});

const services = () => t.bot.runtime.services;

// ---------------------------------------------------------------------------------------------------------------
// What a person sees

type Json = Record<string, any>;

const nameOf = (responseUrl: string) => decodeURIComponent(responseUrl.split('/').at(-1)!);

/**
 * Types `/sandbox <text>` as `user`: Slack must get 200 well inside its 3 seconds (we allow 1), whatever the work.
 */
async function type(user: string, text: string, channelId?: string) {
  const r = await t.command(user, text, channelId);
  expect(r.status, `HTTP status of /sandbox ${text}`).toBe(200);
  expect(r.ms, `acknowledgement time of /sandbox ${text}`).toBeLessThan(1000);
  return r;
}

/** Types `/sandbox <text>` and returns the private answer it gets (posted to the command's response URL). */
async function ask(user: string, text: string, channelId?: string): Promise<FakeResponse> {
  const r = await type(user, text, channelId);
  const answer = await t.fake.waitFor(() => t.fake.responses.find((a) => a.name === nameOf(r.responseUrl)));
  expect(answer.status, 'the response URL accepted the answer').toBe(200);
  expect(answer.response_type, `the answer to /sandbox ${text} is private`).toBe('ephemeral');
  const all = await t.answers(r.responseUrl);
  expect(all, `one answer to /sandbox ${text}`).toHaveLength(1);
  return answer;
}

/** What `user` reads after typing `/sandbox <text>`. */
const answerText = async (user: string, text: string, channelId?: string) => shown(await ask(user, text, channelId));

/** Types a command that should open a modal; returns the modal once it is open, and checks nothing else was said. */
async function opens(user: string, text: string, callbackId: string): Promise<FakeViewRecord> {
  const r = await type(user, text);
  const opened = await t.modal(callbackId);
  expect(opened.trigger_id).toBeTruthy();
  await settle();
  expect(await t.answers(r.responseUrl), `no refusal beside the ${callbackId}`).toEqual([]);
  return opened;
}

/** Types a command that must be refused: returns the refusal, and checks that no modal was opened instead. */
async function refused(user: string, text: string, channelId?: string): Promise<string> {
  const modalsBefore = t.fake.views('open').length;
  const r = await type(user, text, channelId);
  const outcome = await t.fake.waitFor(() => {
    const answer = t.fake.responses.find((a) => a.name === nameOf(r.responseUrl));
    if (answer) return { answer };
    const modal = t.fake.views('open')[modalsBefore];
    return modal && { modal };
  });
  expect(outcome.modal?.view.callback_id, `/sandbox ${text} opened a modal instead of refusing`).toBeUndefined();
  expect(outcome.answer!.response_type).toBe('ephemeral');
  const said = shown(outcome.answer);
  expect(said.startsWith(':no_entry:'), `a refusal, but the answer was: ${said}`).toBe(true);
  await settle();
  expect(t.fake.views('open'), `no modal for /sandbox ${text}`).toHaveLength(modalsBefore);
  return said;
}

/** Lets the work started after every acknowledgement so far finish, so that what it did not do can be checked. */
const settle = () => t.bot.settled();

const metadataOf = (opened: FakeViewRecord) => JSON.parse(opened.view.private_metadata ?? '{}') as Json;
const optionsOf = (opened: FakeViewRecord, blockId: string) =>
  ((opened.view.blocks as Json[]).find((b) => b.block_id === blockId)?.element?.options ?? []).map((o: Json) => o.value as string);

// ---------------------------------------------------------------------------------------------------------------
// A world to look at

/** Production holds two components; staging and dev-alice are synced; Alice changes the account layout and sends it as DR-1. */
const GOLD: Release = {
  production: { 'Layout/Account': 'tier=basic', 'Workflow/Onboarding': 'steps=3' },
  changes: [{ key: 'Layout/Account', content: 'tier=gold' }],
  message: 'Gold tier on the account layout',
};

/** Staging's change went to production with an approved change request (CR-1) and was deployed by the deployer: DR-1. */
async function deployedToProduction() {
  const s = services();
  await s.components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'tier=basic' }]);
  await s.sync(as(ADMIN), 'staging');
  await s.components.put(as(ADMIN), 'staging', [{ key: 'Layout/Account', content: 'tier=gold' }]);
  const cr = await s.changeRequests.create(as(ALICE), { name: 'Gold tier', type: 'normal', overview: 'Adds the gold tier', customizations: ['Layout/Account'] });
  await s.changeRequests.submit(as(ALICE), cr.id);
  await s.changeRequests.approve(as(BOB), cr.id);
  await s.changeRequests.approve(as(CAROL), cr.id);
  const { request } = await s.send(as(ADMIN), { instance: 'staging', message: 'Gold tier release', changeRequestId: cr.id });
  await s.approve(as(BOB), request.id);
  await s.approve(as(CAROL), request.id);
  const deployed = await s.deploy(as(DEPLOYER), request.id);
  expect(deployed.succeeded).toBe(true);
  await t.bot.settled();
  return { request, cr };
}

// ---------------------------------------------------------------------------------------------------------------

describe('/sandbox help', () => {
  it('lists every subcommand with its arguments, placeholders escaped so that Slack shows them', async () => {
    const said = await answerText(DAVE, 'help');
    // Slack reads an unescaped <request> as a link and shows "request".
    expect(said).not.toMatch(/<(?![@#!]|https?:)[^>]*>/);
    const shown = said.replaceAll('&lt;', '<').replaceAll('&gt;', '>');
    for (const usage of [
      '/sandbox help',
      '/sandbox status',
      '/sandbox sync [instance]',
      '/sandbox send [instance]',
      '/sandbox queue [environment]',
      '/sandbox validate <request>',
      '/sandbox deploy <request> [at <time>]',
      '/sandbox unschedule <request>',
      '/sandbox reject <request>',
      '/sandbox revert [environment]',
      '/sandbox logs <run or request>',
      '/sandbox components <instance>',
      '/sandbox compare <instance> <instance>',
      '/sandbox lock <environment> <reason>',
      '/sandbox unlock <environment>',
      '/sandbox report <request>',
      '/sandbox cr new | list | show <id> | submit <id> | sync <id> <instance> | compare <id> | complete <id>',
      '/sandbox audit',
      '/sandbox whoami',
    ]) {
      expect(shown).toContain(usage);
    }
    expect(said).toContain('DR-12');
    for (const state of ['*Active*', '*Sent*', '*Ready*', '*Idle*']) expect(said).toContain(state);
  });

  it('is what `/sandbox` with nothing after it shows', async () => {
    const empty = await answerText(DAVE, '');
    expect(empty).toBe(await answerText(DAVE, 'help'));
    expect(await answerText(DAVE, '   ')).toBe(empty);
  });

  it('accepts subcommands in any case', async () => {
    expect(await answerText(DAVE, 'HELP')).toBe(await answerText(DAVE, 'help'));
  });
});

describe('mistakes get the reason and the usage, privately', () => {
  it('a mistyped subcommand is named, with the command it most likely meant and its usage', async () => {
    const said = await answerText(ALICE, 'deploi DR-1');
    expect(said.startsWith(':no_entry:')).toBe(true);
    expect(said).toContain('`deploi` is not a `/sandbox` command. Did you mean `/sandbox deploy &lt;request&gt; [at &lt;time&gt;]`?');
    expect(said).toContain('`/sandbox help` lists every command');
    expect(said).not.toContain('/sandbox whoami');
    expect(await answerText(ALICE, 'sned')).toContain('Did you mean `/sandbox send [instance]`?');
    expect(t.fake.views('open')).toEqual([]);
  });

  it('a word like no subcommand gets every command listed, and is shown as typed, not as markup', async () => {
    const said = await answerText(ALICE, '<!channel>');
    expect(said).toContain('`&lt;!channel&gt;` is not a `/sandbox` command');
    expect(said).toContain('`/sandbox whoami`');
  });

  it('`approve`, a command of the command line, says where approvals are given in Slack', async () => {
    const said = await answerText(ALICE, 'approve DR-1');
    expect(said).toMatch(/^:no_entry: Approvals are given in Slack with the \*Approve\* button on the request's card/);
    expect(said).toContain('`/sandbox queue`');
  });

  it('`deploy` without a request says a request id is needed and shows its usage', async () => {
    const said = await refused(DEPLOYER, 'deploy');
    expect(said).toContain('needs a request id');
    expect(said).toContain('`/sandbox deploy &lt;request&gt; [at &lt;time&gt;]`');
  });

  it('`compare` with one instance says two are needed and shows its usage', async () => {
    const said = await refused(ALICE, 'compare staging');
    expect(said).toContain('needs two instances');
    expect(said).toContain('`/sandbox compare &lt;instance&gt; &lt;instance&gt;`');
  });

  it('`lock Production` without a reason says a reason is needed, shows the usage and locks nothing', async () => {
    const said = await refused(DEPLOYER, 'lock Production');
    expect(said).toContain('a reason');
    expect(said).toContain('`/sandbox lock &lt;environment&gt; &lt;reason&gt;`');
    const production = (await services().status()).find((e) => e.environment.name === 'Production')!;
    expect(production.environment.lock).toBeNull();
    expect(t.fake.messages('C0PROD')).toEqual([]);
  });

  it('too many words are named, with the usage', async () => {
    const deploy = await refused(DEPLOYER, 'deploy DR-1 DR-2');
    expect(deploy).toContain('“DR-2”');
    expect(deploy).toContain('`/sandbox deploy &lt;request&gt; [at &lt;time&gt;]`');

    const status = await refused(ALICE, 'status please');
    expect(status).toContain('please');
    expect(status).toContain('`/sandbox status`');

    const unlock = await refused(DEPLOYER, 'unlock Staging right now');
    expect(unlock).toContain('right now');
    expect(unlock).toContain('`/sandbox unlock &lt;environment&gt;`');

    const compare = await refused(ALICE, 'compare dev-alice staging production');
    expect(compare).toContain('production');
    expect(compare).toContain('`/sandbox compare &lt;instance&gt; &lt;instance&gt;`');
  });

  it('a malformed request id is refused with the form ids take, and opens nothing', async () => {
    await approvedInStaging(t, GOLD);
    const said = await refused(DEPLOYER, 'deploy banana');
    expect(said).toContain('banana');
    expect(said).toContain('DR-12');
    for (const text of ['validate banana', 'report DR-x', 'reject CR-1']) {
      const other = await refused(BOB, text);
      expect(other).toContain(text.split(' ')[1]);
    }
  });

  it('a request that does not exist is refused by name', async () => {
    const said = await refused(DEPLOYER, 'deploy DR-99');
    expect(said).toContain('DR-99');
    expect(said).toMatch(/not found|does not exist/i);
  });
});

describe('/sandbox status', () => {
  it('shows every environment, its instances with their projects, and the queue', async () => {
    await pendingInStaging(t, GOLD);
    const said = await answerText(ALICE, 'status');
    for (const name of ['Development', 'Staging', 'Production', 'dev-alice', 'dev-bob', 'staging', 'production']) expect(said).toContain(name);
    expect(said).toMatch(/dev-alice`[^\n]*\*Sent\*/);
    expect(said).toContain('Queue: DR-1 pending approval');
    expect(said).toContain('<@U0ALICE>');
  });

  it('shows a lock with who locked and why', async () => {
    await services().lock(as(DEPLOYER), 'Production', 'release freeze');
    const said = await answerText(DAVE, 'status');
    expect(said).toMatch(/Production[^\n]*:lock: locked by <@U0DEPLOY>[^\n]*release freeze/);
  });
});

describe('/sandbox sync', () => {
  beforeEach(async () => {
    await services().components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'tier=basic' }]);
  });

  it('without an instance opens the sync modal for your own instance, labelled after the environment above', async () => {
    const opened = await opens(ALICE, 'sync', 'sync_modal');
    expect(opened.view.title.text).toBe('Sync with Instance');
    expect(metadataOf(opened).instance).toBe('dev-alice');
    expect(optionsOf(opened, 'source')).toEqual(['staging']);
    expect(shown(opened.view)).toContain('dev-alice');
  });

  it('of a staging instance is "Sync with Production", from production', async () => {
    const opened = await opens(DEPLOYER, 'sync staging', 'sync_modal');
    expect(opened.view.title.text).toBe('Sync with Production');
    expect(metadataOf(opened).instance).toBe('staging');
    expect(optionsOf(opened, 'source')).toEqual(['production']);
  });

  it('without an instance, from someone who owns none, says which instance to name', async () => {
    const said = await refused(DAVE, 'sync');
    // Escaped, so that Slack shows the placeholder instead of reading it as markup.
    expect(said).toContain('/sandbox sync &lt;instance&gt;');
    expect(said).toContain('You own no instance');
  });

  it('of an instance that does not exist is refused by name', async () => {
    expect(await refused(ALICE, 'sync dev-nobody')).toContain('dev-nobody');
  });

  it('of an instance someone else owns is refused at once, before any form is filled in', async () => {
    const said = await refused(DAVE, 'sync dev-alice');
    expect(said).toContain('<@U0ALICE>');
  });

  it('opens a modal that syncs when submitted, and Alice is told the outcome privately', async () => {
    await services().sync(as(ADMIN), 'staging');
    await t.bot.settled();
    const opened = await opens(ALICE, 'sync', 'sync_modal');
    const submitted = await t.submit(ALICE, opened, { source: { option: 'staging' } });
    expect(submitted.status).toBe(200);
    expect(submitted.ms).toBeLessThan(3000);
    const told = await t.fake.waitFor(() => t.fake.ephemerals(ALICE).find((e) => e.text?.includes('Synced')));
    expect(told.channel).toBe('C0DEV');
    expect(told.text).toContain('Synced *dev-alice* with staging: taken 1, kept 0, conflicts 0');
    const components = await services().components.list('dev-alice');
    expect(components.map((c) => [c.key, c.content])).toEqual([['Layout/Account', 'tier=basic']]);
  });
});

describe('/sandbox send', () => {
  it('opens the send modal with the target and the changes', async () => {
    await services().components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'tier=basic' }]);
    await services().sync(as(ADMIN), 'staging');
    await services().sync(as(ALICE), 'dev-alice');
    await services().components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'tier=gold' }]);
    const opened = await opens(ALICE, 'send', 'send_modal');
    expect(opened.view.title.text).toBe('Send to Staging');
    const shows = shown(opened.view);
    expect(shows).toContain('dev-alice');
    expect(shows).toContain('staging (Staging)');
    expect(shows).toContain('Layout/Account');
    expect(shows).toContain('Deployment message');
  });

  it('of a staging instance is "Send to Production" and asks for one of the approved change requests', async () => {
    await services().components.put(as(ADMIN), 'staging', [{ key: 'Layout/Account', content: 'tier=gold' }]);
    const cr = await services().changeRequests.create(as(ALICE), { name: 'Gold tier', type: 'normal', overview: 'Adds the gold tier' });
    await services().changeRequests.submit(as(ALICE), cr.id);
    await services().changeRequests.approve(as(BOB), cr.id);
    await services().changeRequests.approve(as(CAROL), cr.id);
    const opened = await opens(DEPLOYER, 'send staging', 'send_modal');
    expect(opened.view.title.text).toBe('Send to Production');
    expect(shown(opened.view)).toContain('Production requires an approved change request');
    expect(shown(opened.view)).toContain('CR-1 Gold tier');
  });

  it('of a staging instance while no change request is approved is refused before the modal, saying how to get one', async () => {
    await services().components.put(as(ADMIN), 'staging', [{ key: 'Layout/Account', content: 'tier=gold' }]);
    const said = await refused(DEPLOYER, 'send staging');
    expect(said).toMatch(/Production requires an approved change request, and none is approved yet\. Create one with `\/sandbox cr new`, submit it and have it approved; then send again\./);
    expect(t.fake.views('open')).toEqual([]);
  });

  it('when there is nothing to send is refused with the reason, without a modal', async () => {
    const said = await refused(ALICE, 'send');
    expect(said).toContain('dev-alice has no changes to send');
  });

  it('of an instance someone else owns is refused at once, before any form is filled in', async () => {
    await services().components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'tier=gold' }]);
    const said = await refused(DAVE, 'send dev-alice');
    expect(said).toContain('<@U0ALICE>');
  });
});

describe('/sandbox queue', () => {
  it('lists the waiting requests of every queue, with Approve and Reject on one pending approval', async () => {
    await pendingInStaging(t, GOLD);
    const answer = await ask(BOB, 'queue');
    const said = shown(answer);
    expect(said).toContain('Staging deployment queue');
    expect(said).toContain('Production deployment queue');
    expect(said).toMatch(/DR-1\*? pending approval · <@U0ALICE> · “Gold tier on the account layout”/);
    expect(said).toContain('Nothing is waiting');
    expect(buttonsOf(answer)).toEqual([
      { text: 'Approve', action: 'request_approve', value: '1' },
      { text: 'Reject', action: 'request_reject', value: '1' },
      { text: 'View changes', action: 'request_view_changes', value: 'DR-1' },
    ]);
  });

  it('of one environment shows Deploy on an approved request', async () => {
    await approvedInStaging(t, GOLD);
    const answer = await ask(DEPLOYER, 'queue staging');
    const said = shown(answer);
    expect(said).toContain('Staging deployment queue');
    expect(said).not.toContain('Production deployment queue');
    expect(said).toMatch(/DR-1\*? approved/);
    expect(buttonLabels(answer)).toEqual(['Deploy', 'Reject', 'View changes']);
  });

  it('of an environment that does not exist is refused by name', async () => {
    expect(await refused(DEPLOYER, 'queue Nowhere')).toContain('Nowhere');
  });
});

describe('/sandbox validate', () => {
  it('runs the checks without applying anything and says the request validates', async () => {
    await pendingInStaging(t, GOLD);
    const answer = await ask(DEPLOYER, 'validate DR-1');
    const said = shown(answer);
    expect(said).toContain(':white_check_mark: DR-1 validates');
    expect(buttonsOf(answer)).toEqual([{ text: 'View Logs', action: 'view_logs', value: expect.stringMatching(/^RUN-\d+$/) }]);
    const staging = await services().components.list('staging');
    expect(staging.find((c: { key: string }) => c.key === 'Layout/Account')?.content).toBe('tier=basic');
  });

  it('says what would fail: a missing dependency', async () => {
    await pendingInStaging(t, GOLD);
    await services().components.put(as(BOB), 'dev-bob', [{ key: 'Flow/Tier', content: 'x', dependsOn: ['Layout/Missing'] }]);
    const { request } = await services().send(as(BOB), { instance: 'dev-bob', message: 'Tier flow', confirmDrift: true });
    const said = await answerText(DEPLOYER, `validate ${request.id}`);
    expect(said).toContain(`:x: DR-${request.id} would fail`);
    expect(said).toMatch(/missing dependenc/);
  });

  it('of a request that is not waiting in a queue is refused with its state', async () => {
    await pendingInStaging(t, GOLD);
    await services().reject(as(BOB), 1, 'not now');
    expect(await refused(DEPLOYER, 'validate DR-1')).toContain('DR-1 is rejected');
  });
});

describe('/sandbox deploy', () => {
  it('of an approved request opens the deploy confirmation for the deployer', async () => {
    await approvedInStaging(t, GOLD);
    const opened = await opens(DEPLOYER, 'deploy DR-1', 'deploy_modal');
    expect(opened.view.title.text).toBe('Deploy DR-1');
    expect(opened.view.submit.text).toBe('Deploy');
    const shows = shown(opened.view);
    expect(shows).toContain('dev-alice');
    expect(shows).toContain('staging');
    expect(shows).toContain('Gold tier on the account layout');
  });

  it('accepts a bare number where the kind is clear', async () => {
    await approvedInStaging(t, GOLD);
    const opened = await opens(DEPLOYER, 'deploy 1', 'deploy_modal');
    expect(opened.view.title.text).toBe('Deploy DR-1');
  });

  it('of a request still waiting for approval is refused with the reason', async () => {
    await pendingInStaging(t, GOLD);
    const said = await refused(DEPLOYER, 'deploy DR-1');
    expect(said).toContain('DR-1 is still waiting for approval in Staging');
  });

  it('by someone who is not a deployer is refused, naming who can', async () => {
    await approvedInStaging(t, GOLD);
    const said = await refused(DAVE, 'deploy DR-1');
    expect(said).toContain('You cannot deploy in Staging');
    expect(said).toContain('<@U0DEPLOY>');
  });

  it('to a locked environment is refused with who locked it and why', async () => {
    await approvedInStaging(t, GOLD);
    await services().lock(as(DEPLOYER), 'Staging', 'demo at noon');
    const said = await refused(DEPLOYER, 'deploy DR-1');
    expect(said).toContain('Staging is locked by <@U0DEPLOY>');
    expect(said).toContain('demo at noon');
  });
});

describe('/sandbox reject', () => {
  it('opens the reject modal asking for a reason', async () => {
    await pendingInStaging(t, GOLD);
    const opened = await opens(BOB, 'reject DR-1', 'reject_modal');
    expect(opened.view.title.text).toBe('Reject DR-1');
    expect((opened.view.blocks as Json[]).map((b) => b.block_id)).toContain('reason');
    expect(shown(opened.view)).toContain('Reason');
  });

  it('of a request already decided is refused', async () => {
    await pendingInStaging(t, GOLD);
    await services().reject(as(BOB), 1, 'not now');
    const said = await refused(BOB, 'reject DR-1');
    expect(said).toContain('DR-1');
    expect(said).toContain('rejected');
  });
});

describe('/sandbox revert', () => {
  it('opens the revert confirmation for the latest production deployment, to the deployer who made it', async () => {
    await deployedToProduction();
    const opened = await opens(DEPLOYER, 'revert', 'revert_modal');
    expect(opened.view.title.text).toBe('Revert Changes');
    expect(opened.view.submit.text).toBe('Revert Changes');
    const shows = shown(opened.view);
    expect(shows).toContain('DR-1');
    expect(shows).toContain('Production');
    expect(shows).toContain('Gold tier release');
  });

  it('when nothing was deployed to production says there is nothing to revert', async () => {
    expect(await refused(DEPLOYER, 'revert')).toContain('Nothing has been deployed to Production yet');
  });

  it('by someone other than the deployer or an admin is refused, naming who can', async () => {
    await deployedToProduction();
    const said = await refused(DAVE, 'revert Production');
    expect(said).toContain('Only <@U0DEPLOY>, who deployed DR-1, or an admin can revert it');
  });

  it('of an environment below production is refused with what to do instead', async () => {
    expect(await refused(ADMIN, 'revert Staging')).toContain('Only the latest production deployment can be reverted');
  });
});

describe('/sandbox logs', () => {
  it('of a request lists its runs with View Logs, which shows every line', async () => {
    await pendingInStaging(t, GOLD);
    await services().validate(as(DEPLOYER), 1);
    const answer = await ask(ALICE, 'logs DR-1');
    const said = shown(answer);
    expect(said).toMatch(/RUN-3\*? validate · \*succeeded\* · <@U0DEPLOY>/);
    expect(said).toContain('Validation passed');
    const [viewLogs] = buttonsOf(answer);
    expect(viewLogs).toEqual({ text: 'View Logs', action: 'view_logs', value: 'RUN-3' });

    const clicked = await t.click(ALICE, viewLogs!.action, viewLogs!.value);
    expect(clicked.status).toBe(200);
    const logs = await t.modal('logs_modal');
    expect(logs.view.title.text).toBe('Logs RUN-3');
    expect(shown(logs.view)).toContain('Validating DR-1 against staging');
    expect(shown(logs.view)).toContain('Dependencies: all present');
  });

  it('of a run shows that run', async () => {
    await pendingInStaging(t, GOLD);
    const said = await answerText(ALICE, 'logs RUN-2');
    expect(said).toMatch(/RUN-2\*? sync · \*succeeded\* · <@U0ALICE>/);
    expect(said).not.toContain('RUN-1');
  });

  it('of a run that does not exist is refused by name', async () => {
    expect(await refused(ALICE, 'logs RUN-42')).toContain('RUN-42');
  });

  it('needs a run or a request', async () => {
    const said = await refused(ALICE, 'logs');
    expect(said).toContain('`/sandbox logs &lt;run or request&gt;`');
  });
});

describe('/sandbox compare', () => {
  it('lists the components changed, added and removed between two instances', async () => {
    await pendingInStaging(t, GOLD);
    await services().components.put(as(ALICE), 'dev-alice', [{ key: 'Flow/Welcome', content: 'hi' }]);
    const said = await answerText(ALICE, 'compare dev-alice staging');
    expect(said).toContain('Compare dev-alice → staging');
    // Named as `/sandbox send` from dev-alice to staging would name them: Flow/Welcome would be added.
    expect(said).toContain('dev-alice → staging: 1 added, 0 removed, 1 changed');
    expect(said).toMatch(/changed:\s+Layout\/Account/);
    expect(said).toMatch(/only in dev-alice:\s+Flow\/Welcome/);
  });

  it('of two instances holding the same says so', async () => {
    await pendingInStaging(t, GOLD);
    expect(await answerText(ALICE, 'compare staging production')).toContain('staging and production hold the same components');
  });

  it('of an instance that does not exist is refused by name', async () => {
    expect(await refused(ALICE, 'compare dev-alice dev-nobody')).toContain('dev-nobody');
  });
});

describe('/sandbox lock and unlock', () => {
  it('lock answers privately, announces in the environment channel and stops deployments', async () => {
    const said = await answerText(DEPLOYER, 'lock Staging release in progress');
    expect(said).toContain(':lock: Staging is locked');
    expect(said).toContain('/sandbox unlock Staging');
    const announcement = await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.text?.includes(':lock:')));
    expect(shown(announcement)).toContain('<@U0DEPLOY> locked Staging: “release in progress”');
    const staging = (await services().status()).find((e) => e.environment.name === 'Staging')!;
    expect(staging.environment.lock).toMatchObject({ by: DEPLOYER, reason: 'release in progress' });
  });

  it('unlock answers privately and announces in the environment channel', async () => {
    await services().lock(as(DEPLOYER), 'Staging', 'release in progress');
    const said = await answerText(DEPLOYER, 'unlock Staging');
    expect(said).toContain(':unlock: Staging is unlocked');
    const announcement = await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.text?.includes(':unlock:')));
    expect(shown(announcement)).toContain('<@U0DEPLOY> unlocked Staging');
    const staging = (await services().status()).find((e) => e.environment.name === 'Staging')!;
    expect(staging.environment.lock).toBeNull();
  });

  it('lock by someone who is neither deployer nor admin is refused, and nothing is announced', async () => {
    const said = await refused(DAVE, 'lock Production x');
    expect(said).toContain('You cannot lock deployments in Production');
    await settle();
    expect(t.fake.messages('C0PROD')).toEqual([]);
    const production = (await services().status()).find((e) => e.environment.name === 'Production')!;
    expect(production.environment.lock).toBeNull();
  });

  it('unlock of an environment that is not locked is refused', async () => {
    const said = await refused(DEPLOYER, 'unlock Staging');
    expect(said).toBe(':no_entry: Staging is not locked.');
    await settle();
    expect(t.fake.messages('C0STAGING')).toEqual([]);
  });

  it('lock of an environment already locked says by whom and why', async () => {
    await services().lock(as(ADMIN), 'Production', 'year-end freeze');
    const said = await refused(DEPLOYER, 'lock Production hotfix');
    expect(said).toContain('Production is already locked by <@U0ADMIN>');
    expect(said).toContain('year-end freeze');
  });
});

describe('/sandbox report', () => {
  it('assembles the request, its changes, its votes and its runs', async () => {
    await approvedInStaging(t, GOLD);
    await services().validate(as(DEPLOYER), 1);
    const said = await answerText(CAROL, 'report DR-1');
    expect(said).toContain('Report of DR-1');
    expect(said).toContain('DR-1: dev-alice → staging (Staging), approved');
    expect(said).toContain('Message: Gold tier on the account layout');
    expect(said).toMatch(/modify\s+Layout\/Account/);
    expect(said).toContain('approve by U0BOB');
    expect(said).toMatch(/RUN-3 validate succeeded/);
    expect(said).toContain('Dependencies: all present');
  });

  it('of a request that does not exist is refused by name', async () => {
    expect(await refused(CAROL, 'report DR-7')).toContain('DR-7');
  });
});

describe('/sandbox cr', () => {
  const newCr = () =>
    services().changeRequests.create(as(ALICE), { name: 'Gold tier', type: 'normal', overview: 'Adds the gold tier', customizations: ['Layout/Account'] });

  it('cr new opens the new change request modal', async () => {
    const opened = await opens(ALICE, 'cr new', 'change_request_modal');
    expect(opened.view.title.text).toBe('New change request');
    const blocks = (opened.view.blocks as Json[]).map((b) => b.block_id);
    for (const field of ['name', 'type', 'overview', 'customizations', 'approvers']) expect(blocks).toContain(field);
  });

  it('cr list lists the change requests with their state', async () => {
    expect(await answerText(ALICE, 'cr list')).toContain('No change requests yet');
    await newCr();
    expect(await answerText(ALICE, 'cr list')).toMatch(/CR-1\*? Gold tier · normal · draft · <@U0ALICE>/);
  });

  it('cr show shows one change request, its customizations and votes', async () => {
    await services().components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'tier=basic' }]);
    await newCr();
    const said = await answerText(BOB, 'cr show CR-1');
    expect(said).toContain('CR-1: Gold tier');
    expect(said).toContain('Adds the gold tier');
    expect(said).toContain('`Layout/Account`');
    expect(said).toContain('Votes: none yet');
  });

  it('cr submit sends a draft for approval', async () => {
    await newCr();
    const said = await answerText(ALICE, 'cr submit CR-1');
    expect(said).toContain('CR-1 is pending approval');
    expect((await services().changeRequests.show(1)).changeRequest.state).toBe('pending_approval');
  });

  it('cr submit by someone who did not create it is refused', async () => {
    await newCr();
    expect(await refused(DAVE, 'cr submit CR-1')).toContain('Only <@U0ALICE>, who created CR-1, or an admin can submit it');
  });

  it('cr complete completes a change request once it reached production', async () => {
    const { cr } = await deployedToProduction();
    const said = await answerText(ALICE, `cr complete CR-${cr.id}`);
    expect(said).toContain(`CR-${cr.id} is completed`);
  });

  it('cr complete of a draft is refused with its state', async () => {
    await newCr();
    const said = await refused(ALICE, 'cr complete CR-1');
    expect(said).toContain('CR-1 is draft');
  });

  it('cr without an action, with an unknown one, or without an id gets the reason and the usage', async () => {
    const usage = '`/sandbox cr new`, `/sandbox cr list`, `/sandbox cr show CR-3`';
    const none = await refused(ALICE, 'cr');
    expect(none).toContain(usage);
    const unknown = await refused(ALICE, 'cr approve CR-1');
    expect(unknown).toContain('`cr approve` is not a change request command');
    expect(unknown).toContain(usage);
    const noId = await refused(ALICE, 'cr show');
    expect(noId).toContain('needs a change request id');
    expect(noId).toContain(usage);
  });
});

describe('/sandbox audit', () => {
  it('shows the latest actions, who did them, how they ended and from where', async () => {
    await pendingInStaging(t, GOLD);
    await answerText(DEPLOYER, 'lock Staging release in progress');
    const said = await answerText(ADMIN, 'audit');
    expect(said).toMatch(/<@U0DEPLOY> \*lock\* Staging → locked _\(slack\)_/);
    expect(said).toMatch(/<@U0ALICE> \*send\*[^\n]*→ pending approval _\(cli\)_/);
    expect(said).not.toContain('pending_approval');
  });
});

describe('/sandbox components', () => {
  it('lists an instance’s components by name, with who changed each last and when', async () => {
    await services().components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/B', content: 'b' }, { key: 'Flow/A', content: 'a' }]);
    await services().components.put(as(ADMIN), 'dev-alice', [{ key: 'Layout/B', content: 'b2' }]);
    const said = await answerText(ALICE, 'components dev-alice');
    expect(said).toContain('*dev-alice* holds 2 components:');
    expect(said).toMatch(/• `Flow\/A`: <@U0ALICE> <!date\^\d+\^[^\n]*\n• `Layout\/B`: <@U0ADMIN> <!date/);
  });

  it('shows the first fifty of a large instance and says where to see them all', async () => {
    await services().components.put(as(ADMIN), 'staging', Array.from({ length: 120 }, (_, i) => ({ key: `Flow/F${String(i).padStart(3, '0')}`, content: `${i}` })));
    const said = await answerText(ALICE, 'components staging');
    expect(said).toContain('*staging* holds 120 components; the first 50 by name:');
    expect(said).toContain('`Flow/F049`');
    expect(said).not.toContain('`Flow/F050`');
    expect(said).toContain('`sandbox components list staging` on the command line lists every one.');
  });

  it('names an instance that does not exist', async () => {
    expect(await refused(ALICE, 'components dev-nobody')).toMatch(/dev-nobody/);
  });
});

describe('/sandbox whoami', () => {
  it('tells an approver where they approve', async () => {
    const said = await answerText(BOB, 'whoami');
    expect(said).toContain('You are <@U0BOB>');
    expect(said).toContain('Staging: approver');
    expect(said).toContain('Production: approver');
  });

  it('counts membership of an approving user group', async () => {
    expect(await answerText(QA_MEMBER, 'whoami')).toContain('Staging: approver');
  });

  it('tells a developer their instances, and an admin that they are one', async () => {
    expect(await answerText(ALICE, 'whoami')).toContain('Your instances: `dev-alice`');
    expect(await answerText(ADMIN, 'whoami')).toContain('an *admin*');
    expect(await answerText(DEPLOYER, 'whoami')).toContain('Staging: deployer');
    expect(await answerText(DAVE, 'whoami')).toContain('You approve and deploy nowhere');
  });
});

describe('answers from elsewhere', () => {
  it('a command typed in a direct message is answered there, privately', async () => {
    const said = await answerText(ALICE, 'whoami', 'DU0ALICE');
    expect(said).toContain('You are <@U0ALICE>');
  });
});

describe('when Slack answers 429 or 500', () => {
  it('a lock is still announced once, after Retry-After and a retry, and the command was acknowledged at once', async () => {
    t.slackPace();
    t.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    t.fake.failNext('chat.postMessage', { status: 500 });
    const said = await answerText(DEPLOYER, 'lock Staging release in progress');
    expect(said).toContain(':lock: Staging is locked');
    const announcement = await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.text?.includes(':lock:')));
    expect(shown(announcement)).toContain('release in progress');
    const posts = t.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0STAGING');
    expect(posts.map((c) => c.status)).toEqual([429, 500, 200]);
    expect(posts[1]!.at - posts[0]!.at, 'waited for Retry-After').toBeGreaterThanOrEqual(900);
    await settle();
    expect(t.fake.messages('C0STAGING').filter((m) => m.text?.includes(':lock:'))).toHaveLength(1);
  });

  it('a modal Slack fails to open is reported privately instead of silently lost', async () => {
    t.fake.failNext('views.open', { status: 500 });
    const r = await type(ALICE, 'cr new');
    const answer = await t.fake.waitFor(() => t.fake.responses.find((a) => a.name === nameOf(r.responseUrl)));
    expect(answer.response_type).toBe('ephemeral');
    expect(shown(answer)).toMatch(/^:warning: /);
    expect(shown(answer)).toContain('try again');
    expect(t.fake.views('open')).toEqual([]);
  });

  it('a modal Slack rate-limits is reported privately too', async () => {
    t.fake.failNext('views.open', { status: 429, retryAfter: 1 });
    const r = await type(ALICE, 'cr new');
    const answer = await t.fake.waitFor(() => t.fake.responses.find((a) => a.name === nameOf(r.responseUrl)));
    expect(shown(answer)).toMatch(/^:warning: /);
    expect(t.fake.views('open')).toEqual([]);
  });
});

describe('Slack settings in use', () => {
  it('checked the bot token with Slack at start, through SLACK_API_URL', () => {
    expect(callsAtStart.map((c) => c.method)).toContain('auth.test');
    expect(callsAtStart.every((c) => c.authorized)).toBe(true);
  });

  it('every Web API call and every answer goes to the fake Slack of SLACK_API_URL, with the bot token', async () => {
    await pendingInStaging(t, GOLD);
    await answerText(DEPLOYER, 'lock Staging release in progress');
    await t.fake.waitFor(() => t.fake.messages('C0STAGING').find((m) => m.text?.includes(':lock:')));
    await opens(ALICE, 'cr new', 'change_request_modal');
    await t.bot.settled();

    const origin = new URL(t.fake.url).origin;
    const http = fetched.filter((url) => /^https?:/.test(url));
    expect(http.length).toBeGreaterThan(0);
    expect(http.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);

    const apiCalls = http.filter((url) => url.startsWith(t.fake.url));
    expect(apiCalls.length, 'every Web API call the app made was recorded by the fake').toBe(t.fake.calls.length);
    expect(t.fake.calls.every((c) => c.authorized)).toBe(true);
    const methods = t.fake.calls.map((c) => c.method);
    expect(methods).toContain('chat.postMessage');
    expect(methods).toContain('views.open');
    expect(t.fake.calls.find((c) => c.method === 'chat.postMessage' && String(c.args.text).includes(':lock:'))?.args.channel).toBe('C0STAGING');
    expect(http.filter((url) => url.includes('/respond/'))).toHaveLength(t.fake.responses.length);
  });
});
