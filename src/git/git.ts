import { type ChildProcess, spawn } from 'node:child_process';

/** A git command gets this long unless told otherwise; a fetch from a slow server is given more by its caller. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** What is kept of a failing command's standard error for its message. */
const STDERR_KEPT = 4000;

/**
 * `https://user:token@host/…` and `https://token@host/…` → `https://***@host/…`: git echoes remote URLs, credentials
 * included, in its errors. A user name alone is kept where it is no secret (`ssh://git@host/…`).
 */
export const maskCredentials = (text: string) =>
  text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/gi, (whole, scheme: string, user: string) => (/^https?:\/\/$/i.test(scheme) || user.includes(':') ? `${scheme}***@` : whole));

/** A git command that failed, timed out or could not start; its message never carries a credential. */
export class GitError extends Error {
  constructor(
    message: string,
    /** The exit code (null: it was ended, or never started). */
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(maskCredentials(message));
    this.name = 'GitError';
  }
}

export interface GitOptions {
  /** The repository (or the folder) the command runs in. */
  cwd: string;
  timeoutMs?: number;
  /** The whole environment of the command (the caller's own when not given). */
  env?: NodeJS.ProcessEnv;
  /** Written to the command's standard input, which is then closed. */
  input?: string | Buffer;
}

/** Ends the command and everything it started (git runs helpers: ssh, remote-https, pack-objects). */
function endGroup(child: ChildProcess) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs `git <args>` and resolves with its standard output. It runs in a process group of its own, so that a timeout
 * ends git and every helper it started; a non-zero exit, a timeout or a failure to start rejects with a GitError
 * naming the command and what git said (credentials masked).
 */
export function git(args: readonly string[], o: GitOptions): Promise<Buffer> {
  const command = `git ${args[0] ?? ''}`;
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      endGroup(child);
    }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < STDERR_KEPT) err += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new GitError(`${command} could not start: ${error.message}. Is git installed?`, null, ''));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const said = err.trim().split('\n').slice(-3).join(' ');
      if (timedOut) reject(new GitError(`${command} took longer than ${(o.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s and was stopped.`, null, err));
      else if (code !== 0) reject(new GitError(`${command} failed (exit ${code})${said ? `: ${said}` : ''}`, code, err));
      else resolve(Buffer.concat(out));
    });
    child.stdin.on('error', () => {}); // a command that exits before reading its input
    child.stdin.end(o.input);
  });
}

/** The fields of `-z` output: NUL-terminated, the last one empty. */
export function splitZ(output: Buffer | string): string[] {
  const text = typeof output === 'string' ? output : output.toString('utf8');
  const fields = text.split('\0');
  if (fields.at(-1) === '') fields.pop();
  return fields;
}

/** An object read by `CatFileBatch`: its id, type and content (missing: no such object). */
export type GitObject = { oid: string; type: string; content: Buffer } | { oid: string; missing: true };

/**
 * Reads many objects through one `git cat-file --batch`, in the order asked, instead of one process per object.
 * `close()` ends it; a read after a failure rejects.
 */
export class CatFileBatch {
  private readonly child: ChildProcess;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiting: { resolve: (o: GitObject) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(o: Pick<GitOptions, 'cwd' | 'env'>) {
    this.child = spawn('git', ['cat-file', '--batch'], { cwd: o.cwd, env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
      this.parse();
    });
    this.child.on('error', (error) => this.fail(new GitError(`git cat-file could not start: ${error.message}`, null, '')));
    this.child.on('close', (code) => this.fail(new GitError(`git cat-file --batch ended (exit ${code})`, code, '')));
    this.child.stdin!.on('error', () => {});
  }

  read(oid: string): Promise<GitObject> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin!.write(`${oid}\n`);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('close', () => resolve());
      this.child.stdin!.end();
    });
  }

  /** Answers as many waiting reads as the buffered output holds: `<oid> <type> <size>\n<content>\n` or `<name> missing\n`. */
  private parse() {
    for (;;) {
      const eol = this.buffered.indexOf(10);
      if (eol === -1 || this.waiting.length === 0) return;
      const header = this.buffered.subarray(0, eol).toString('utf8').split(' ');
      if (header[1] === 'missing') {
        this.buffered = this.buffered.subarray(eol + 1);
        this.waiting.shift()!.resolve({ oid: header[0]!, missing: true });
        continue;
      }
      const size = Number(header[2]);
      if (this.buffered.length < eol + 1 + size + 1) return;
      const content = Buffer.from(this.buffered.subarray(eol + 1, eol + 1 + size));
      this.buffered = this.buffered.subarray(eol + 1 + size + 1);
      this.waiting.shift()!.resolve({ oid: header[0]!, type: header[1]!, content });
    }
  }

  private fail(error: Error) {
    this.failure ??= error;
    for (const w of this.waiting.splice(0)) w.reject(error);
    // A process that has ended may have its id given to another: only a running one is ended.
    if (this.child.exitCode === null && this.child.signalCode === null) endGroup(this.child);
  }
}
