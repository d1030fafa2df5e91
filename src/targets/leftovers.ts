import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endGroup } from './command.ts';

// Commands running on this machine, each recorded in a file while it runs: when the bot dies (killed, crashed), its
// commands go on in their own process groups, and the next start of a bot on this machine ends them.

interface Running {
  run: string;
  group: number;
  /** The bot process that started it. */
  bot: number;
  /** When the group's first process started (Linux), to tell it from a later process given the same id. */
  started: string | null;
}

/** When a process started: field 22 of /proc/<pid>/stat (Linux); null when there is no such process, or no /proc. */
function startOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Records a command as running for `run` in `dir`; the answer forgets it once it has ended. */
export function recordCommand(dir: string, run: string, group: number): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${group}.json`);
  const running: Running = { run, group, bot: process.pid, started: startOf(group) };
  writeFileSync(file, JSON.stringify(running));
  return () => rmSync(file, { force: true });
}

/**
 * Ends the commands recorded in `dir` whose bot is gone, with everything they started, and forgets them. A group is
 * ended only while its id is still its own: no process holds it, or the one that does started when the group did.
 */
export function endLeftovers(dir: string): { run: string; group: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const ended: { run: string; group: number }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let running: Running;
    try {
      running = JSON.parse(readFileSync(file, 'utf8')) as Running;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (alive(running.bot)) continue;
    const now = startOf(running.group);
    if (now === null || now === running.started) {
      endGroup(running.group);
      ended.push({ run: running.run, group: running.group });
    }
    rmSync(file, { force: true });
  }
  return ended;
}
