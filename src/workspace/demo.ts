import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { type Logger, LogLevel } from '@slack/bolt';
import { ECHO_MARK, WorkspaceConsole } from './console.ts';
import { DEMO_PIPELINE, startLocalWorkspace } from './local.ts';
import { pipelineInGit } from './local-git.ts';
import { readLocalSettings } from '../settings.ts';

/** One step of the scenario: who does it, what they type, and what everyone must then see. */
export interface DemoStep {
  title: string;
  as: string;
  type: string[];
  see: RegExp[];
}

const ENTER = '';

/**
 * A release from a sandbox to production and back: two developers (alice, bob), an approver (carol) and a deployer
 * (dave), on the demo pipeline with its sample components. Every step is typed into the console as a person would.
 */
export const DEMO_STEPS: DemoStep[] = [
  {
    title: 'alice syncs her sandbox with staging: what changed above is taken, her own work is kept',
    as: 'alice',
    type: ['/sandbox sync dev-alice', ENTER, ENTER],
    see: [/Synced dev-alice with staging: taken 1, kept 2, conflicts 0/, /Took Workflow\/Onboarding from staging/],
  },
  {
    title: 'alice commits to dev-alice’s branch in her clone and pushes: her sandbox is kept in git',
    as: 'alice',
    type: ['change dev-alice Field/Account.Region type: picklist\\nvalues: [EMEA, Americas, APAC, LATAM]'],
    see: [/\$ git -C \S+ commit -am "Change Field\/Account\.Region"/, /\[dev-alice [0-9a-f]{7,} Change Field\/Account\.Region\]/, /\$ git -C \S+ push/],
  },
  {
    title: 'alice sends her changes to staging: the bot reads her branch first',
    as: 'alice',
    type: ['/sandbox send dev-alice', ENTER, 'Adds a Region field to accounts', ENTER, ENTER],
    see: [/Sent 2 changes \(1 added, 1 modified\) as DR-1 to staging/, /DR-1 · dev-alice → staging/, /May approve\n {2}@carol/, /Still needed\n {2}1 more approval/, /Waiting for approval: 0 of 1/],
  },
  {
    title: 'carol looks at what DR-1 changes before she votes (View changes)',
    as: 'carol',
    type: ['press View changes DR-1'],
    see: [/┌ Changes DR-1/, /\+ Field\/Account\.Region \(added\)/, /--- \/dev\/null/, /\+values: \[EMEA, Americas, APAC, LATAM\]/],
  },
  {
    title: 'carol approves DR-1 in #staging; the card becomes its queue card',
    as: 'carol',
    type: ['press Approve DR-1'],
    see: [/Approved: waiting in the Staging queue/, /approved by @carol/, /\[\d+ Deploy\]/, /DR-1 was approved by @carol/],
  },
  {
    title: 'dave deploys DR-1; its card shows it running, then deployed, with the log threaded under it',
    as: 'dave',
    type: ['press Deploy DR-1', ENTER],
    see: [/Deploying…/, /↳ thread in #staging · DR-1/, /Deployment succeeded/, /Deployed to staging by @dave/, /DR-1 is deployed/],
  },
  {
    title: 'alice opens a change request for production, and submits it',
    as: 'alice',
    type: ['/sandbox cr new', 'Account regions', ENTER, 'Sales reports by region need the Region field on accounts.', 'Layout/Account, Field/Account.Region', ENTER, ENTER, '/sandbox cr submit CR-1'],
    see: [/Created CR-1 “Account regions”/, /── #production ──\n {2}CR-1: Account regions · normal change by @alice/, /Waiting for approval: needs 1 of Production's approvers/],
  },
  {
    title: 'carol approves the change request',
    as: 'carol',
    type: ['press Approve CR-1'],
    see: [/CR-1: Account regions/, /✅ Approved by @carol/],
  },
  {
    title: 'alice syncs CR-1 to staging, where its changes are tested (Sync CR): staging works on it from now on',
    as: 'alice',
    type: ['/sandbox cr sync CR-1 staging'],
    see: [/CR-1\S* “Account regions” is now worked on in \W?staging\W? \(in progress\)/, /Worked on in \W?staging\W? by @alice/],
  },
  {
    title: 'alice compares the customizations of CR-1 between staging and production',
    as: 'alice',
    type: ['/sandbox cr compare CR-1'],
    see: [/staging\W? against \W?production/, /Layout\/Account\W?: .*changed/, /Field\/Account\.Region\W? \(proposed\): .*not yet in production/],
  },
  {
    title: 'alice sends staging to production: the send carries CR-1, which production requires',
    as: 'alice',
    type: ['/sandbox send staging', ENTER, 'Account regions', 'CR-1', ENTER],
    see: [/Production requires an approved change request/, /staging works on CR-1 Account regions: this send carries it/, /as DR-2 to production/, /DR-2 · staging → production/, /CR-1: Account regions/],
  },
  {
    title: 'carol rejects DR-2 with a reason; alice is told why',
    as: 'carol',
    type: ['press Reject DR-2', 'Name the sales ticket in the message, please.', ENTER],
    see: [/Rejected by @carol: Name the sales ticket/, /DM with @alice/],
  },
  {
    title: 'bob sends his sandbox to staging without syncing first, and is warned of a missing dependency',
    as: 'bob',
    type: ['/sandbox send dev-bob', 'yes', ENTER, 'Adds an opportunity layout', ENTER, ENTER],
    see: [/as DR-3 to staging/, /Field\/Opportunity\.Stage/],
  },
  {
    title: 'carol approves DR-3',
    as: 'carol',
    type: ['press Approve DR-3'],
    see: [/DR-3 is approved|Approved by @carol/],
  },
  {
    title: 'dave deploys DR-3: the dependency check fails and staging is left as it was',
    as: 'dave',
    type: ['press Deploy DR-3', ENTER],
    see: [/Deployment failed/, /Field\/Opportunity\.Stage/, /target is unchanged/],
  },
  {
    title: 'bob reworks the onboarding workflow in his sandbox and syncs at last: staging changed it too, a conflict',
    as: 'bob',
    type: ['change dev-bob Workflow/Onboarding on: account created, steps: [assign owner, call the customer]', '/sandbox sync dev-bob', ENTER, ENTER],
    see: [/Synced dev-bob with staging: taken \d+, kept \d+, conflicts 1/, /1 conflict\W* in dev-bob/, /Workflow\/Onboarding/],
  },
  {
    title: 'bob compares both sides with their base and takes staging’s version (Resolve, Take theirs)',
    as: 'bob',
    type: ['press Resolve', 'press Take theirs', 'yes'],
    see: [/┌ Resolve conflict/, /Mine\W*: dev-bob now/, /Theirs\W*: staging at the sync/, /schedule kickoff call/, /Resolved \W*Workflow\/Onboarding\W* in dev-bob: the synced version replaces yours/],
  },
  {
    title: 'alice sends to production again, naming the ticket; carol approves',
    as: 'alice',
    type: ['/sandbox send staging', ENTER, 'Account regions (SALES-42)', 'CR-1', ENTER, 'as carol', 'press Approve DR-4'],
    see: [/as DR-4 to production/, /Approved by\n {2}@carol/],
  },
  {
    title: 'dave deploys DR-4 to production',
    as: 'dave',
    type: ['press Deploy DR-4', ENTER],
    see: [/Deploying…/, /↳ thread in #production · DR-4/, /Deployment succeeded/, /DR-4 is deployed/],
  },
  {
    title: 'CR-1 followed its request into production: deployed, its proposed field now an existing customization',
    as: 'alice',
    type: ['/sandbox cr show CR-1'],
    see: [/CR-1: Account regions\W* · normal · \W*deployed/, /Customizations: .*Field\/Account\.Region\W*(,|$)/m],
  },
  {
    title: 'dave reverts the production deployment with a reason; production is locked with it until someone unlocks it',
    as: 'dave',
    type: ['/sandbox revert', 'Regions break the checkout', ENTER],
    see: [/Reverting DR-4 in Production/, /DR-4 is reverted in Production/, /↳ also sent to #production\n.*locked \(“reverted: Regions break the checkout”\)/, /Reverted\*?: these changes/],
  },
  {
    title: 'alice tries to send the reverted changes again as they are: refused before any form',
    as: 'alice',
    type: ['/sandbox send staging'],
    see: [/deployed and then reverted: a reverted project cannot be redeployed as-is/],
  },
  {
    title: 'production’s branch holds the deployment and the revert as commits, naming who approved, deployed and reverted',
    as: 'dave',
    type: ['git log -2 --format=%B production'],
    see: [/^Revert DR-4: Regions break the checkout\n\nSandbox-Request: DR-4\nSandbox-Run: RUN-\d+\nReverted-by: U0DAVE$/m, /^DR-4: Account regions \(SALES-42\)\n\nSandbox-Request: DR-4\nSandbox-Run: RUN-\d+\nApproved-by: U0CAROL\nDeployed-by: U0DAVE$/m],
  },
];

/** The bot's warnings and errors during the demo: any of them fails the step it came in. */
function recordingLogger(): Logger & { complaints: string[] } {
  const complaints: string[] = [];
  const keep = (level: string) => (...msg: unknown[]) => void complaints.push(`${level}: ${msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ')}`);
  let level = LogLevel.WARN;
  return {
    complaints,
    debug: () => {},
    info: () => {},
    warn: keep('warning'),
    error: keep('error'),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}

/** What a step showed, less the lines typed (which are echoed): an expectation must be met by the bot, not the script. */
const shownIn = (transcript: string) =>
  stripVTControlCharacters(transcript)
    .split('\n')
    .filter((line) => !line.includes(ECHO_MARK))
    .join('\n');

/** Why a step did not end as the script expects, or undefined when it did. */
function failure(step: DemoStep, shown: string, terminal: WorkspaceConsole, complaints: string[]): string | undefined {
  const missing = step.see.filter((pattern) => !pattern.test(shown));
  if (missing.length) return `it did not show ${missing.map(String).join(', ')}`;
  if (terminal.waiting) return `it left a ${terminal.waiting} open`;
  if (complaints.length) return `the bot complained: ${complaints.join('; ')}`;
  return undefined;
}

/**
 * Plays the scenario in a fresh in-memory workspace whose instances are kept in a git repository of a folder of its
 * own (removed at the end), or only in its database (`git: false`); prints the transcript; true when every step
 * showed what it must.
 */
export async function playDemo(output: NodeJS.WritableStream, steps = DEMO_STEPS, o: { color?: boolean; git?: boolean } = {}): Promise<boolean> {
  const logger = recordingLogger();
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-demo-'));
  const pipeline = join(dir, 'sandbox.config.yml');
  const demo = readFileSync(DEMO_PIPELINE, 'utf8');
  writeFileSync(pipeline, o.git === false ? demo : pipelineInGit(demo));
  const settings = readLocalSettings({ SANDBOX_CONFIG: pipeline, SANDBOX_DATA_DIR: 'memory://', SANDBOX_LOCAL_GIT: o.git === false ? '' : '1' });
  const ws = await startLocalWorkspace(settings, { logger }).catch((error) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  let seen = '';
  const tee = new Writable({
    write(chunk, _encoding, done) {
      seen += String(chunk);
      output.write(chunk, done);
    },
  });
  const terminal = new WorkspaceConsole(ws, { output: tee, color: o.color, width: 100 });
  try {
    for (const [i, step] of steps.entries()) {
      output.write(`\n■ ${i + 1}/${steps.length} · ${step.title}\n`);
      seen = '';
      logger.complaints.length = 0;
      const who = terminal.person.name === step.as ? [] : [`as ${step.as}`];
      for (const line of [...who, ...step.type]) await terminal.execute(line);
      const wrong = failure(step, shownIn(seen), terminal, logger.complaints);
      if (wrong) {
        output.write(`✗ Step ${i + 1} did not end as the script expects: ${wrong}\n`);
        return false;
      }
      output.write(`✓ ${step.title}\n`);
    }
    output.write(`\nThe whole release played as expected: ${steps.length} steps.\n`);
    return true;
  } finally {
    await ws.stop();
    terminal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
