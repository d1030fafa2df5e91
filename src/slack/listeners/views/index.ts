import type { App } from '@slack/bolt';
import { InvalidInputError } from '../../../domain/errors.ts';
import { formatId, parseId } from '../../../domain/ids.ts';
import { count, mention } from '../../../domain/pipeline.ts';
import { describeState } from '../../../domain/states.ts';
import { escape } from '../../blocks/format.ts';
import { describeChanges } from '../../blocks/request-card.ts';
import { actorOf, type SlackDeps } from '../../context.ts';
import { callbacks, fields } from '../../ids.ts';
import { readChecked, readUsers, readValue } from '../../views/common.ts';
import { onSubmit } from './submission.ts';

const required = (value: string, message: string) => (value ? undefined : message);
const onlyErrors = (errors: Record<string, string | undefined>) => Object.fromEntries(Object.entries(errors).filter(([, v]) => v)) as Record<string, string>;

/** `CR-3`, `3` or a chosen option: the change request a send carries, if any. */
function changeRequestOf(raw: string): number | undefined {
  return raw ? parseId(raw, 'changeRequest').id : undefined;
}

export function register(app: App, deps: SlackDeps) {
  app.view(
    callbacks.send,
    onSubmit(deps, 'send', {
      fields: [fields.message, fields.changeRequest, fields.confirmDrift],
      check: ({ values }) => {
        const cr = readValue(values, fields.changeRequest);
        let crError: string | undefined;
        try {
          changeRequestOf(cr);
        } catch (error) {
          crError = (error as InvalidInputError).message;
        }
        return onlyErrors({ [fields.message]: required(readValue(values, fields.message), 'Say what the changes do: a deployment message is required.'), [fields.changeRequest]: crError });
      },
      work: ({ user, values, metadata }) =>
        deps.services.send(actorOf(user), {
          instance: metadata.instance!,
          message: readValue(values, fields.message),
          changeRequestId: changeRequestOf(readValue(values, fields.changeRequest)),
          confirmDrift: readChecked(values, fields.confirmDrift),
        }),
      done: async (result, { reply }) => {
        const id = formatId('request', result.request.id);
        const next = result.request.state === 'pending_approval' ? `It waits for ${count(result.target.approvals.required, 'approval')}` : 'It needs no approval and waits in the queue';
        const warnings = result.warnings.map((w) => `\n:warning: ${w}`).join('');
        await reply(`:outbox_tray: Sent ${describeChanges(result.summary)} as *${id}* to ${escape(result.targetInstance.name)} (${escape(result.target.name)}). ${next}.${warnings}`);
      },
    }),
  );

  app.view(
    callbacks.sync,
    onSubmit(deps, 'sync', {
      fields: [fields.source],
      work: ({ user, values, metadata }) => deps.services.sync(actorOf(user), metadata.instance!, readValue(values, fields.source)),
      done: async (r, { reply }) => {
        const conflicts = r.conflicts.length ? `\n:warning: ${count(r.conflicts.length, 'conflict')} kept as yours: ${r.conflicts.slice(0, 10).map((k) => `\`${escape(k)}\``).join(', ')}` : '';
        await reply(`:arrows_counterclockwise: Synced *${escape(r.instance.name)}* with ${escape(r.source.name)}: taken ${r.taken.length}, kept ${r.kept.length}, conflicts ${r.conflicts.length}.${conflicts}`);
      },
    }),
  );

  app.view(
    callbacks.reject,
    onSubmit(deps, 'reject', {
      fields: [fields.reason],
      check: ({ values }) => onlyErrors({ [fields.reason]: required(readValue(values, fields.reason), 'Say why: the requester is told this reason.') }),
      work: ({ user, values, metadata }) => deps.services.reject(actorOf(user), metadata.requestId!, readValue(values, fields.reason)),
      done: (request, { reply }) => reply(`:no_entry: You rejected ${formatId('request', request.id)}; ${mention(request.requester)} is told why.`),
    }),
  );

  app.view(
    callbacks.rejectChangeRequest,
    onSubmit(deps, 'cr reject', {
      fields: [fields.reason],
      check: ({ values }) => onlyErrors({ [fields.reason]: required(readValue(values, fields.reason), 'Say why: the creator is told this reason.') }),
      work: ({ user, values, metadata }) => deps.services.changeRequests.reject(actorOf(user), metadata.changeRequestId!, readValue(values, fields.reason)),
      done: (cr, { reply }) => reply(`:no_entry: You rejected ${formatId('changeRequest', cr.id)}; ${mention(cr.createdBy)} is told why.`),
    }),
  );

  app.view(
    callbacks.deploy,
    onSubmit(deps, 'deploy', {
      fields: [],
      work: ({ user, metadata }) => deps.services.deploy(actorOf(user), metadata.requestId!),
      done: (r, { reply }) =>
        reply(
          r.succeeded
            ? `:tada: ${formatId('request', r.request.id)} is deployed (${formatId('run', r.run.id)}).`
            : `:x: The deployment of ${formatId('request', r.request.id)} failed: ${escape(r.reason ?? '')}. The target is unchanged; the log is in the thread.`,
        ),
    }),
  );

  app.view(
    callbacks.revert,
    onSubmit(deps, 'revert', {
      fields: [],
      work: ({ user, metadata }) => deps.services.revert(actorOf(user), metadata.environment),
      done: (r, { reply }) =>
        reply(`:rewind: ${formatId('request', r.request.id)} is reverted in ${escape(r.environment.name)}: ${count(r.restored, 'component')} restored. ${escape(r.environment.name)} is locked until someone unlocks it.`),
    }),
  );

  app.view(
    callbacks.newChangeRequest,
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
    }),
  );
}
