import { type ChildProcess, spawn } from 'node:child_process';
import { Readable } from 'node:stream';

/**
 * The launcher's code, run as a small process of its own: it starts each command in a process group of its own,
 * hands its output over a chunk at a time as the bot asks for it, and says when it exits. It ends with the bot.
 */
const HELPER = `
const { spawn } = require('node:child_process');
const { rm } = require('node:fs');
const running = new Map();
const tell = (message) => process.connected && process.send(message);
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m.type === 'remove') return remove(m.folder);
  if (m.type === 'read') return running.get(m.id)?.[m.stream].resume();
  // The bot stopped reading: the command gets EPIPE as it would from a closed pipe.
  if (m.type === 'drop') return running.get(m.id)?.[m.stream].destroy();
  try {
    start(m);
  } catch (error) {
    tell({ type: 'failed', id: m.id, message: error.message });
  }
});
function start(m) {
  const child = spawn('/bin/sh', ['-c', m.command], { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(m.id, child);
  child.once('error', (error) => tell({ type: 'failed', id: m.id, message: error.message }));
  child.once('spawn', () => tell({ type: 'started', id: m.id, pid: child.pid }));
  for (const stream of ['stdout', 'stderr']) {
    child[stream].pause();
    child[stream].on('data', (chunk) => {
      child[stream].pause();
      tell({ type: 'output', id: m.id, stream, chunk });
    });
    child[stream].once('end', () => tell({ type: 'end', id: m.id, stream }));
    child[stream].on('error', () => {});
  }
  child.once('exit', (code) => tell({ type: 'exit', id: m.id, code }));
  child.once('close', () => running.delete(m.id));
}
function remove(folder) {
  const here = () => rm(folder, { recursive: true, force: true }, () => {});
  const child = spawn('nice', ['-n', '19', 'rm', '-rf', '--', folder], { stdio: 'ignore' });
  child.once('error', here);
  child.once('exit', (code) => code === 0 || here());
}
`;

/** A command the launcher started: its process group once running, its output as it is read, and its exit code. */
export interface Launched {
  /** The process id of the shell, which leads the command's process group; rejects when it could not start. */
  started: Promise<number>;
  stdout: Readable;
  stderr: Readable;
  /** The exit code, null when a signal ended it (or the launcher itself ended). */
  exited: Promise<number | null>;
}

type FromHelper =
  | { type: 'started'; id: number; pid: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'output'; id: number; stream: 'stdout' | 'stderr'; chunk: Uint8Array }
  | { type: 'end'; id: number; stream: 'stdout' | 'stderr' }
  | { type: 'exit'; id: number; code: number | null };

interface Tracked {
  launched: Launched;
  started(pid: number): void;
  /** Rejects `started` (nothing once it started). */
  failed(error: Error): void;
  exited(code: number | null): void;
  /** Of its two streams and its exit, what the helper has not told of yet. */
  open: Set<'stdout' | 'stderr' | 'exit'>;
}

/**
 * Starts commands from a small helper process rather than from the bot's. Starting a process leaves every page of the
 * starting process copy-on-write, and each page it writes afterwards costs a fault: for a bot holding an embedded
 * database in a gigabyte, a deployment slowed by hundreds of milliseconds after a command as small as `true` (on the
 * bench's machine, writing 1.5 GB took 5.5 s right after starting one process, 0.09 s otherwise). The helper starts
 * with the first command and lives as long as the bot; it holds the bot up only while commands run.
 */
class Launcher {
  private helper?: ChildProcess;
  private next = 0;
  private readonly tracked = new Map<number, Tracked>();

  start(command: { command: string; cwd: string; env: Record<string, string> }): Launched {
    const helper = this.ready();
    const id = this.next++;
    const stream = (name: 'stdout' | 'stderr') =>
      new Readable({
        read: () => void helper.send({ type: 'read', id, stream: name }),
        // Its reader stopped early (a line it could not take): the helper lets go of the stream too.
        destroy: (error, done) => {
          const tracked = this.tracked.get(id);
          if (tracked?.open.has(name)) {
            helper.send({ type: 'drop', id, stream: name });
            this.close(id, tracked, name);
          }
          done(error);
        },
      });
    let started!: Tracked['started'];
    let failed!: Tracked['failed'];
    let exited!: Tracked['exited'];
    const launched: Launched = {
      started: new Promise((resolve, reject) => ((started = resolve), (failed = reject))),
      stdout: stream('stdout'),
      stderr: stream('stderr'),
      exited: new Promise((resolve) => (exited = resolve)),
    };
    this.tracked.set(id, { launched, started, exited, open: new Set(['stdout', 'stderr', 'exit']), failed });
    this.hold(true);
    helper.send({ type: 'start', id, ...command });
    return launched;
  }

  /**
   * Removes a folder from the helper, at the lowest priority, behind the deployment's back: unlinking 20,000 files
   * competes for the machine's cores with the deployment and the database otherwise.
   */
  remove(folder: string) {
    try {
      this.ready().send({ type: 'remove', folder });
    } catch {
      // No launcher to be had: the folder stays in the temporary folder, for the system to clear.
    }
  }

  private ready(): ChildProcess {
    if (this.helper?.connected) return this.helper;
    if (this.helper) this.lost(this.helper);
    // The bot's environment is its own (it finds `nice` and `rm` by it); each command gets only the one it is given. In
    // a session of its own, as the commands are: a Ctrl-C meant for the bot, which lets running work finish, is not its.
    const helper = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', detached: true });
    helper.on('message', (message: FromHelper) => this.heard(message));
    // Once its messages have all been read (an exit can come before the last of them).
    helper.once('close', () => this.lost(helper));
    // A message sent as it ended: what it ran is ended with it.
    helper.on('error', () => this.lost(helper));
    this.helper = helper;
    this.hold(false);
    return helper;
  }

  // Ids are never reused, so a message of a helper that was replaced finds nothing to act on.
  private heard(message: FromHelper) {
    const command = this.tracked.get(message.id);
    if (!command) return;
    switch (message.type) {
      case 'started':
        return command.started(message.pid);
      case 'failed':
        return this.end(message.id, command, new Error(message.message));
      case 'output':
        return void command.launched[message.stream].push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
      case 'end':
        return this.close(message.id, command, message.stream);
      case 'exit':
        command.exited(message.code);
        return this.close(message.id, command, 'exit');
    }
  }

  /** Its stream ended or it exited; it is forgotten once both streams ended and it exited. */
  private close(id: number, command: Tracked, what: 'stdout' | 'stderr' | 'exit') {
    if (!command.open.delete(what)) return;
    if (what !== 'exit' && !command.launched[what].destroyed) command.launched[what].push(null);
    if (command.open.size) return;
    this.tracked.delete(id);
    this.hold(this.tracked.size > 0);
  }

  /** A command that could not start, or whose launcher stopped: it fails if not started yet, and ends either way. */
  private end(id: number, command: Tracked, error: Error) {
    command.failed(error);
    command.exited(null);
    for (const what of [...command.open]) this.close(id, command, what);
  }

  /** The helper ended (it was killed): what it ran counts as ended by a signal, and the next command starts another. */
  private lost(helper: ChildProcess) {
    if (this.helper !== helper) return;
    this.helper = undefined;
    helper.kill();
    for (const [id, command] of this.tracked) this.end(id, command, new Error('the command launcher stopped'));
  }

  /** Keeps the bot's event loop alive for the helper only while commands run. */
  private hold(running: boolean) {
    const helper = this.helper;
    if (!helper) return;
    const channel = helper.channel as { ref(): void; unref(): void } | undefined;
    if (running) {
      helper.ref();
      channel?.ref();
    } else {
      helper.unref();
      channel?.unref();
    }
  }
}

/** One launcher for the whole process. */
export const launcher = new Launcher();
