import type { KnownBlock, View } from '@slack/types';
import type { ComponentDiff } from '../../domain/diff.ts';
import { count } from '../../domain/pipeline.ts';
import type { ConflictDetails, Keep } from '../../domain/services/conflicts.ts';
import { actionsBlock, button, codeBlocks, context, escape, section, slackDate } from '../blocks/format.ts';
import { actions, callbacks } from '../ids.ts';
import { modal } from './common.ts';

/** A conflict a button is about: its instance and component, as the button's value. */
export interface ConflictRef {
  instance: string;
  key: string;
}

export const conflictValue = (ref: ConflictRef) => JSON.stringify([ref.instance, ref.key]);

export function readConflictValue(value: string): ConflictRef | undefined {
  try {
    const [instance, key] = JSON.parse(value) as unknown[];
    return typeof instance === 'string' && typeof key === 'string' ? { instance, key } : undefined;
  } catch {
    return undefined;
  }
}

/** Conflicts listed with Resolve; beyond `max`, a line says how many more and where to see them all. */
export function conflictBlocks(instance: string, keys: readonly string[], max = 5): KnownBlock[] {
  if (keys.length === 0) return [];
  const blocks: KnownBlock[] = [section(`:warning: *${count(keys.length, 'conflict')}* in ${escape(instance)}: changed here and upstream since the last sync. Yours are kept until you resolve them.`)];
  for (const key of keys.slice(0, max)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`${escape(key)}\`` }, accessory: button('Resolve', actions.resolveConflict, conflictValue({ instance, key })) });
  }
  if (keys.length > max) blocks.push(context(`…and ${keys.length - max} more: \`/sandbox resolve ${escape(instance)}\` lists them all.`));
  return blocks;
}

/** Code blocks of one side's diff a conflict modal shows; beyond, the command line prints it. */
const SIDE_BLOCKS = 4;

function sideBlocks(title: string, diff: ComponentDiff, whole: string): KnownBlock[] {
  const chunks = codeBlocks(diff.diff.split('\n'));
  if (diff.cutOff) return [section(`${title}\n:hourglass: ${escape(diff.cutOff)}`)];
  if (chunks.length > SIDE_BLOCKS) return [section(`${title}\n:page_facing_up: Too long for a modal: \`${whole}\` prints it.`)];
  return [section(title), ...chunks.map((chunk) => section(chunk))];
}

/** A conflict to resolve: base → mine and base → theirs, with Keep mine and Take theirs. */
export function conflictModal(d: ConflictDetails): View {
  const { instance, conflict: c } = d;
  const ref = conflictValue({ instance: instance.name, key: c.key });
  const whole = `sandbox resolve ${escape(instance.name)} ${escape(c.key)}`;
  const blocks: KnownBlock[] = [
    section(`*${escape(c.key)}* changed in *${escape(instance.name)}* and in *${escape(c.source)}* since they were last in step (found by the sync ${slackDate(c.detectedAt)}).`),
    ...(d.baseKept ? [] : [context('The base was synced before bases were kept: both sides are shown whole.')]),
    ...sideBlocks(`*Mine*: ${escape(instance.name)} now (base → yours)`, d.mine, whole),
    ...sideBlocks(`*Theirs*: ${escape(c.source)} at the sync (base → theirs)`, d.theirs, whole),
    actionsBlock('resolve', [
      button('Keep mine', actions.keepMine, ref, { style: 'primary' }),
      button('Take theirs', actions.takeTheirs, ref, {
        confirm: { title: 'Take theirs?', text: `Your version of \`${escape(c.key)}\` is replaced by ${escape(c.source)}'s.`, confirm: 'Take theirs' },
      }),
    ]),
    context(`*Keep mine*: your version stays and the next send carries it. *Take theirs*: ${escape(c.source)}'s version replaces yours.`),
  ];
  return modal({ callbackId: callbacks.conflict, title: 'Resolve conflict', close: 'Close', blocks, metadata: { instance: instance.name } });
}

/** The conflict modal once resolved: what was decided, and the next open conflict to resolve, if any. */
export function resolvedModal(o: { instance: string; key: string; keep: Keep; removed: boolean; remaining: readonly string[] }): View {
  const outcome =
    o.keep === 'mine'
      ? 'your version stays, and the next send carries it.'
      : o.removed
        ? 'removed, as the synced version has it.'
        : 'the synced version replaces yours.';
  const blocks: KnownBlock[] = [section(`:white_check_mark: Resolved *${escape(o.key)}* in ${escape(o.instance)}: ${outcome}`)];
  const [next] = o.remaining;
  if (next !== undefined) {
    blocks.push(section(`${count(o.remaining.length, 'conflict')} still open in ${escape(o.instance)}.`));
    blocks.push(actionsBlock('next', [button(`Resolve ${next}`, actions.resolveConflict, conflictValue({ instance: o.instance, key: next }))]));
  }
  return modal({ callbackId: callbacks.conflict, title: 'Resolve conflict', close: 'Close', blocks, metadata: { instance: o.instance } });
}
