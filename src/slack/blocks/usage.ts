import { distance } from 'fastest-levenshtein';
import { escape } from './format.ts';

/** Every subcommand of `/sandbox`, with its arguments and what it does: the help text and the usage shown on mistakes. */
export const SUBCOMMANDS = [
  ['help', 'this list'],
  ['status', 'the pipeline: environments, instances, projects, queues'],
  ['sync [instance]', 'pull the environment above into your instance'],
  ['refresh <instance>', 'read the branch of an instance kept in git: its components become what the branch holds'],
  ['resolve <instance> [component]', 'sync conflicts: list them, or see one (base, mine, theirs) and keep mine or take theirs'],
  ['send [instance]', 'send your changes to the next environment up'],
  ['queue [environment]', 'requests waiting in a deployment queue'],
  ['validate <request>', 'check dependencies and validate, without applying'],
  ['deploy <request> [at <time>]', 'deploy an approved request now, or at a time such as 18:00 or friday 9:00 (deployers)'],
  ['unschedule <request>', 'cancel a scheduled deployment'],
  ['reject <request>', 'reject a request, with a reason'],
  ['revert [environment]', 'revert the latest production deployment'],
  ['logs <run or request>', 'the log of a run, or of every run of a request'],
  ['components <instance>', 'the components of an instance, with who changed each last'],
  ['compare <instance> <instance>', 'components added, removed and changed between two instances'],
  ['diff <request> [component]', 'what a request changes: the diff of each component it sends'],
  ['test <environment>', "check an environment's connections (git remotes, targets, command checks) without deploying"],
  ['lock <environment> <reason>', 'stop every deployment to an environment'],
  ['unlock <environment>', 'let deployments go ahead again'],
  ['report <request>', 'the evidence of one change, for audits'],
  ['cr new | list | show <id> | submit <id> | sync <id> <instance> | compare <id> | complete <id>', 'change requests: create, follow, work on one in an instance (sync), compare it with production'],
  ['metrics [environment] [--days N]', 'delivery metrics: deployments, lead time, change failure rate, time to restore, approval wait, with a chart'],
  ['audit', 'the latest actions, who did them and how they ended'],
  ['whoami', 'your roles and instances'],
] as const;

const nameOf = (usage: string) => usage.split(' ')[0]!;

/** A usage as Slack shows it: its placeholders (`<request>`) escaped, since Slack reads `<…>` as a link or mention. */
const shown = (usage: string) => `\`/sandbox ${escape(usage)}\``;

export const usageLine = (name: string) => {
  const entry = SUBCOMMANDS.find(([usage]) => nameOf(usage) === name);
  return entry ? shown(entry[0]) : '';
};

/** The subcommand a mistyped word most likely meant: one edit away, or two for words of four letters or more. */
export function meant(word: string): string | undefined {
  const allowed = word.length >= 4 ? 2 : 1;
  const [best] = SUBCOMMANDS.map(([usage]) => nameOf(usage))
    .map((name) => ({ name, edits: distance(word, name) }))
    .filter(({ edits }) => edits <= allowed)
    .sort((a, b) => a.edits - b.edits);
  return best?.name;
}

/** What the project states that `/sandbox status` shows mean, said once. */
const PROJECT_STATES =
  'An instance’s project is *Active* (changes not sent yet), *Sent* (its changes wait in a queue), *Ready* (nothing to send: no change since its last sync or deployment) or *Idle* (staging: its deployed changes stay until its next sync).';

export const helpText = () =>
  ['*`/sandbox` commands*', ...SUBCOMMANDS.map(([usage, what]) => `• ${shown(usage)}: ${what}`), PROJECT_STATES, 'Ids are written DR-12 (deployment request), CR-3 (change request), RUN-45 (run); a bare number works where the kind is clear.'].join('\n');
