import { formatId } from '../../../domain/ids.ts';
import { fields } from '../../ids.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { readValue } from '../../views/common.ts';
import { onSubmit, required, onlyErrors } from './submission.ts';
import { mention } from '../../blocks/format.ts';

/** The reject modal of a request: its reason goes to the requester. */
export const rejectSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'reject', {
    fields: [fields.reason],
    check: ({ values }) => onlyErrors({ [fields.reason]: required(readValue(values, fields.reason), 'Say why: the requester is told this reason.') }),
    work: ({ user, values, metadata }) => deps.services.reject(actorOf(user), metadata.requestId!, readValue(values, fields.reason)),
    done: (request, { reply }) => reply(`:no_entry: You rejected ${formatId('request', request.id)}; ${mention(request.requester)} is told why.`),
  });
