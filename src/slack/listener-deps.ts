import type { Logger, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Services } from '../domain/services/index.ts';
import type { Actor, PostedMessages } from '../domain/ports.ts';
import type { Reply } from './blocks/replies.ts';
import type { Background } from './background.ts';
import type { Chat } from './chat.ts';
import { logUnexpected, refusalText } from './errors.ts';

/** What every listener gets: the (announcing) services and the ways to talk back. */
export interface SlackDeps {
  services: Services;
  chat: Chat;
  /** Where the app's messages are (cards, threads, uploaded diffs), and who posts each once. */
  messages: PostedMessages;
  logger: Logger;
  /** Where the work after each acknowledgement runs. */
  background: Background;
}

export const actorOf = (user: string): Actor => ({ user, via: 'slack' });

/**
 * Answers one person privately: through the response URL when Slack gave one (commands, buttons in messages),
 * else as an ephemeral message in the channel the work started from, else by direct message.
 */
export function replier(deps: SlackDeps, user: string, where: { respond?: RespondFn; hasResponseUrl?: boolean; channel?: string; client?: WebClient }) {
  return async (reply: Reply | string) => {
    const message = typeof reply === 'string' ? { text: reply } : reply;
    try {
      if (where.respond && where.hasResponseUrl) {
        await where.respond({ response_type: 'ephemeral', replace_original: false, ...message });
        return;
      }
      if (where.channel && !where.channel.startsWith('D')) {
        await deps.chat.client.chat.postEphemeral({ channel: where.channel, user, ...message });
        return;
      }
    } catch (error) {
      deps.logger.warn(`Could not answer ${user} in place (${(error as Error).message}); sending a direct message instead`);
    }
    await deps.chat.dm(user, message.text, message.blocks).catch((error) => deps.logger.error(`Could not message ${user}: ${(error as Error).message}`));
  };
}

export type Replier = ReturnType<typeof replier>;

/**
 * Runs a listener's work after its acknowledgement: a refusal is told to the user, a failure is logged and told too.
 * `hint` adds what fits the place it came from (a command's usage).
 */
export async function answering(deps: SlackDeps, what: string, reply: Replier, work: () => Promise<void>, hint?: (error: unknown) => string) {
  try {
    await work();
  } catch (error) {
    logUnexpected(deps.logger, what, error);
    await reply(`${refusalText(error)}${hint?.(error) ?? ''}`);
  }
}
