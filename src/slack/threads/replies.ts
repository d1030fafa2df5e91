import type { LogLine } from '../../domain/types.ts';
import { threadLine } from '../blocks/run-message.ts';
import type { Chat } from '../chat.ts';

/** A thread reply holds this much log text at most, so that no post comes near Slack's limits. */
const BATCH_CHARS = 3500;

export type Parent = { channel: string; ts: string };

/** The first of `lines` that fit in one thread reply: its text, and how many lines it holds. */
export function nextReply(lines: readonly LogLine[]): { text: string; count: number } {
  const batch: string[] = [];
  let size = 0;
  for (const line of lines) {
    const text = threadLine(line).slice(0, BATCH_CHARS);
    if (batch.length > 0 && size + text.length + 1 > BATCH_CHARS) break;
    batch.push(text);
    size += text.length + 1;
  }
  return { text: batch.join('\n'), count: batch.length };
}

export interface ReplyProgress {
  /** False once the thread is no longer this process's to write: nothing more is posted. */
  stillMine?(): boolean;
  /** Learns each reply's count of lines once it is in (and records it). */
  posted(count: number): Promise<void> | void;
}

export const TAKEN_OVER = 'another process has taken it over';

/**
 * Posts `lines` into the thread under `parent` in as few replies as the size limit allows, in order, taking each
 * posted line off the front of `lines` (lines pushed meanwhile go out too). Each reply waits for the channel's slot
 * (see Chat). Used by the live thread and by its recovery alike.
 */
export async function postReplies(chat: Chat, parent: Parent, lines: LogLine[], progress: ReplyProgress) {
  while (lines.length) {
    if (progress.stillMine?.() === false) throw new Error(TAKEN_OVER);
    const reply = nextReply(lines);
    await chat.post({ channel: parent.channel, thread_ts: parent.ts, text: reply.text });
    lines.splice(0, reply.count);
    await progress.posted(reply.count);
  }
}
