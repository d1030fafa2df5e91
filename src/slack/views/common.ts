import type { KnownBlock, View } from '@slack/types';
import type { Change } from '../../domain/types.ts';
import { clip } from '../blocks/format.ts';
import { fields } from '../ids.ts';

export const plain = (text: string) => ({ type: 'plain_text' as const, text });

/** A modal with Slack's 24-character limits on title and buttons kept. */
export function modal(o: { callbackId: string; title: string; blocks: KnownBlock[]; submit?: string; close?: string; metadata?: object }): View {
  return {
    type: 'modal',
    callback_id: o.callbackId,
    title: plain(clip(o.title, 24)),
    ...(o.submit ? { submit: plain(clip(o.submit, 24)) } : {}),
    close: plain(clip(o.close ?? 'Cancel', 24)),
    blocks: o.blocks.slice(0, 100),
    private_metadata: JSON.stringify(o.metadata ?? {}),
  };
}

export function textInput(blockId: string, label: string, o: { multiline?: boolean; optional?: boolean; hint?: string; placeholder?: string; initial?: string; maxLength?: number } = {}): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    optional: o.optional ?? false,
    ...(o.hint ? { hint: plain(clip(o.hint, 2000)) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: 'value',
      multiline: o.multiline ?? false,
      max_length: o.maxLength ?? 3000,
      ...(o.placeholder ? { placeholder: plain(clip(o.placeholder, 150)) } : {}),
      ...(o.initial ? { initial_value: o.initial } : {}),
    },
  };
}

export interface Choice {
  text: string;
  value: string;
}

export function selectInput(blockId: string, label: string, choices: Choice[], o: { initial?: string; optional?: boolean; hint?: string } = {}): KnownBlock {
  const options = choices.slice(0, 100).map((c) => ({ text: plain(clip(c.text, 75)), value: c.value.slice(0, 75) }));
  const initial = options.find((opt) => opt.value === o.initial);
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    optional: o.optional ?? false,
    ...(o.hint ? { hint: plain(clip(o.hint, 2000)) } : {}),
    element: { type: 'static_select', action_id: 'value', options, ...(initial ? { initial_option: initial } : {}) },
  };
}

/** Values of a submitted modal, read by block id (every input's action id is `value`). */
export type SubmittedValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[]; selected_users?: string[] }>>;

export function readValue(values: SubmittedValues, blockId: string): string {
  const v = values[blockId]?.value;
  return (v?.value ?? v?.selected_option?.value ?? '').trim();
}

export const readChecked = (values: SubmittedValues, blockId: string) => (values[blockId]?.value?.selected_options?.length ?? 0) > 0;
/** The options chosen in a checkbox or multi-select field; undefined when the modal has no such field. */
export const readSelected = (values: SubmittedValues, blockId: string) => values[blockId]?.value?.selected_options?.map((o) => o.value);
export const readUsers = (values: SubmittedValues, blockId: string) => values[blockId]?.value?.selected_users ?? [];

/** What a modal remembers between opening and submission: where to answer, and what it is about. */
export interface ModalMetadata {
  channel?: string;
  instance?: string;
  requestId?: number;
  changeRequestId?: number;
  environment?: string;
}

export function readMetadata(raw: string | undefined): ModalMetadata {
  try {
    return JSON.parse(raw || '{}') as ModalMetadata;
  } catch {
    return {};
  }
}

/** A modal that only says something (a refusal after submission, or what happens next). */
export const messageModal = (title: string, text: string, callbackId: string): View =>
  modal({ callbackId, title, close: 'Close', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } }] });

/** Slack shows at most 10 checkboxes, and 100 options in a multi-select; an option's value holds 150 characters. */
export const SLACK_CHOICES = { checkboxes: 10, multiSelect: 100, value: 150 };

export const ACTION_MARK = { add: '+', modify: '~', delete: '−' } as const;

/** Components as options: `~ Layout/Account`, valued by key. */
export const componentOptions = (changes: readonly Change[]) => changes.map((c) => ({ text: plain(clip(`${ACTION_MARK[c.action]} ${c.key}`, 75)), value: c.key }));

/** Changed components as checkboxes, all ticked (block `fields.only`), where Slack shows them all at once; else undefined. */
export function componentCheckboxes(changes: readonly Change[], label: string): (KnownBlock & { block_id: string }) | undefined {
  if (changes.length === 0 || changes.length > SLACK_CHOICES.checkboxes || changes.some((c) => c.key.length > SLACK_CHOICES.value)) return undefined;
  const options = componentOptions(changes);
  return { type: 'input', block_id: fields.only, label: plain(label), element: { type: 'checkboxes', action_id: 'value', options, initial_options: options } };
}
