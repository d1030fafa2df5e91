import type { ComponentDiff } from '../domain/diff.ts';
import { formatId } from '../domain/ids.ts';
import type { SlackDeps } from './listener-deps.ts';
import { diffFileName } from './views/changes.ts';

/**
 * Puts a diff too long for a modal into its request card's thread as a `.diff` file (without a card, into the
 * viewer's direct messages), once across every process and viewer: the first to claim it uploads it. Answers where
 * it is, as the modal says it.
 */
export async function shareLongDiff(deps: SlackDeps, requestId: number, viewer: string, diff: ComponentDiff): Promise<string> {
  const id = formatId('request', requestId);
  const card = await deps.messages.find(id, 'card');
  const channel = card?.channel ?? (await deps.chat.dmChannel(viewer));
  const where = card ? `the thread of ${id}'s card` : 'your direct messages with the app';
  const subject = `${id} ${diff.key}`;
  // Exclusive even within this process: twenty people clicking at once upload it once.
  if (!(await deps.messages.claimOnce(subject, 'diff', channel))) return where;
  deps.background.start(async () => {
    try {
      await deps.chat.upload({
        channel,
        threadTs: card?.ts,
        filename: diffFileName(diff.key),
        bytes: Buffer.from(diff.diff, 'utf8'),
        title: `${id}: ${diff.key}`,
        altText: `The unified diff of ${diff.key} in ${id}`,
        comment: `:page_facing_up: The diff of *${diff.key}* in ${id}, too long for a modal.`,
      });
      await deps.messages.save({ subject, role: 'diff', channel, ts: card?.ts ?? '', linesPosted: 0 });
    } catch (error) {
      deps.logger.error(`Could not upload the diff of ${diff.key} in ${id}: ${(error as Error).message}`);
      await deps.messages.release(subject, 'diff').catch(() => undefined);
    }
  });
  return where;
}
