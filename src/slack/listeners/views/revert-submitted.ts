import { formatId } from '../../../domain/ids.ts';
import { count } from '../../../domain/pipeline.ts';
import { escape } from '../../blocks/format.ts';
import { lockSentence } from '../../blocks/outcome.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { fields } from '../../ids.ts';
import { readValue } from '../../views/common.ts';
import { onlyErrors, onSubmit, required } from './submission.ts';

/** The revert confirmation: the latest deployment is undone and its environment locked. */
export const revertSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'revert', {
    fields: [fields.reason],
    check: ({ values }) => onlyErrors({ [fields.reason]: required(readValue(values, fields.reason), 'Say why: it becomes the reason of the lock.') }),
    work: ({ user, values, metadata }) => deps.services.revert(actorOf(user), metadata.environment, readValue(values, fields.reason)),
    done: (r, { reply }) =>
      reply(`:rewind: ${formatId('request', r.request.id)} is reverted in ${escape(r.environment.name)}: ${count(r.restored, 'component')} restored.${lockSentence({ ...r.environment, lock: r.lock })}`),
  });
