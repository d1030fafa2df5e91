import { count } from '../../../domain/pipeline.ts';
import { escape } from '../../blocks/format.ts';
import { fields } from '../../ids.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { readValue } from '../../views/common.ts';
import { onSubmit } from './submission.ts';

/** The sync modal: the chosen source is merged into the instance. */
export const syncSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'sync', {
    fields: [fields.source],
    work: ({ user, values, metadata }) => deps.services.sync(actorOf(user), metadata.instance!, readValue(values, fields.source)),
    done: async (r, { reply }) => {
      const conflicts = r.conflicts.length ? `\n:warning: ${count(r.conflicts.length, 'conflict')} kept as yours: ${r.conflicts.slice(0, 10).map((k) => `\`${escape(k)}\``).join(', ')}` : '';
      await reply(`:arrows_counterclockwise: Synced *${escape(r.instance.name)}* with ${escape(r.source.name)}: taken ${r.taken.length}, kept ${r.kept.length}, conflicts ${r.conflicts.length}.${conflicts}`);
    },
  });
