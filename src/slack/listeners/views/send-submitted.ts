import type { InvalidInputError } from '../../../domain/errors.ts';
import { formatId, parseId } from '../../../domain/ids.ts';
import { count } from '../../../domain/pipeline.ts';
import { escape, inSlack } from '../../blocks/format.ts';
import { describeChanges } from '../../blocks/request-card.ts';
import { fields } from '../../ids.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { readChecked, readSelected, readValue, type SubmittedValues } from '../../views/common.ts';
import { onSubmit, required, onlyErrors } from './submission.ts';

/** `CR-3`, `3` or a chosen option: the change request a send carries, if any. */
function changeRequestOf(raw: string): number | undefined {
  return raw ? parseId(raw, 'changeRequest').id : undefined;
}

/** What the sender left out: chosen in a multi-select, or written one key per line where there were too many. */
function leftOut(values: SubmittedValues): string[] | undefined {
  const keys = readSelected(values, fields.except) ?? readValue(values, fields.except).split('\n').map((k) => k.trim()).filter(Boolean);
  return keys.length ? keys : undefined;
}

/** The send modal: the changes (those ticked, or all but those left out) go to the next environment up. */
export const sendSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'send', {
    fields: [fields.only, fields.except, fields.message, fields.changeRequest, fields.confirmDrift],
    check: ({ values }) => {
      const cr = readValue(values, fields.changeRequest);
      let crError: string | undefined;
      try {
        changeRequestOf(cr);
      } catch (error) {
        crError = (error as InvalidInputError).message;
      }
      const ticked = readSelected(values, fields.only);
      return onlyErrors({
        [fields.only]: ticked?.length === 0 ? 'Tick at least one component: a send carries something.' : undefined,
        [fields.message]: required(readValue(values, fields.message), 'Say what the changes do: a deployment message is required.'),
        [fields.changeRequest]: crError,
      });
    },
    work: ({ user, values, metadata }) =>
      deps.services.send(actorOf(user), {
        instance: metadata.instance!,
        message: readValue(values, fields.message),
        changeRequestId: changeRequestOf(readValue(values, fields.changeRequest)),
        confirmDrift: readChecked(values, fields.confirmDrift),
        only: readSelected(values, fields.only),
        except: leftOut(values),
      }),
    done: async (result, { reply }) => {
      const id = formatId('request', result.request.id);
      const next = result.request.state === 'pending_approval' ? `It waits for ${count(result.target.approvals.required, 'approval')}` : 'It needs no approval and waits in the queue';
      const warnings = result.warnings.map((w) => `\n:warning: ${inSlack(w)}`).join('');
      await reply(`:outbox_tray: Sent ${describeChanges(result.summary)} as *${id}* to ${escape(result.targetInstance.name)} (${escape(result.target.name)}). ${next}.${warnings}`);
    },
  });
