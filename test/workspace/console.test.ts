import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { DEMO_PIPELINE } from '../../src/workspace/local.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { answerTo, type Exit, exchanges, localEnv, opening, type ProgramRun, startMain } from '../helpers/workspace.ts';

/**
 * `npm start` with no Slack setting, driven as a program that reads its standard input: lines typed into a pipe,
 * what a person would see read back from its standard output. Each start takes seconds, so one process plays a
 * whole session and the tests below read its transcript.
 */

const PROCESS_TIMEOUT = 120_000;
const runs: ProgramRun[] = [];
const dirs: string[] = [];

function freshDir(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `sandbox-console-${name}-`));
  dirs.push(dir);
  return dir;
}

function start(o: Parameters<typeof startMain>[0]) {
  const run = startMain(o);
  runs.push(run);
  return run;
}

afterAll(() => {
  for (const run of runs) run.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The exchanges from the `nth` time `typed` was typed on: that one first, then the lines typed after it. */
function from(stdout: string, typed: string, nth = 0) {
  const all = exchanges(stdout);
  const at = all.map((e, i) => (e.typed === typed ? i : -1)).filter((i) => i >= 0)[nth];
  if (at === undefined) throw new Error(`“${typed}” was not typed ${nth + 1} time(s)`);
  return all.slice(at);
}

describe.runIf(!onPostgres)('npm start without Slack settings, its input piped: the local workspace on embedded PGlite', () => {
  let dir: string;
  let dataDir: string;
  let first: Exit;
  let approve: number;
  let reject: number;
  let homeSync: number;
  let queueDeploy: number;

  beforeAll(async () => {
    dir = freshDir('pglite');
    dataDir = join(dir, 'data');
    // SANDBOX_CONFIG is left unset: the workspace's own pipeline, ./.workspace/sandbox.config.yml, is created in cwd.
    const run = start({ cwd: dir, env: localEnv({ SANDBOX_DATA_DIR: dataDir }) });
    await run.waitFor(/Try \/sandbox status/);

    run.type('/sandbox status', 'people', 'as nobody', 'frobnicate', 'help', 'press 99');
    run.type('/sandbox sync dev-alice', '', '');

    let mark = run.mark();
    run.type('home');
    homeSync = Number((await run.waitFor(/\[(\d+) Sync with Instance\]\s+\[\d+ Send to Staging\]/, mark))[1]);
    run.type(`press ${homeSync}`, 'cancel');

    run.type('change dev-alice Field/Account.Tier type: picklist', '/sandbox status', 'change dev-bob Layout/Account sections: []', '/sandbox status');
    run.type('change production Layout/Account hacked');
    // At the modal's last step, a console command is not run: the modal stays open until submitted or cancelled.
    run.type('/sandbox sync dev-alice', '', 'as carol', 'cancel');

    // No change request is approved yet: the modal asks none.
    mark = run.mark();
    run.type('/sandbox send dev-alice', '', 'Adds Region and Tier fields', '');
    const card = await run.waitFor(/── #staging ──\n(?:.*\n)*?.*\[(\d+) Approve\]\s+\[(\d+) Reject\]/, mark);
    approve = Number(card[1]);
    reject = Number(card[2]);

    run.type('as carol', `press ${reject}`, '', 'cancel');
    mark = run.mark();
    run.type(`press ${approve}`);
    await run.waitFor(/DR-1 was approved by @carol/, mark);
    mark = run.mark();
    run.type(`press ${approve}`, '/sandbox queue Staging');
    queueDeploy = Number((await run.waitFor(/Staging deployment queue\n.*\n {2}\[(\d+) Deploy\]/, mark))[1]);
    run.type('as alice', `press ${queueDeploy}`);
    first = await run.end();
  }, PROCESS_TIMEOUT);

  it('exits 0 when its input ends, writes nothing to stderr, and no colours to a pipe', () => {
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).not.toMatch(/\x1b\[/);
  });

  it('creates the workspace pipeline from the demo pipeline in the working directory', () => {
    const config = join(dir, '.workspace', 'sandbox.config.yml');
    expect(readFileSync(config, 'utf8')).toBe(readFileSync(DEMO_PIPELINE, 'utf8'));
    expect(existsSync(dataDir)).toBe(true);
  });

  it('opens with a banner: a local workspace, its database, its pipeline file, and how to connect a real workspace', () => {
    const banner = opening(first.stdout);
    expect(banner).toMatch(/^Sandbox bot · local workspace: no Slack settings were given, so Slack is emulated on this machine\./);
    expect(banner).toMatch(/The bot runs at http:\/\/127\.0\.0\.1:\d+\/slack\/events/);
    expect(banner).toContain(`Database: embedded PGlite in ${dataDir}`);
    expect(banner).toContain(
      'Pipeline: Development → Staging → Production, from ./.workspace/sandbox.config.yml (created now from the demo pipeline; sample components added)',
    );
    expect(banner).toMatch(/To connect a real workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET \(or SLACK_APP_TOKEN for Socket Mode\)/);
    expect(banner).toMatch(/People here:\n {2}alice +owns dev-alice\n {2}bob +owns dev-bob\n {2}carol +approves Staging, approves Production\n {2}dave +deploys Staging, deploys Production/);
    expect(banner).toContain('You are alice, typing in #development.');
  });

  it('echoes each input line after who types it, and where', () => {
    const typed = exchanges(first.stdout);
    expect(typed[0]).toMatchObject({ who: 'alice', where: '#development', typed: '/sandbox status' });
    expect(typed.find((e) => e.typed === 'Adds Region and Tier fields')).toMatchObject({ who: 'alice', where: 'modal' });
    expect(typed.find((e) => e.typed === `press ${approve}`)).toMatchObject({ who: 'carol', where: '#development' });
  });

  it('/sandbox status shows every instance with its state, privately to whoever asked', () => {
    const status = answerTo(first.stdout, '/sandbox status');
    expect(status).toContain('── #development · only @alice sees this ──');
    expect(status).toMatch(/production`? 3 components\n/);
    expect(status).toMatch(/staging`? 3 components · Active, 1 change \(1 modified\) · synced from production/);
    expect(status).toMatch(/dev-alice`? 4 components · Active, 2 changes \(1 added, 1 modified\) · synced from staging ·\s+@alice/); // wraps
    expect(status).toMatch(/dev-bob`? 4 components · Active, 1 change \(1 added\) · synced from staging · @bob/);
  });

  it('lists the people for someone unknown, hints at help for an unknown word, and lists the commands on help', () => {
    const nobody = answerTo(first.stdout, 'as nobody');
    expect(nobody).toContain('Nobody here is called “nobody”.');
    expect(nobody).toMatch(/People here:\n {2}alice .*\n {2}bob .*\n {2}carol .*\n {2}dave /);
    expect(answerTo(first.stdout, 'people')).toMatch(/People here:\n {2}alice +owns dev-alice/);
    expect(answerTo(first.stdout, 'frobnicate')).toBe('“frobnicate” is not something this console knows. Slash commands start with /sandbox; help lists the rest.\n');
    const help = answerTo(first.stdout, 'help');
    for (const command of ['/sandbox <command>', 'press <n>', 'home', 'as <name>', 'in <#channel>', 'show [#channel]', 'change <instance> <Type/Name> <content>', 'people | help | quit']) {
      expect(help).toContain(command);
    }
    expect(help).toContain('Enter submits; cancel closes it.');
  });

  it('says so when a button number was never shown', () => {
    expect(answerTo(first.stdout, 'press 99')).toBe('There is no button 99. Buttons show their number like [3 Approve].\n');
  });

  it('syncs through the modal: the modal, then a private answer with the summary and the log; nothing in the channel', () => {
    const [command, keep, submit] = from(first.stdout, '/sandbox sync dev-alice');
    expect(command!.output).toMatch(/── modal for @alice ──\n {2}┌ Sync with Instance\n/);
    expect(command!.output).toContain('▸ Source instance (required; a number or a name from the list; Enter keeps “staging”)');
    expect(keep!.output).toContain('Enter submits “Sync”; cancel closes the modal.');
    const shown = submit!.output;
    expect(shown).toContain('Submitted “Sync with Instance”.');
    expect(shown).toMatch(/── #development · only @alice sees this ──\n {2}🔄 Synced dev-alice with staging: taken 1, kept 2, conflicts 0\.\n {4}│ Syncing dev-alice with staging \(Staging\)\n {4}│ Took Workflow\/Onboarding from staging\n {4}│ Sync finished\. Taken 1, kept 2, conflicts 0\./);
    expect(shown).not.toMatch(/── #development ──|thread in #development/);
  });

  it('renders the App Home with its Sync and Send buttons, which open their modal', () => {
    const home = answerTo(first.stdout, 'home');
    expect(home).toMatch(/── App Home of @alice ──\n {2}┌ Home\n/);
    expect(home).toContain('Development  →  Staging  →  Production');
    expect(home).toMatch(/dev-alice \(Development\) · Active/);
    expect(home).toMatch(/\[\d+ Sync with Instance\] {2}\[\d+ Send to Staging\]/);
    expect(answerTo(first.stdout, `press ${homeSync}`)).toMatch(/── modal for @alice ──\n {2}┌ Sync with Instance/);
    expect(answerTo(first.stdout, 'cancel')).toBe('Closed “Sync with Instance”; nothing was submitted.\n');
  });

  it('changes a component of your own instance: /sandbox status then counts the new change', () => {
    expect(answerTo(first.stdout, 'change dev-alice Field/Account.Tier type: picklist')).toBe('alice changed Field/Account.Tier in dev-alice.\n');
    const status = answerTo(first.stdout, '/sandbox status', 1);
    expect(status).toMatch(/dev-alice`? 5 components · Active, 3 changes \(2 added, 1 modified\)/);
  });

  it("refuses a change to another's instance with ⚠, and changes nothing", () => {
    const refused = answerTo(first.stdout, 'change dev-bob Layout/Account sections: []').replace(/\n(?!$)/g, ' '); // long lines wrap
    expect(refused).toMatch(/^⚠ You cannot change components of dev-bob: it belongs to @bob\. Ask them or an admin, or work in an instance of your own\.\n$/);
    expect(answerTo(first.stdout, '/sandbox status', 2)).toMatch(/dev-bob`? 4 components · Active, 1 change \(1 added\)/);
  });

  it('changes only sandboxes: production gets its changes through the pipeline', () => {
    const refused = answerTo(first.stdout, 'change production Layout/Account hacked').replace(/\n(?!$)/g, ' ');
    expect(refused).toBe('⚠ production is in Production: changes reach it only through the pipeline (send, approve, deploy). Change a sandbox of Development instead.\n');
  });

  it('does not run a console command typed while a modal waits to be submitted, and says so', () => {
    const [, , waiting, cancelled] = from(first.stdout, '/sandbox sync dev-alice', 1);
    expect(waiting!.typed).toBe('as carol');
    expect(waiting!.output).toBe('“as carol” was not run: the modal “Sync with Instance” is still open.\nEnter submits “Sync”; cancel closes the modal.\n');
    expect(cancelled!.output).toBe('Closed “Sync with Instance”; nothing was submitted.\n');
  });

  // The refusal comes from the domain as Slack mrkdwn (`<@U0BOB>`): the console prints it as text.
  it('names the owner in that refusal as a person reads it (@bob), not as Slack markup', () => {
    const refused = answerTo(first.stdout, 'change dev-bob Layout/Account sections: []');
    expect(refused).toContain('it belongs to @bob.');
    expect(refused).not.toContain('<@');
  });

  it('sends through the modal: the changes, the message, and no change request field while none is approved', () => {
    const [command, ticked, message, submit] = from(first.stdout, '/sandbox send dev-alice');
    expect(command!.output).toMatch(/── modal for @alice ──\n {2}┌ Send to Staging\n/);
    expect(command!.output).toContain('3 changes (2 added, 1 modified)');
    expect(command!.output).toContain('▸ Components to send (required; the numbers to tick, e.g. 1,2, or "none"; Enter keeps');
    expect(ticked!.output).toContain('▸ Deployment message (required; text; \\n starts a new line)');
    expect(command!.output).not.toContain('Change request');
    expect(message!.output).toContain('Enter submits “Send”; cancel closes the modal.');
    expect(submit!.output).toContain('Submitted “Send to Staging”.');
  });

  it('posts the approval card of the send in #staging, with who may approve and numbered buttons, and tells the sender', () => {
    const shown = from(first.stdout, '/sandbox send dev-alice')[3]!.output;
    expect(shown).toMatch(/── #development · only @alice sees this ──\n {2}📤 Sent 3 changes \(2 added, 1 modified\) as DR-1 to staging \(Staging\)\. It waits for 1 approval\./);
    expect(shown).toMatch(/── #staging ──\n {2}DR-1 · dev-alice → staging \(Staging\)\n.*\n {2}@alice sends 3 changes \(2 added, 1 modified\) from dev-alice to staging\n {4}▎ Adds Region and Tier fields\n {2}May approve\n {2}@carol \(not @alice, who sent it\)\n {2}Still needed\n {2}1 more approval\n/);
    expect(shown).toContain('⏳ Waiting for approval: 0 of 1');
    expect(shown).toContain(`[${approve} Approve]  [${reject} Reject]`);
  });

  it('checks a required modal field before sending: an empty reason is asked again', () => {
    const [press, empty, cancel] = from(first.stdout, `press ${reject}`);
    expect(press!.who).toBe('carol');
    expect(press!.output).toMatch(/── modal for @carol ──\n {2}┌ Reject DR-1\n/);
    expect(press!.output).toContain('▸ Reason (required; text; \\n starts a new line)');
    expect(empty!.typed).toBe('');
    expect(empty!.output).toBe('  ⚠ Reason is required.\n▸ Reason (required; text; \\n starts a new line)\n    The requester is told this reason. One rejection ends DR-1.\n');
    expect(cancel!.typed).toBe('cancel');
    expect(cancel!.output).toBe('Closed “Reject DR-1”; nothing was submitted.\n');
  });

  it('approves as carol with the number shown: the card is updated and the requester is told in a DM', () => {
    const approved = answerTo(first.stdout, `press ${approve}`);
    expect(approved).toMatch(/── #staging · only @carol sees this ──\n {2}✅ Your approval decided it: DR-1 is approved and waits in the queue\./);
    expect(approved).toMatch(/── #staging · updated ──\n {2}DR-1 · dev-alice → staging(?:.*\n)*? {2}Approved by\n {2}@carol\n(?:.*\n)*? {2}✅ Approved: waiting in the Staging queue for a deployer\n {2}Sent by @alice .* · approved by @carol .*\n {2}\[\d+ Deploy\] {2}\[\d+ Reject\]/);
    expect(approved).toMatch(/── DM with @alice ──\n {2}✅ DR-1 was approved by @carol: it waits in the Staging queue for a deployer\./);
  });

  it('says a button is gone when its message was shown again since', () => {
    expect(answerTo(first.stdout, `press ${approve}`, 1)).toBe(`Button ${approve} is gone: its message was shown again since, with new numbers. Press a button of its newest version.\n`);
  });

  it('/sandbox queue shows the approved request waiting', () => {
    const queue = answerTo(first.stdout, '/sandbox queue Staging');
    expect(queue).toContain('Staging deployment queue');
    expect(queue).toMatch(/── #development · only @carol sees this ──\n {2}Staging deployment queue\n {2}DR-1 approved · @alice · “Adds Region and Tier fields”\n {2}\[\d+ Deploy\] {2}\[\d+ Reject\]/);
    expect(queue).not.toContain('Nothing is waiting');
  });

  it("does not press a button on another person's private answer", () => {
    expect(answerTo(first.stdout, `press ${queueDeploy}`)).toMatch(new RegExp(`^Button ${queueDeploy} is on something only its person sees; you are alice\\.\\n`));
  });

  it('starts again on the same data: no seeding, the pipeline file kept, the first run\'s data still there; quit ends it', async () => {
    const config = join(dir, '.workspace', 'sandbox.config.yml');
    appendFileSync(config, '# kept between starts\n');
    const run = start({ cwd: dir, env: localEnv({ SANDBOX_DATA_DIR: dataDir }) });
    await run.waitFor(/Try \/sandbox status/);
    run.type('/sandbox queue Staging', '/sandbox status', 'show #staging', 'quit');
    // stdin stays open: `quit` alone ends the program.
    const second = await run.exited;
    expect(second.code).toBe(0);
    const banner = opening(second.stdout);
    expect(banner).toMatch(/Pipeline: Development → Staging → Production, from \.\/\.workspace\/sandbox\.config\.yml\n/);
    expect(banner).not.toContain('created');
    expect(banner).not.toContain('sample components added');
    expect(readFileSync(config, 'utf8')).toMatch(/# kept between starts\n$/);
    expect(answerTo(second.stdout, '/sandbox queue Staging')).toContain('DR-1 approved · @alice · “Adds Region and Tier fields”');
    const status = answerTo(second.stdout, '/sandbox status');
    expect(status).toContain('Queue: DR-1 approved');
    expect(status).toMatch(/dev-alice`? 5 components · Sent, 3 changes \(2 added, 1 modified\)/);
    // The channels kept their messages: DR-1's card is there, as the first run left it, with live buttons.
    expect(answerTo(second.stdout, 'show #staging')).toMatch(/── #staging ──\n {2}DR-1 · dev-alice → staging(?:.*\n)*? {2}@alice sends 3 changes(?:.*\n)*? {2}✅ Approved: waiting(?:.*\n)*? {2}\[\d+ Deploy\] {2}\[\d+ Reject\]/);
    expect(answerTo(second.stdout, 'quit')).toBe(`\nBye. The workspace keeps its data in ${dataDir}: npm start opens it again.\n`);
  }, PROCESS_TIMEOUT);

  it('stops with a clear message, exit 1 and nothing created, when SANDBOX_CONFIG names a file that does not exist', async () => {
    const missing = join(freshDir('missing'), 'nowhere', 'sandbox.config.yml');
    const run = start({ cwd: dir, env: localEnv({ SANDBOX_CONFIG: missing, SANDBOX_DATA_DIR: join(dir, 'other-data') }) });
    const exit = await run.end();
    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe('');
    // One line naming the file and why, no stack trace; the workspace's own pipeline is not put in its place.
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
    expect(exit.stderr).toMatch(/^Cannot read the pipeline configuration /);
    expect(exit.stderr).toContain(`${missing} (ENOENT)`);
    expect(exit.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(dirname(missing))).toBe(false);
    expect(existsSync(join(dir, 'other-data'))).toBe(false);
  }, PROCESS_TIMEOUT);
});

describe.runIf(onPostgres)('npm start without Slack settings, on PostgreSQL (DATABASE_URL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(() => db?.close());

  it('on a pipeline of its own: names PostgreSQL in its banner, seeds nothing there, and a change and a send work', async () => {
    const dir = freshDir('postgres');
    const run = start({ cwd: dir, env: localEnv({ DATABASE_URL: db.url!, SANDBOX_CONFIG: DEMO_PIPELINE, SANDBOX_DATA_DIR: join(dir, 'data') }) });
    await run.waitFor(/Try \/sandbox status/);
    run.type('change dev-alice Layout/Account sections: [Name, Region]', '/sandbox send dev-alice', '', 'Adds a Region field', '', '');
    const exit = await run.end();
    expect(exit.code).toBe(0);
    const banner = opening(exit.stdout);
    expect(banner).toContain('Database: PostgreSQL (DATABASE_URL)');
    expect(banner).not.toMatch(/created now|sample components added/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    expect(exit.stdout).toContain('📤 Sent 1 change (1 added) as DR-1 to staging (Staging).');
    expect(exit.stdout).toMatch(/── #staging ──\n {2}DR-1 · dev-alice → staging(?:.*\n)*? {2}@alice sends 1 change(?:.*\n)*? {2}\[\d+ Approve\] {2}\[\d+ Reject\]/);
    expect(await queryRows(db.db, sql`select count(*)::int as n from deployment_requests`)).toEqual([{ n: 1 }]);
    expect(await queryRows(db.db, sql`select count(*)::int as n from components`)).toEqual([{ n: 1 }]);
  }, PROCESS_TIMEOUT);

  it('refuses to put its demo pipeline into the database of DATABASE_URL, and says what to set', async () => {
    const dir = freshDir('postgres-refused');
    const exit = await start({ cwd: dir, env: localEnv({ DATABASE_URL: db.url! }) }).end();
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/would open the local workspace, with its demo pipeline, on the PostgreSQL database of DATABASE_URL/);
    expect(exit.stderr).toMatch(/set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET/);
    expect(exit.stderr).toMatch(/set SANDBOX_CONFIG to its pipeline file/);
    expect(existsSync(join(dir, '.workspace'))).toBe(false);
  }, PROCESS_TIMEOUT);
});
