import type { KnownBlock } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { count, listWords } from '../../domain/pipeline.ts';
import type { RunStep } from '../../domain/ports.ts';
import type { RequestOverview } from '../../domain/services/queries.ts';
import { describeState } from '../../domain/states.ts';
import type { ChangeSummary, DeploymentRequest, Run } from '../../domain/types.ts';
import { actions } from '../ids.ts';
import { actionsBlock, button, context, duration, escape, header, inSlack, mention, mentionGroup, section, slackDate } from './format.ts';

/** A run of the request under way, as the process running it sees it: the step it reached, and the time now. */
export interface LiveRun {
  step?: RunStep;
  now: Date;
}

export function describeChanges(summary: ChangeSummary): string {
  const total = summary.added + summary.modified + summary.deleted;
  const parts = [summary.added && `${summary.added} added`, summary.modified && `${summary.modified} modified`, summary.deleted && `${summary.deleted} deleted`].filter(Boolean);
  return `${count(total, 'change')}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

const RUNNING: Record<Run['kind'], string> = { deploy: 'Deploying', revert: 'Reverting', validate: 'Validating', sync: 'Syncing' };

/** `took 4s`, or `took under a second`: a run that short has no progress worth showing. */
export const took = (run: Run) => {
  const ms = (run.endedAt ?? run.startedAt).getTime() - run.startedAt.getTime();
  return `took ${ms < 1000 ? 'under a second' : duration(ms)}`;
};

/** The run under way: what it does, the step it reached (when known here) and for how long. */
function runningLine(run: Run, live: LiveRun | undefined): string {
  const step = live?.step ? ` · step ${live.step.done} of ${live.step.total}: ${escape(live.step.name)}` : '';
  const elapsed = live ? ` · ${duration(live.now.getTime() - run.startedAt.getTime())} so far` : '';
  return `:hourglass_flowing_sand: *${RUNNING[run.kind]}…*${step}${elapsed}. The log follows in this thread.`;
}

const approvedBy = (o: RequestOverview) => o.votes.filter((v) => v.decision === 'approve');

/** Who took the request on (Assign to me), and since when; others may still vote. */
export const claimLine = (r: DeploymentRequest) => (r.claimedBy && r.claimedAt ? ` · :raising_hand: held by ${mention(r.claimedBy)} since ${slackDate(r.claimedAt)}` : '');

function stateLine(o: RequestOverview): string {
  const { request: r, environment: env } = o;
  const approvals = approvedBy(o).length;
  const deployRun = o.runs.find((run) => run.id === r.deployRunId);
  const lastDeploy = [...o.runs].reverse().find((run) => run.kind === 'deploy');
  switch (r.state) {
    case 'pending_approval':
      return `:hourglass_flowing_sand: *Waiting for approval*: ${approvals} of ${env.approvals.required}${claimLine(r)}`;
    case 'approved':
      return `:white_check_mark: *Approved*${approvals ? '' : ' (no approval needed)'}: waiting in the ${escape(env.name)} queue for a deployer`;
    case 'deploying':
      return `:rocket: *Deploying* to ${escape(o.target.name)}: its log is in this thread`;
    case 'deployed':
      return `:tada: *Deployed* to ${escape(o.target.name)} by ${mention(r.deployedBy ?? '?')}${deployRun ? ` · ${took(deployRun)}` : ''}`;
    case 'failed':
      return `:x: *Deployment failed*${lastDeploy ? ` (${took(lastDeploy)})` : ''}: ${escape(r.reason ?? 'see the log')}. It stays in the queue: fix the cause, then deploy again.`;
    case 'rejected':
      return `:no_entry: *Rejected* by ${mention(r.decidedBy ?? '?')}: ${escape(r.reason ?? '')}`;
    case 'expired':
      return ':zzz: *Expired*: nobody decided in time. Send the changes again if they are still wanted.';
    case 'reverted':
      return `:rewind: *Reverted*: these changes can never be deployed again as-is`;
  }
}

/** The latest validation, once it ended, while the request still waits: what a deployer looks at before Deploy. */
function validationLine(o: RequestOverview): string | undefined {
  const last = o.runs[o.runs.length - 1];
  if (!last || last.kind !== 'validate' || last.status === 'running' || !['approved', 'failed', 'pending_approval'].includes(o.request.state)) return undefined;
  const outcome = last.status === 'succeeded' ? ':white_check_mark: Validation passed' : `:warning: Validation ${last.status}: ${escape(last.summary ?? 'see the log')}`;
  return `${outcome} (${mention(last.user)}, ${slackDate(last.endedAt ?? last.startedAt)})`;
}

/** `:alarm_clock: Deployment scheduled for … by @dave`, for cards and queue listings. */
export const scheduleLine = (r: DeploymentRequest) =>
  r.scheduledAt ? `:alarm_clock: Deployment scheduled ${slackDate(r.scheduledAt)} by ${mention(r.scheduledBy ?? '?')}` : undefined;

/** Deploy or, when a deployment is scheduled, cancelling it (Deploy stays: deploying now replaces the schedule). */
export function queueButtons(r: DeploymentRequest) {
  const id = String(r.id);
  const deploy = button('Deploy', actions.deploy, id, { style: 'primary' });
  return r.scheduledAt ? [deploy, button('Cancel schedule', actions.unschedule, id)] : [deploy];
}

/** The buttons of the decisions still open on a request: the same on its card and in App Home. */
export function requestButtons(r: DeploymentRequest) {
  const id = String(r.id);
  const reject = button('Reject', actions.reject, id, { style: 'danger' });
  const logs = button('View Logs', actions.viewLogs, formatId('request', r.id));
  // What is decided on is the content: every request that may still be approved or deployed shows it.
  const changes = button('View changes', actions.viewChanges, formatId('request', r.id));
  switch (r.state) {
    case 'pending_approval':
      return [button('Approve', actions.approve, id, { style: 'primary' }), reject, r.claimedBy ? button('Release', actions.unclaim, id) : button('Assign to me', actions.claim, id), changes];
    case 'approved':
      return [...queueButtons(r), reject, changes];
    case 'failed':
      return [...queueButtons(r), reject, logs, changes];
    case 'deployed':
    case 'reverted':
      return [logs, changes];
    default:
      return [];
  }
}

/** `@a, @b and @c`, or the first `max` of them `and 12 more`: a field holds 2,000 characters. */
function some(mentions: string[], max: number): string {
  return mentions.length <= max ? listWords(mentions) : `${mentions.slice(0, max).join(', ')} and ${mentions.length - max} more`;
}

/** Who may approve: the policy's people and groups (admins may always). */
function approvers(o: RequestOverview): string {
  const { approvals } = o.environment;
  const named = some([...approvals.userGroups.map(mentionGroup), ...approvals.approvers.map(mention)], 20);
  const self = approvals.allowSelfApproval ? '' : ` (not ${mention(o.request.requester)}, who sent it)`;
  return named ? `${named}${self}` : `admins${self}`;
}

/** What the request still needs before it can be deployed, or who approved it. */
function approvalField(o: RequestOverview): string {
  const { required } = o.environment.approvals;
  const approved = approvedBy(o);
  if (o.request.state === 'pending_approval') {
    const more = required - approved.length;
    return `*Still needed*\n${count(more, 'more approval')}${approved.length ? ` (approved by ${some(approved.map((v) => mention(v.voter)), 50)})` : ''}`;
  }
  return `*Approved by*\n${approved.length ? some(approved.map((v) => mention(v.voter)), 50) : required ? '—' : 'no approval needed'}`;
}

function changeRequestField(o: RequestOverview): string {
  const cr = o.changeRequest;
  if (cr) return `*Change request*\n${formatId('changeRequest', cr.id)}: ${escape(cr.name)} (${describeState(cr.state)})`;
  return `*Change request*\n${o.environment.approvals.requireChangeRequest ? ':warning: required, none attached' : 'none'}`;
}

/** Sent, approved, deployed, reverted: who and when, in one line that stays on the card. */
function historyLine(o: RequestOverview): string {
  const { request: r } = o;
  const steps = [`Sent by ${mention(r.requester)} ${slackDate(r.createdAt)}`];
  const approvals = approvedBy(o);
  // Many approvals make one step: who came first, how many more, and when the last came.
  if (approvals.length > 3) steps.push(`approved by ${some(approvals.map((v) => mention(v.voter)), 2)} ${slackDate(approvals.at(-1)!.at)}`);
  else for (const v of approvals) steps.push(`approved by ${mention(v.voter)} ${slackDate(v.at)}`);
  if (r.deployedBy && r.deployedAt) steps.push(`deployed by ${mention(r.deployedBy)} ${slackDate(r.deployedAt)}`);
  const revert = o.runs.find((run) => run.id === r.revertRunId);
  if (revert) steps.push(`reverted by ${mention(revert.user)} ${slackDate(revert.endedAt ?? revert.startedAt)}`);
  return steps.join(' · ');
}

/**
 * The one message of a request in its target environment's channel: the approval card while it awaits approval, then
 * its queue card, then the parent of its runs (their logs in its thread) and its outcome. It holds what a decision
 * needs: who sent what and why, the size of the change, its change request, who may approve and what is still
 * needed, and the warnings its sender was given. Only the buttons of decisions still open are shown. `live` is the
 * run under way as its own process sees it (the card is otherwise rendered from the database).
 */
export function requestCard(o: RequestOverview, live?: LiveRun): { text: string; blocks: KnownBlock[] } {
  const { request: r, environment: env } = o;
  const id = formatId('request', r.id);
  const blocks: KnownBlock[] = [
    header(`${id} · ${o.source.name} → ${o.target.name} (${env.name})`),
    section(`${mention(r.requester)} sends ${describeChanges(o.summary)} from *${escape(o.source.name)}* to *${escape(o.target.name)}*\n>${escape(r.message).replace(/\n/g, '\n>')}`),
    { type: 'section', fields: [{ type: 'mrkdwn', text: `*May approve*\n${approvers(o)}` }, { type: 'mrkdwn', text: approvalField(o) }, { type: 'mrkdwn', text: changeRequestField(o) }, { type: 'mrkdwn', text: `*Size*\n${describeChanges(o.summary)}` }] },
  ];
  if (r.warnings.length) blocks.push(section(`:warning: *Its sender was warned*\n${r.warnings.slice(0, 10).map((w) => `• ${inSlack(w)}`).join('\n')}`));
  if (o.keys.length) {
    const more = o.summary.added + o.summary.modified + o.summary.deleted > o.keys.length ? ', …' : '';
    blocks.push(context(`Changes: ${o.keys.map((k) => `\`${escape(k)}\``).join(', ')}${more}`));
  }
  const running = o.runs.find((run) => run.status === 'running');
  // While deploying, the run's own line says it all.
  const state = running && r.state === 'deploying' ? undefined : stateLine(o);
  blocks.push(section([state, running ? runningLine(running, live) : validationLine(o), scheduleLine(r)].filter(Boolean).join('\n')));
  blocks.push(context(historyLine(o)));
  const buttons = running ? [] : requestButtons(r);
  if (buttons.length) blocks.push(actionsBlock(`request:${r.id}`, buttons));
  return { text: `${id} to ${env.name}: ${describeState(r.state)}`, blocks };
}
