import { formatId } from '../../../domain/ids.ts';
import { codeReply } from '../../blocks/replies.ts';
import { escape } from '../../blocks/format.ts';
import { fields } from '../../ids.ts';
import { type SlackDeps, actorOf } from '../../listener-deps.ts';
import { readValue } from '../../views/common.ts';
import { conflictBlocks } from '../../views/conflicts.ts';
import { onSubmit } from './submission.ts';

/**
 * The sync modal: the chosen source is merged into the instance. The answer is private, with the run's log: a sync of
 * a sandbox is its user's business (see live-thread.ts), so its log is threaded in no channel.
 */
export const syncSubmitted = (deps: SlackDeps) =>
  onSubmit(deps, 'sync', {
    fields: [fields.source],
    work: ({ user, values, metadata }) => deps.services.sync(actorOf(user), metadata.instance!, readValue(values, fields.source)),
    done: async (r, { reply }) => {
      const summary = `:arrows_counterclockwise: Synced *${escape(r.instance.name)}* with ${escape(r.source.name)}: taken ${r.taken.length}, kept ${r.kept.length}, conflicts ${r.conflicts.length}.`;
      const runId = formatId('run', r.run.id);
      const [run] = await deps.services.logs(runId);
      const log = (run?.lines ?? []).map((l) => l.text).join('\n');
      const answer = codeReply(summary, log || 'No log lines.', `\`/sandbox logs ${runId}\` shows it whole.`);
      await reply({ ...answer, blocks: [...answer.blocks!, ...conflictBlocks(r.instance.name, r.conflicts)] });
    },
  });
