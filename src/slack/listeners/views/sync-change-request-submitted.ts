import { changeRequestSyncedText } from '../../blocks/change-request-card.ts';
import { fields } from '../../ids.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { readValue } from '../../views/common.ts';
import { onSubmit } from './submission.ts';

/** The Sync CR modal: the chosen instance works on the change request from now on. */
export const syncChangeRequestSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'cr sync', {
    fields: [fields.instance],
    work: ({ user, values, metadata }) => deps.services.changeRequests.sync(actorOf(user), metadata.changeRequestId!, readValue(values, fields.instance)),
    done: (result, { reply }) => reply(changeRequestSyncedText(result)),
  });
