import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { launcher } from './launcher.ts';

/** One line a command printed, without its line break; a line longer than LINE_LIMIT comes in pieces. */
export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface CommandRun {
  /** Run by `/bin/sh -c`, as written in the configuration. */
  command: string;
  cwd: string;
  /** The whole environment of the command: nothing else of the bot's is passed on. */
  env: Record<string, string>;
  timeoutMs: number;
  /** The longest it may go without printing anything. */
  idleTimeoutMs: number;
  /** Each line as it comes; the next is read once the promise of this one settles, so output never piles up. */
  onLine(line: OutputLine): void | Promise<void>;
  /** Once it runs: the id of its process group (for a recovery after a crash to end it). */
  onStart?(processGroup: number): void;
  /** Ends the command early (a deployment cut short). */
  signal?: AbortSignal;
}

export type CommandEnd = 'exited' | 'timeout' | 'idle' | 'cancelled';

export interface CommandResult {
  ended: CommandEnd;
  /** The exit code (null when it was ended by a signal). */
  code: number | null;
  ok: boolean;
  ms: number;
}

/** Longest line kept whole: longer output without a line break is cut into pieces of this length. */
export const LINE_LIMIT = 16 * 1024;
/** How long a process group has after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs a command in a process group of its own (started by the launcher) and ends the whole group (grandchildren too)
 * on timeout, on silence longer than its idle timeout, when cancelled, and once the command itself has exited: nothing
 * it started is left running. Exit 0 is success.
 */
export async function runCommand(run: CommandRun): Promise<CommandResult> {
  const started = performance.now();
  const child = launcher.start({ command: run.command, cwd: run.cwd, env: run.env });
  const group = await child.started;
  run.onStart?.(group);
  let ended: CommandEnd = 'exited';
  const end = (why: CommandEnd) => {
    if (ended === 'exited') ended = why;
    endGroup(group);
  };
  const timeout = setTimeout(() => end('timeout'), run.timeoutMs);
  let idle = setTimeout(() => end('idle'), run.idleTimeoutMs);
  const heard = () => {
    clearTimeout(idle);
    idle = setTimeout(() => end('idle'), run.idleTimeoutMs);
  };
  const cancel = () => end('cancelled');
  run.signal?.addEventListener('abort', cancel, { once: true });
  if (run.signal?.aborted) cancel();
  try {
    const reading = Promise.all([readLines(child.stdout, 'stdout', run.onLine, heard), readLines(child.stderr, 'stderr', run.onLine, heard)]);
    // Its failure (a line `onLine` could not take) is met below, once the command has ended.
    reading.catch(() => {});
    const code = await child.exited;
    // Whatever it left behind holds its output open: the group ends with it.
    endGroup(group);
    await reading;
    return { ended, code, ok: ended === 'exited' && code === 0, ms: performance.now() - started };
  } finally {
    clearTimeout(timeout);
    clearTimeout(idle);
    run.signal?.removeEventListener('abort', cancel);
  }
}

/** SIGTERM to every process of the group, then SIGKILL to those still there after a grace. */
export function endGroup(group: number) {
  if (!signalGroup(group, 'SIGTERM')) return;
  setTimeout(() => signalGroup(group, 'SIGKILL'), KILL_GRACE_MS).unref();
}

/** False when no process of the group is left. */
function signalGroup(group: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}

/** Reads a stream as lines (cut at LINE_LIMIT), handing each to `onLine` in turn; `heard` marks any output. */
async function readLines(stream: Readable, name: OutputLine['stream'], onLine: CommandRun['onLine'], heard: () => void) {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  for await (const chunk of stream) {
    heard();
    const text = partial + decoder.write(chunk as Buffer);
    let at = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', at)) {
      const line = text.slice(at, end > at && text[end - 1] === '\r' ? end - 1 : end);
      at = end + 1;
      for (const piece of pieces(line)) await onLine({ stream: name, text: piece });
    }
    partial = text.slice(at);
    // A line that goes on without a break is handed on in whole pieces as it comes, not kept whole.
    const whole = partial.length - (partial.length % LINE_LIMIT);
    if (whole > 0) {
      for (const piece of pieces(partial.slice(0, whole))) await onLine({ stream: name, text: piece });
      partial = partial.slice(whole);
    }
    // A turn of the event loop between chunks: a command printing without pause would otherwise hold the loop, and
    // every line, until it stops (the run's log is stored, and its thread posted, meanwhile).
    await new Promise((resolve) => setImmediate(resolve));
  }
  partial += decoder.end();
  if (partial) for (const text of pieces(partial)) await onLine({ stream: name, text });
}

/** A line as pieces of at most LINE_LIMIT characters. */
function pieces(line: string): string[] {
  if (line.length <= LINE_LIMIT) return [line];
  const cut = [];
  for (let at = 0; at < line.length; at += LINE_LIMIT) cut.push(line.slice(at, at + LINE_LIMIT));
  return cut;
}
