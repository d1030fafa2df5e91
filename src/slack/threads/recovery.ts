import type { UnfinishedThread } from '../../domain/ports.ts';
import { runParent } from '../blocks/run-message.ts';
import { isRefusal } from '../chat.ts';
import { onRequestCard } from './live-thread.ts';
import { postStoredLines } from './long-logs.ts';
import { type Parent, TAKEN_OVER } from './replies.ts';
import type { ThreadLogDeps } from './thread-log.ts';

type Shown = ReturnType<typeof runParent>;

const reason = (error: unknown) => (error as Error).message;

/**
 * Completes the threads of ended runs that nobody is writing (their writer died, or gave up while Slack failed),
 * except those of `handledHere`. Resolves with how many threads it completed or moved on.
 */
export async function completeUnfinishedThreads(deps: ThreadLogDeps, handledHere: (runId: number) => boolean): Promise<number> {
  const unfinished = await deps.messages.unfinishedThreads().catch((error) => {
    deps.logger.warn(`Could not look for unfinished threads: ${reason(error)}`);
    return [];
  });
  // A run still handled here is left to its RunThread until the run's last lines are stored and it has let go.
  const left = unfinished.filter((t) => !handledHere(t.run.id));
  const moved = await Promise.all(
    left.map((t) =>
      complete(deps, t).catch((error) => {
        deps.logger.warn(`Could not resume the thread of ${t.subject}: ${reason(error)}`);
        return false;
      }),
    ),
  );
  return moved.filter(Boolean).length;
}

/** Takes the thread over, then writes what it lacks; true when it got further. */
async function complete(deps: ThreadLogDeps, thread: UnfinishedThread): Promise<boolean> {
  if (!(await deps.messages.takeThread(thread.subject, thread.writer))) return false;
  const progress = { posted: firstUnposted(thread), moved: false };
  try {
    await writeRest(deps, thread, progress);
    return true;
  } catch (error) {
    if (!isRefusal(error)) {
      deps.logger.warn(`The thread of ${thread.subject} is not complete yet: ${reason(error)}`);
      return progress.moved;
    }
    deps.logger.error(`Slack refused the thread of ${thread.subject} (${reason(error)}); it stays as it is, and its whole log is in View Logs.`);
    await deps.messages.completeThread(thread.subject, progress.posted);
    return true;
  }
}

/** The thread's parent as it was recorded, or else the run's card, or else its own message, posted now. */
async function parentOf(deps: ThreadLogDeps, thread: UnfinishedThread, final: () => Promise<Shown>): Promise<Parent | undefined> {
  if (thread.ts) return { channel: thread.channel, ts: thread.ts };
  if (onRequestCard(thread.run)) return deps.cards.posted(thread.run.requestId);
  return deps.chat.post({ channel: thread.channel, ...(await final()) });
}

/**
 * The parent if it was never posted, the remaining lines in order, then the final state (a card's from the database);
 * `progress` follows along.
 */
async function writeRest(deps: ThreadLogDeps, thread: UnfinishedThread, progress: { posted: number; moved: boolean }) {
  const { chat, messages } = deps;
  const record = async (parent: Parent) => {
    progress.moved = true;
    if (!(await messages.recordThread(thread.subject, { ...parent, linesPosted: progress.posted }))) throw new Error(TAKEN_OVER);
  };
  const final = async () => runParent(thread.run, await deps.subjectOf(thread.run), undefined, new Date());
  const parent = await parentOf(deps, thread, final);
  if (!parent) throw new Error('its request’s card could not be posted');
  if (!thread.ts) await record(parent);
  await postStoredLines(deps, parent, thread.run.id, progress.posted, async (count) => {
    progress.posted += count;
    await record(parent);
  });
  if (onRequestCard(thread.run)) await deps.onRunChanged?.(thread.run);
  else await chat.update({ ...parent, ...(await final()) });
  await messages.completeThread(thread.subject, progress.posted);
}

/**
 * The first stored line the thread lacks. A run the recovery ended has that recovery's line last, which its writer
 * never saw; the writer may have posted lines it never stored (it died first), so its count can run past the others.
 */
function firstUnposted(thread: UnfinishedThread): number {
  if (thread.run.status !== 'interrupted') return thread.linesPosted;
  return Math.max(0, Math.min(thread.linesPosted, thread.lines - 1));
}
