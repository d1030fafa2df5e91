import { formatId } from '../../domain/ids.ts';
import type { PostedMessages } from '../../domain/ports.ts';
import type { Chat } from '../chat.ts';
import { type Parent, postReplies } from './replies.ts';

// A run that prints more than a thread can take (a target's command printing 100,000 lines): the thread shows what
// it can, a second at least between replies, says how many lines it leaves out, and gets the whole log as a file
// once the run ended. The log itself is stored whole whatever the thread shows (View Logs, `sandbox logs`).

/** Lines waiting for the thread at most: older ones are left out (counted) when a run prints faster than it can post. */
export const THREAD_BACKLOG = 400;
/** Replies of log lines a thread gets at most; later lines are left out, and the file has them. */
export const THREAD_REPLIES = 40;
/** Stored lines read at a time to make the file. */
const PAGE = 5_000;

const number = (n: number) => n.toLocaleString('en-US');

/** The reply that stands for lines the thread leaves out. */
export const leftOutNote = (count: number) => `… ${number(count)} ${count === 1 ? 'line' : 'lines'} not shown here: the whole log comes as a file in this thread once the run ends.`;

type Deps = { chat: Chat; messages: PostedMessages };

/**
 * The stored lines of an ended run from line `from` on into its thread (a recovery, a card posted late): each line,
 * or when they are more than a thread takes, the whole log as a file. `posted` learns how many lines are dealt with.
 */
export async function postStoredLines(deps: Deps, parent: Parent, runId: number, from: number, posted: (count: number) => Promise<void>) {
  const first = await deps.messages.linesFrom(runId, from, THREAD_BACKLOG + 1);
  if (first.length <= THREAD_BACKLOG) return postReplies(deps.chat, parent, first, { posted });
  const count = await uploadWholeLog(deps, parent, runId);
  await posted(count - from);
}

/** The run's whole stored log as a file in its thread, read a page at a time: `RUN-45.log`, a line per log line. Answers its count of lines. */
export async function uploadWholeLog(deps: Deps, parent: Parent, runId: number): Promise<number> {
  const chunks: Buffer[] = [];
  let count = 0;
  for (;;) {
    const page = await deps.messages.logText(runId, count, PAGE);
    chunks.push(Buffer.from(page.text));
    count += page.count;
    if (page.count < PAGE) break;
  }
  const id = formatId('run', runId);
  await deps.chat.upload({
    channel: parent.channel,
    threadTs: parent.ts,
    filename: `${id}.log`,
    bytes: Buffer.concat(chunks),
    title: `The log of ${id}`,
    altText: `The whole log of ${id}, ${number(count)} lines`,
    comment: `:page_facing_up: The whole log of ${id}: ${number(count)} lines.`,
  });
  return count;
}
