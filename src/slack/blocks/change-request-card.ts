import type { KnownBlock } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { listWords } from '../../domain/pipeline.ts';
import type { ChangeRequestComparison, ChangeRequestSyncResult } from '../../domain/services/change-request-work.ts';
import type { ChangeRequestDetails } from '../../domain/services/change-requests.ts';
import { SYNCABLE_CHANGE_REQUEST_STATES, describeState } from '../../domain/states.ts';
import type { ChangeRequest } from '../../domain/types.ts';
import { actions } from '../ids.ts';
import { actionsBlock, button, context, escape, section, slackDate, mention } from './format.ts';
import type { Reply } from './replies.ts';

const capitalized = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

function stateLine({ changeRequest: cr, votes, production }: ChangeRequestDetails): string {
  const approvedBy = votes.filter((v) => v.decision === 'approve').map((v) => mention(v.voter));
  const by = approvedBy.length ? listWords(approvedBy) : '';
  const extra = cr.additionalApprovers.length ? ` plus ${listWords(cr.additionalApprovers.map(mention))}` : '';
  switch (cr.state) {
    case 'draft':
      return ':memo: *Draft*: submit it for approval with `/sandbox cr submit`';
    case 'pending_approval':
      return `:hourglass_flowing_sand: *Waiting for approval*: needs ${production.approvals.required} of ${escape(production.name)}'s approvers${extra}${by && `, approved so far by ${by}`}`;
    case 'rejected':
      return `:no_entry: *Rejected*: ${escape(cr.rejectionReason ?? '')}`;
    case 'reverted':
      return `:rewind: *Reverted*: its production deployment was reverted${by && ` · approved by ${by}`}`;
    case 'approved':
      return `:white_check_mark: *Approved*${by && ` by ${by}`}`;
    default:
      return `:white_check_mark: *${capitalized(describeState(cr.state))}*${by && ` · approved by ${by}`}`;
  }
}

/** Where the change request is worked on (Sync CR): the instance, who synced it there, since when. */
export const workedOnText = ({ changeRequest: cr, workedIn }: Pick<ChangeRequestDetails, 'changeRequest' | 'workedIn'>) =>
  workedIn && cr.workedBy && cr.workedSince ? `Worked on in \`${escape(workedIn.name)}\` by ${mention(cr.workedBy)} since ${slackDate(cr.workedSince)}` : undefined;

const customizationList = (cr: ChangeRequest) =>
  [...cr.customizations.map((k) => `\`${escape(k)}\``), ...cr.proposedCustomizations.map((k) => `\`${escape(k)}\` (proposed)`)].join(', ') || 'none';

/** Sync CR, on a change request that can be synced to an instance now; none otherwise. */
const syncButtons = (cr: ChangeRequest): KnownBlock[] =>
  SYNCABLE_CHANGE_REQUEST_STATES.includes(cr.state) ? [actionsBlock(`change_request:${cr.id}`, [button('Sync CR', actions.syncChangeRequest, String(cr.id))])] : [];

/** The card of a change request in production's channel: Approve and Reject while it awaits approval, Sync CR once approved. */
export function changeRequestCard(details: ChangeRequestDetails): { text: string; blocks: KnownBlock[] } {
  const cr = details.changeRequest;
  const id = formatId('changeRequest', cr.id);
  const worked = workedOnText(details);
  const blocks: KnownBlock[] = [
    section(`*${id}: ${escape(cr.name)}* · ${cr.type} change by ${mention(cr.createdBy)}\n>${escape(cr.overview).replace(/\n/g, '\n>')}`),
    context(`Customizations: ${customizationList(cr)}`, `Created ${slackDate(cr.createdAt)}`),
    section(stateLine(details) + (worked ? `\n:hammer_and_wrench: ${worked}` : '')),
  ];
  if (cr.state === 'pending_approval') {
    blocks.push(
      actionsBlock(`change_request:${cr.id}`, [
        button('Approve', actions.approveChangeRequest, String(cr.id), { style: 'primary' }),
        button('Reject', actions.rejectChangeRequest, String(cr.id), { style: 'danger' }),
      ]),
    );
  } else {
    blocks.push(...syncButtons(cr));
  }
  return { text: `${id} ${cr.name}: ${describeState(cr.state)}`, blocks };
}

export function changeRequestsReply(list: ChangeRequest[]): Reply {
  if (list.length === 0) return { text: 'No change requests yet: `/sandbox cr new` creates one.' };
  const lines = list.slice(-30).map((cr) => `• *${formatId('changeRequest', cr.id)}* ${escape(cr.name)} · ${cr.type} · ${describeState(cr.state)} · ${mention(cr.createdBy)}`);
  return { text: 'Change requests', blocks: [section(lines.join('\n'))] };
}

export function changeRequestReply(details: ChangeRequestDetails): Reply {
  const { changeRequest: cr, votes, requests } = details;
  const text = [
    `*${formatId('changeRequest', cr.id)}: ${escape(cr.name)}* · ${cr.type} · *${describeState(cr.state)}*`,
    `>${escape(cr.overview)}`,
    `Customizations: ${customizationList(cr)}`,
    workedOnText(details),
    `Votes: ${votes.length ? votes.map((v) => `${v.decision} by ${mention(v.voter)}${v.reason ? ` (“${escape(v.reason)}”)` : ''}`).join(', ') : 'none yet'}`,
    `Carried by: ${requests.length ? requests.map((r) => `${formatId('request', r.id)} (${describeState(r.state)})`).join(', ') : 'no request yet'}`,
  ].filter(Boolean);
  const blocks = [section(text.join('\n')), context(`Created by ${mention(cr.createdBy)} ${slackDate(cr.createdAt)}`), ...syncButtons(cr)];
  return { text: `${formatId('changeRequest', cr.id)} ${cr.name}`, blocks };
}

export function changeRequestSyncedText({ changeRequest: cr, instance, replaced, movedFrom, expected }: ChangeRequestSyncResult): string {
  const id = formatId('changeRequest', cr.id);
  const notes = [
    movedFrom && `It is no longer worked on in \`${escape(movedFrom.name)}\`.`,
    replaced && `\`${escape(instance.name)}\` no longer works on ${formatId('changeRequest', replaced.id)}.`,
    expected.length && `Expected there, not yet present: ${expected.map((k) => `\`${escape(k)}\``).join(', ')}.`,
  ].filter(Boolean);
  return [`:clipboard: *${id}* “${escape(cr.name)}” is now worked on in \`${escape(instance.name)}\` (${describeState(cr.state)}): its sends carry ${id}.`, ...notes].join(' ');
}

const COMPARED = { same: ':white_check_mark: same', changed: ':pencil2: changed', 'only here': ':heavy_plus_sign: not yet in production', 'only in production': ':heavy_minus_sign: only in production', 'in neither': ':grey_question: in neither' } as const;

export function changeRequestComparisonReply({ changeRequest: cr, from, production, items }: ChangeRequestComparison): Reply {
  const id = formatId('changeRequest', cr.id);
  const title = `*${id}* “${escape(cr.name)}”: \`${escape(from.name)}\` against \`${escape(production.name)}\``;
  if (items.length === 0) return { text: `${id} names no customizations to compare.` };
  const lines = items.slice(0, 40).map((i) => `• \`${escape(i.key)}\`${i.proposed ? ' (proposed)' : ''}: ${COMPARED[i.state]}`);
  if (items.length > 40) lines.push(`…and ${items.length - 40} more: \`sandbox cr compare ${id}\` lists all.`);
  return { text: `${id} compared`, blocks: [section(title), section(lines.join('\n'))] };
}
