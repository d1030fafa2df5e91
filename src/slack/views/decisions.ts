import type { View } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import type { RequestOverview } from '../../domain/services/queries.ts';
import type { Change, DeploymentRequest, Environment } from '../../domain/types.ts';
import { escape, section } from '../blocks/format.ts';
import { describeChanges } from '../blocks/request-card.ts';
import { callbacks, fields } from '../ids.ts';
import { componentCheckboxes, type ModalMetadata, modal, textInput } from './common.ts';

const reasonInput = (id: string, who: string) =>
  textInput(fields.reason, 'Reason', { multiline: true, placeholder: 'What must change before this can go ahead?', hint: `The ${who} is told this reason. One rejection ends ${id}.` });

export function rejectModal(requestId: number, metadata: ModalMetadata): View {
  const id = formatId('request', requestId);
  return modal({ callbackId: callbacks.reject, title: `Reject ${id}`, submit: 'Reject', metadata: { ...metadata, requestId }, blocks: [reasonInput(id, 'requester')] });
}

export function rejectChangeRequestModal(changeRequestId: number, metadata: ModalMetadata): View {
  const id = formatId('changeRequest', changeRequestId);
  return modal({ callbackId: callbacks.rejectChangeRequest, title: `Reject ${id}`, submit: 'Reject', metadata: { ...metadata, changeRequestId }, blocks: [reasonInput(id, 'creator')] });
}

export function deployModal(o: RequestOverview, metadata: ModalMetadata): View {
  const id = formatId('request', o.request.id);
  return modal({
    callbackId: callbacks.deploy,
    title: `Deploy ${id}`,
    submit: 'Deploy',
    metadata: { ...metadata, requestId: o.request.id },
    blocks: [
      section(`Deploy *${id}* (${describeChanges(o.summary)}) from *${escape(o.source.name)}* to *${escape(o.target.name)}* in ${escape(o.environment.name)}?\n>${escape(o.request.message)}`),
      section('Dependencies and validation run first; the deployment is all-or-nothing, and its log goes into the thread of the request’s card.'),
    ],
  });
}

export function revertModal(request: DeploymentRequest, env: Environment, metadata: ModalMetadata, components: Change[] = []): View {
  const id = formatId('request', request.id);
  const choice = componentCheckboxes(components, 'Components to revert');
  return modal({
    callbackId: callbacks.revert,
    title: 'Revert Changes',
    submit: 'Revert Changes',
    metadata: { ...metadata, environment: env.name, requestId: request.id },
    blocks: [
      section(`Revert *${id}*, the latest deployment to *${escape(env.name)}*?\n>${escape(request.message)}`),
      section(`This restores every component it changed to the state before it was deployed, locks ${escape(env.name)} until someone unlocks it, and bars these changes from being deployed again as-is.`),
      ...(choice ? [choice] : []),
      textInput(fields.reason, 'Reason', { multiline: true, placeholder: 'What went wrong?', hint: `The lock on ${env.name} shows it: “reverted: <your reason>”.` }),
    ],
  });
}
