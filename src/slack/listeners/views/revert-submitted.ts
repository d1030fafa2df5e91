import { formatId } from '../../../domain/ids.ts';
import { count } from '../../../domain/pipeline.ts';
import { escape } from '../../blocks/format.ts';
import { lockSentence } from '../../blocks/outcome.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { fields } from '../../ids.ts';
import { readSelected, readValue, type SubmittedValues } from '../../views/common.ts';
import { onlyErrors, onSubmit, required } from './submission.ts';

/** The ticked components when an admin left some of the deployment's unticked; undefined (all of it) otherwise. */
async function onlySome(deps: SlackDeps, values: SubmittedValues, requestId: number | undefined): Promise<string[] | undefined> {
  const ticked = readSelected(values, fields.only);
  if (!ticked || requestId === undefined) return undefined;
  return ticked.length < (await deps.services.changesOf(requestId)).length ? ticked : undefined;
}

/** The revert confirmation: the latest deployment is undone and its environment locked. */
export const revertSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'revert', {
    fields: [fields.only, fields.reason],
    check: ({ values }) =>
      onlyErrors({
        [fields.only]: readSelected(values, fields.only)?.length === 0 ? 'Tick at least one component to revert.' : undefined,
        [fields.reason]: required(readValue(values, fields.reason), 'Say why: it becomes the reason of the lock.'),
      }),
    work: async ({ user, values, metadata }) =>
      deps.services.revert(actorOf(user), metadata.environment, readValue(values, fields.reason), await onlySome(deps, values, metadata.requestId)),
    done: (r, { reply }) =>
      reply(`:rewind: ${r.only ? `${count(r.only.length, 'component')} of ` : ''}${formatId('request', r.request.id)} ${r.only ? 'are' : 'is'} reverted in ${escape(r.environment.name)}: ${count(r.restored, 'component')} restored.${lockSentence({ ...r.environment, lock: r.lock })}`),
  });
