import { formatId } from '../../../domain/ids.ts';
import { escape } from '../../blocks/format.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { onSubmit } from './submission.ts';

/** The deploy confirmation: the request is deployed, its log threaded under its card. */
export const deploySubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'deploy', {
    fields: [],
    work: ({ user, metadata }) => deps.services.deploy(actorOf(user), metadata.requestId!),
    done: (r, { reply }) =>
      reply(
        r.succeeded
          ? `:tada: ${formatId('request', r.request.id)} is deployed (${formatId('run', r.run.id)}).`
          : `:x: The deployment of ${formatId('request', r.request.id)} failed: ${escape(r.reason ?? '')}. The target is unchanged; the log is in the thread.`,
      ),
  });
