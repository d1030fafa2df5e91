import { formatId } from '../../../domain/ids.ts';
import { count } from '../../../domain/pipeline.ts';
import { escape } from '../../blocks/format.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { onSubmit } from './submission.ts';

/** The revert confirmation: the latest deployment is undone and its environment locked. */
export const revertSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'revert', {
    fields: [],
    work: ({ user, metadata }) => deps.services.revert(actorOf(user), metadata.environment),
    done: (r, { reply }) =>
      reply(`:rewind: ${formatId('request', r.request.id)} is reverted in ${escape(r.environment.name)}: ${count(r.restored, 'component')} restored. ${escape(r.environment.name)} is locked until someone unlocks it.`),
  });
