import type { KnownBlock } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { listWords } from '../../domain/pipeline.ts';
import type { ChangeRequestDetails } from '../../domain/services/change-requests.ts';
import { describeState } from '../../domain/states.ts';
import { actions } from '../ids.ts';
import { actionsBlock, button, context, escape, section, slackDate, mention } from './format.ts';

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
    case 'approved':
      return `:white_check_mark: *Approved*${by && ` by ${by}`}`;
    default:
      return `:white_check_mark: *${describeState(cr.state)[0]!.toUpperCase()}${describeState(cr.state).slice(1)}*${by && ` · approved by ${by}`}`;
  }
}

/** The approval card of a change request in production's channel; Approve and Reject while it awaits approval. */
export function changeRequestCard(details: ChangeRequestDetails): { text: string; blocks: KnownBlock[] } {
  const cr = details.changeRequest;
  const id = formatId('changeRequest', cr.id);
  const keys = [...cr.customizations.map((k) => `\`${escape(k)}\``), ...cr.proposedCustomizations.map((k) => `\`${escape(k)}\` (proposed)`)];
  const blocks: KnownBlock[] = [
    section(`*${id}: ${escape(cr.name)}* · ${cr.type} change by ${mention(cr.createdBy)}\n>${escape(cr.overview).replace(/\n/g, '\n>')}`),
    context(`Customizations: ${keys.join(', ') || 'none'}`, `Created ${slackDate(cr.createdAt)}`),
    section(stateLine(details)),
  ];
  if (cr.state === 'pending_approval') {
    blocks.push(
      actionsBlock(`change_request:${cr.id}`, [
        button('Approve', actions.approveChangeRequest, String(cr.id), { style: 'primary' }),
        button('Reject', actions.rejectChangeRequest, String(cr.id), { style: 'danger' }),
      ]),
    );
  }
  return { text: `${id} ${cr.name}: ${describeState(cr.state)}`, blocks };
}
