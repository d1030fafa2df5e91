import { formatId } from '../../../domain/ids.ts';
import { fields } from '../../ids.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { readValue } from '../../views/common.ts';
import { onSubmit, required, onlyErrors } from './submission.ts';
import { mention } from '../../blocks/format.ts';

/** The reject modal of a change request: its reason goes to the creator. */
export const rejectChangeRequestSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'cr reject', {
    fields: [fields.reason],
    check: ({ values }) => onlyErrors({ [fields.reason]: required(readValue(values, fields.reason), 'Say why: the creator is told this reason.') }),
    work: ({ user, values, metadata }) => deps.services.changeRequests.reject(actorOf(user), metadata.changeRequestId!, readValue(values, fields.reason)),
    done: (cr, { reply }) => reply(`:no_entry: You rejected ${formatId('changeRequest', cr.id)}; ${mention(cr.createdBy)} is told why.`),
  });
