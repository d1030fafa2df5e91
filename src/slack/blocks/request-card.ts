import type { KnownBlock } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { count, listWords } from '../../domain/pipeline.ts';
import type { RequestOverview } from '../../domain/services/queries.ts';
import type { ChangeSummary, DeploymentRequest } from '../../domain/types.ts';
import { actions } from '../ids.ts';
import { actionsBlock, button, context, escape, section, slackDate, mention } from './format.ts';

export function describeChanges(summary: ChangeSummary): string {
  const total = summary.added + summary.modified + summary.deleted;
  const parts = [summary.added && `${summary.added} added`, summary.modified && `${summary.modified} modified`, summary.deleted && `${summary.deleted} deleted`].filter(Boolean);
  return `${count(total, 'change')}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function stateLine(o: RequestOverview): string {
  const { request: r, environment: env, votes } = o;
  const approvers = votes.filter((v) => v.decision === 'approve').map((v) => mention(v.voter));
  switch (r.state) {
    case 'pending_approval':
      return `:hourglass_flowing_sand: *Waiting for approval*: ${approvers.length} of ${env.approvals.required}${approvers.length ? `, approved by ${listWords(approvers)}` : ''}`;
    case 'approved':
      return `:white_check_mark: *Approved*${approvers.length ? ` by ${listWords(approvers)}` : ' (no approval needed)'}: waiting in the ${escape(env.name)} queue for a deployer`;
    case 'deploying':
      return `:rocket: *Deploying* to ${escape(o.target.name)}: follow the deployment thread`;
    case 'deployed':
      return `:tada: *Deployed* by ${mention(r.deployedBy ?? '?')}${r.deployedAt ? ` ${slackDate(r.deployedAt)}` : ''}`;
    case 'failed':
      return `:x: *Deployment failed*: ${escape(r.reason ?? 'see the log')}. It stays in the queue: fix the cause, then deploy again.`;
    case 'rejected':
      return `:no_entry: *Rejected* by ${mention(r.decidedBy ?? '?')}: ${escape(r.reason ?? '')}`;
    case 'expired':
      return ':zzz: *Expired*: nobody decided in time. Send the changes again if they are still wanted.';
    case 'reverted':
      return `:rewind: *Reverted*: these changes can never be deployed again as-is`;
  }
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
  switch (r.state) {
    case 'pending_approval':
      return [button('Approve', actions.approve, id, { style: 'primary' }), reject];
    case 'approved':
      return [...queueButtons(r), reject];
    case 'failed':
      return [...queueButtons(r), reject, logs];
    case 'deployed':
    case 'reverted':
      return [logs];
    default:
      return [];
  }
}

/**
 * The card of one request in its target environment's channel: the approval message while it awaits approval,
 * then its queue card, then its outcome. Only the buttons of decisions still open are shown.
 */
export function requestCard(o: RequestOverview): { text: string; blocks: KnownBlock[] } {
  const { request: r, environment: env } = o;
  const id = formatId('request', r.id);
  const title = `${id}: ${mention(r.requester)} sends ${describeChanges(o.summary)} from *${escape(o.source.name)}* to *${escape(o.target.name)}* (${escape(env.name)})`;
  const blocks: KnownBlock[] = [section(`${title}\n>${escape(r.message).replace(/\n/g, '\n>')}`)];
  const facts = [`Sent ${slackDate(r.createdAt)}`];
  if (o.changeRequest) facts.push(`Change request ${formatId('changeRequest', o.changeRequest.id)}: ${escape(o.changeRequest.name)}`);
  if (o.keys.length) facts.push(`Changes: ${o.keys.map((k) => `\`${escape(k)}\``).join(', ')}${o.summary.added + o.summary.modified + o.summary.deleted > o.keys.length ? ', …' : ''}`);
  blocks.push(context(...facts));
  blocks.push(section([stateLine(o), scheduleLine(r)].filter(Boolean).join('\n')));
  const buttons = requestButtons(r);
  if (buttons.length) blocks.push(actionsBlock(`request:${r.id}`, buttons));
  return { text: `${id} to ${env.name}: ${r.state.replace(/_/g, ' ')}`, blocks };
}
