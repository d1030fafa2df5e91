import type { View } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import type { ChangeRequest, Instance } from '../../domain/types.ts';
import { escape, section } from '../blocks/format.ts';
import { callbacks, fields } from '../ids.ts';
import { type ModalMetadata, modal, plain, selectInput, textInput } from './common.ts';

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;

export function changeRequestModal(metadata: ModalMetadata): View {
  return modal({
    callbackId: callbacks.newChangeRequest,
    title: 'New change request',
    submit: 'Create',
    metadata,
    blocks: [
      section('A change request governs changes to production: once approved, sends to production may carry it.'),
      textInput(fields.name, 'Name', { maxLength: 200 }),
      selectInput(fields.type, 'Change type', CHANGE_TYPES.map((t) => ({ text: t, value: t })), { initial: 'normal' }),
      textInput(fields.overview, 'Overview', { multiline: true, placeholder: 'What changes, why, and what could go wrong' }),
      textInput(fields.customizations, 'Customizations', { multiline: true, optional: true, placeholder: 'Layout/Account, Workflow/Onboarding', hint: 'Component keys (Type/Name), separated by commas or lines; keys that do not exist yet are recorded as proposed.' }),
      {
        type: 'input',
        block_id: fields.approvers,
        optional: true,
        label: plain('Additional approvers'),
        element: { type: 'multi_users_select', action_id: 'value' },
      },
    ],
  });
}

/** Sync CR: which lower instance will work on the change request. */
export function syncChangeRequestModal(cr: ChangeRequest, instances: Instance[], metadata: ModalMetadata): View {
  const id = formatId('changeRequest', cr.id);
  const current = instances.find((i) => i.id === cr.workedInInstanceId);
  return modal({
    callbackId: callbacks.syncChangeRequest,
    title: 'Sync CR',
    submit: 'Sync CR',
    metadata: { ...metadata, changeRequestId: cr.id },
    blocks: [
      section(`*${id}: ${escape(cr.name)}* will be worked on in the instance you choose: its sends carry ${id}, and its proposed customizations are expected there.`),
      selectInput(fields.instance, 'Instance', instances.map((i) => ({ text: i.name, value: i.name })), { initial: current?.name }),
    ],
  });
}
