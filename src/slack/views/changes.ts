import type { KnownBlock, View } from '@slack/types';
import type { ComponentDiff } from '../../domain/diff.ts';
import { formatId } from '../../domain/ids.ts';
import { count } from '../../domain/pipeline.ts';
import type { Change } from '../../domain/types.ts';
import { codeBlocks, context, escape, section } from '../blocks/format.ts';
import { actions, callbacks } from '../ids.ts';
import { ACTION_MARK, componentOptions, modal, plain, SLACK_CHOICES } from './common.ts';

/** Code blocks of one diff a modal shows (each up to 2,900 characters): beyond, the diff goes to the card's thread. */
export const MODAL_DIFF_BLOCKS = 10;

const DONE = { add: 'added', modify: 'modified', delete: 'deleted' } as const;

/** The file a diff too long for a modal is uploaded as: `Layout-Account.diff`. */
export const diffFileName = (key: string) => `${key.replace(/[^\w.-]+/g, '-')}.diff`;

/** Whether a diff fits in the View changes modal. */
export const fitsInModal = (diff: ComponentDiff) => codeBlocks(diff.diff.split('\n')).length <= MODAL_DIFF_BLOCKS;

/**
 * View changes: the components of a request to choose from, and the diff of the one chosen, readable in Slack; a
 * diff too long for a modal is said to be in the card's thread as a file (`uploadedTo`: where).
 */
export function changesModal(o: { requestId: number; changes: Change[]; shown: ComponentDiff; uploadedTo?: string }): View {
  const id = formatId('request', o.requestId);
  const options = componentOptions(o.changes.slice(0, SLACK_CHOICES.multiSelect));
  const initial = options.find((option) => option.value === o.shown.key);
  const blocks: KnownBlock[] = [
    section(`*${id}* changes ${count(o.changes.length, 'component')}: choose one to see its diff against what the target held when it was sent.`),
    {
      type: 'actions',
      block_id: 'component',
      elements: [{ type: 'static_select', action_id: actions.changesComponent, placeholder: plain('Component'), options, ...(initial ? { initial_option: initial } : {}) }],
    },
  ];
  if (o.changes.length > SLACK_CHOICES.multiSelect) blocks.push(context(`The first ${SLACK_CHOICES.multiSelect} are listed: \`sandbox diff ${id} --key <component>\` shows any of them.`));
  blocks.push(section(`*${ACTION_MARK[o.shown.action]} ${escape(o.shown.key)}* (${DONE[o.shown.action]})`));
  if (o.shown.cutOff) blocks.push(section(`:hourglass: ${escape(o.shown.cutOff)}`));
  else if (fitsInModal(o.shown)) blocks.push(...codeBlocks(o.shown.diff.split('\n')).map((chunk) => section(chunk)));
  else blocks.push(section(`:page_facing_up: This diff is too long for a modal: it is in ${o.uploadedTo ?? "the card's thread"} as \`${diffFileName(o.shown.key)}\`. \`sandbox diff ${id} --key ${escape(o.shown.key)}\` prints it too.`));
  return modal({ callbackId: callbacks.changes, title: `Changes ${id}`, close: 'Close', blocks, metadata: { requestId: o.requestId } });
}
