import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionTest } from '../domain/services/connections.ts';
import { connectionTestReply } from './blocks/connections.ts';
import type { Reply } from './blocks/replies.ts';
import { POST_INTERVAL_MS } from './chat.ts';
import { refusalText } from './errors.ts';
import type { SlackDeps } from './listener-deps.ts';

/**
 * Tests an environment's connections for a person (`/sandbox test`, App Home's Test Connection): a message in their
 * direct messages with the app, edited as results arrive (a second at least between edits, as Slack allows a
 * channel; an edit shows the latest results when it goes), whole at the end. `started` is told once the environment
 * is known and the message is there.
 */
export async function testConnectionsFor(deps: SlackDeps, user: string, environment: string, started: () => Promise<void> = async () => {}) {
  let message: Promise<{ channel: string; ts: string }> | undefined;
  let latest: ConnectionTest | undefined;
  let last: Reply | undefined;
  let editedAt = 0;
  let queued = false;
  let editing: Promise<void> = Promise.resolve();
  const edit = () => {
    if (queued) return editing;
    queued = true;
    editing = editing.then(async () => {
      const where = await message!;
      await sleep(Math.max(0, editedAt + POST_INTERVAL_MS - Date.now()));
      queued = false;
      await deps.chat.update({ ...where, ...(last ?? connectionTestReply(latest!, false)) }).catch((error: Error) => deps.logger.warn(`Could not update a connection test in ${where.channel}: ${error.message}`));
      editedAt = Date.now();
    });
    return editing;
  };
  const testing = deps.services.testConnections(environment, (so) => {
    latest = so;
    if (message) return void edit();
    const first = connectionTestReply(so, false);
    message = deps.chat.dm(user, first.text, first.blocks).then(async (posted) => {
      editedAt = Date.now();
      await started();
      return posted;
    });
  });
  try {
    last = connectionTestReply(await testing, true);
  } catch (error) {
    // The message says it stopped, and why; the answer to the command or the click says it too.
    if (message) last = { text: refusalText(error) };
    throw error;
  } finally {
    if (last) await edit();
  }
}
