import type { KnownBlock, View } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { count } from '../../domain/pipeline.ts';
import type { ChangeRequest, Change, ChangeSummary, Environment, Instance } from '../../domain/types.ts';
import { escape, section } from '../blocks/format.ts';
import { describeChanges } from '../blocks/request-card.ts';
import { callbacks, fields } from '../ids.ts';
import { ACTION_MARK, componentCheckboxes, componentOptions, modal, plain, SLACK_CHOICES, selectInput, textInput } from './common.ts';

export interface SendModalInput {
  instance: Instance;
  env: Environment;
  target: Environment;
  targetInstance: Instance;
  label: string;
  drifted: boolean;
  changes: Change[];
  summary: ChangeSummary;
  changeRequests: ChangeRequest[];
  /** The change request the instance works on (Sync CR): chosen unless the sender picks another. */
  workedOn?: ChangeRequest;
  /** Changed components with sync conflicts nobody resolved: their local versions would be sent. */
  conflicts?: string[];
  channel?: string;
}

/** The send modal: from where to where, what changes, the deployment message and the change request. */
export function sendModal(o: SendModalInput): View {
  const choice = componentsInput(o.changes);
  const blocks: KnownBlock[] = [
    section(`*From* ${escape(o.instance.name)} (${escape(o.env.name)})  →  *To* ${escape(o.targetInstance.name)} (${escape(o.target.name)})`),
    section(
      choice.block_id === fields.only
        ? `*${describeChanges(o.summary)}*: untick what should stay in ${escape(o.instance.name)} for a later send.`
        : `*${describeChanges(o.summary)}*\n${o.changes.slice(0, 15).map((c) => `\`${ACTION_MARK[c.action]} ${escape(c.key)}\``).join('\n')}${o.changes.length > 15 ? `\n…and ${o.changes.length - 15} more` : ''}`,
    ),
  ];
  if (o.target.approvals.requireChangeRequest) {
    blocks.push(section(`:clipboard: *${escape(o.target.name)} requires an approved change request*: choose the one these changes carry below.`));
  }
  if (o.drifted) {
    blocks.push(section(`:warning: *${escape(o.targetInstance.name)} has changed since ${escape(o.instance.name)} last synced with it.* Your changes may conflict there: syncing first is recommended.`));
    blocks.push({
      type: 'input',
      block_id: fields.confirmDrift,
      optional: true,
      label: plain('Drift'),
      element: { type: 'checkboxes', action_id: 'value', options: [{ text: plain('Send anyway, without syncing first'), value: 'yes' }] },
    });
  }
  if (o.conflicts?.length) {
    const keys = o.conflicts.slice(0, 5).map((k) => `\`${escape(k)}\``).join(', ') + (o.conflicts.length > 5 ? ` and ${o.conflicts.length - 5} more` : '');
    blocks.push(section(`:warning: *${count(o.conflicts.length, 'component')} with unresolved sync conflicts* (${keys}): your local versions are sent. To take the synced ones instead, resolve them first (\`/sandbox resolve ${escape(o.instance.name)}\`).`));
  }
  blocks.push(choice);
  blocks.push(textInput(fields.message, 'Deployment message', { multiline: true, placeholder: 'What do these changes do?' }));
  if (o.workedOn) {
    blocks.push(section(`:clipboard: ${escape(o.instance.name)} works on *${formatId('changeRequest', o.workedOn.id)} ${escape(o.workedOn.name)}*: this send carries it.`));
  }
  if (o.changeRequests.length) blocks.push(changeRequestInput(o.target, o.changeRequests, o.workedOn));
  return modal({ callbackId: callbacks.send, title: o.label, submit: 'Send', blocks, metadata: { instance: o.instance.name, channel: o.channel } });
}

/**
 * Which changes the send carries: checkboxes, all ticked, where Slack shows them all at once; else the sender names
 * what to leave out (a multi-select, or one key per line where there are more than it holds).
 */
function componentsInput(changes: Change[]): KnownBlock & { block_id: string } {
  const checkboxes = componentCheckboxes(changes, 'Components to send');
  if (checkboxes) return checkboxes;
  const label = plain('Leave out (the rest is sent)');
  if (changes.length <= SLACK_CHOICES.multiSelect && changes.every((c) => c.key.length <= SLACK_CHOICES.value)) {
    const options = componentOptions(changes);
    return { type: 'input', block_id: fields.except, optional: true, label, element: { type: 'multi_static_select', action_id: 'value', placeholder: plain('Nothing: send every change'), options } };
  }
  return textInput(fields.except, 'Leave out (one component per line; the rest is sent)', { multiline: true, optional: true, placeholder: 'Nothing: send every change' }) as KnownBlock & { block_id: string };
}

/** The approved change requests to choose from (without any, the field is left out: see openSend). */
function changeRequestInput(target: Environment, changeRequests: ChangeRequest[], workedOn?: ChangeRequest): KnownBlock {
  const required = target.approvals.requireChangeRequest;
  const hint = required ? `${target.name} requires one: the deployment checks again that it is still approved.` : 'Optional: a change request this send carries.';
  const choices = changeRequests.map((cr) => ({ text: `${formatId('changeRequest', cr.id)} ${cr.name}`, value: String(cr.id) }));
  return selectInput(fields.changeRequest, 'Change request', choices, { optional: !required, hint, initial: workedOn && String(workedOn.id) });
}
