import type { KnownBlock, View } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import type { RunWithLines } from '../../domain/services/queries.ts';
import { codeBlocks, context, divider, duration, escape, section, slackDate, mention } from '../blocks/format.ts';
import { callbacks } from '../ids.ts';
import { modal } from './common.ts';

const time = (at: Date) => at.toISOString().slice(11, 19);

/** View Logs: message, user, timestamps, status and the log lines of each run, as many as a modal holds. */
export function logsModal(ref: string, runs: RunWithLines[]): View {
  const blocks: KnownBlock[] = [];
  let truncated = false;
  for (const run of runs) {
    if (blocks.length) blocks.push(divider);
    const took = run.endedAt ? ` · took ${duration(run.endedAt.getTime() - run.startedAt.getTime())}` : '';
    blocks.push(section(`*${formatId('run', run.id)}* ${run.kind} · *${run.status}*${run.message ? `\n>${escape(run.message)}` : ''}`));
    blocks.push(context(`By ${mention(run.user)}`, `Started ${slackDate(run.startedAt)}${run.endedAt ? `, ended ${slackDate(run.endedAt)}` : ''}${took}`, 'Times in the log are UTC'));
    const chunks = codeBlocks(run.lines.map((l) => `${time(l.at)} ${l.level.padEnd(5)} ${l.text}`));
    for (const chunk of chunks) {
      if (blocks.length >= 96) {
        truncated = true;
        break;
      }
      blocks.push(section(chunk));
    }
  }
  if (runs.length === 0) blocks.push(section(`${escape(ref)} has no runs yet.`));
  if (truncated) blocks.push(context(`The log is longer than a Slack view holds: \`sandbox logs ${ref}\` or \`/sandbox report\` has every line.`));
  return modal({ callbackId: callbacks.logs, title: `Logs ${ref}`, close: 'Close', blocks });
}
