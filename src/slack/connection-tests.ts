import type { KnownBlock } from '@slack/types';
import type { ConnectionTest } from '../domain/services/connections.ts';
import { connectionTestReply } from './blocks/connections.ts';
import { POST_INTERVAL_MS } from './chat.ts';
import { refusalText } from './errors.ts';
import type { SlackDeps } from './listener-deps.ts';

/**
 * Tests an environment's connections for a person (`/sandbox test`, App Home's Test Connection): a message in their
 * direct messages with the app, edited as results arrive (at most once a second, as Slack allows a channel), whole
 * at the end. `started` is told once the environment is known and the message is there.
 */
export async function testConnectionsFor(deps: SlackDeps, user: string, environment: string, started: () => Promise<void> = async () => {}) {
  let message: Promise<{ channel: string; ts: string }> | undefined;
  let latest: ConnectionTest | undefined;
  let editing: Promise<void> = Promise.resolve();
  let due: NodeJS.Timeout | undefined;
  let editedAt = 0;
  const edit = (reply: { text: string; blocks?: KnownBlock[] }) => {
    editing = editing.then(async () => {
      editedAt = Date.now();
      const where = await message!;
      await deps.chat.update({ ...where, ...reply }).catch((error: Error) => deps.logger.warn(`Could not update a connection test in ${where.channel}: ${error.message}`));
    });
    return editing;
  };
  const testing = deps.services.testConnections(environment, (so) => {
    latest = so;
    if (!message) {
      const first = connectionTestReply(so, false);
      editedAt = Date.now();
      message = deps.chat.dm(user, first.text, first.blocks).then(async (posted) => {
        await started();
        return posted;
      });
      return;
    }
    due ??= setTimeout(() => {
      due = undefined;
      void edit(connectionTestReply(latest!, false));
    }, Math.max(0, editedAt + POST_INTERVAL_MS - Date.now()));
  });
  try {
    const result = await testing;
    clearTimeout(due);
    await edit(connectionTestReply(result, true));
  } catch (error) {
    clearTimeout(due);
    // The message says it stopped, and why; the answer to the command or click says it too.
    if (message) await edit({ text: refusalText(error) });
    throw error;
  }
}
