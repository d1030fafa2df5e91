import { formatId } from '../../../domain/ids.ts';
import { describeState } from '../../../domain/states.ts';
import { escape } from '../../blocks/format.ts';
import { fields } from '../../ids.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { readUsers, readValue } from '../../views/common.ts';
import { onSubmit, required, onlyErrors } from './submission.ts';

/** The new change request modal: a draft is created. */
export const newChangeRequestSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'cr new', {
    fields: [fields.name, fields.type, fields.overview, fields.customizations, fields.approvers],
    check: ({ values }) =>
      onlyErrors({
        [fields.name]: required(readValue(values, fields.name), 'Give the change request a name.'),
        [fields.overview]: required(readValue(values, fields.overview), 'Say what changes and why.'),
      }),
    work: ({ user, values }) =>
      deps.services.changeRequests.create(actorOf(user), {
        name: readValue(values, fields.name),
        type: readValue(values, fields.type) || 'normal',
        overview: readValue(values, fields.overview),
        customizations: readValue(values, fields.customizations).split(/[,\n]+/).map((key) => key.trim()).filter(Boolean), // keys may hold spaces
        additionalApprovers: readUsers(values, fields.approvers),
      }),
    done: (cr, { reply }) => {
      const id = formatId('changeRequest', cr.id);
      return reply(`:memo: Created *${id}* “${escape(cr.name)}” (${cr.type}, ${describeState(cr.state)}). Submit it for approval with \`/sandbox cr submit ${id}\`.`);
    },
  });
