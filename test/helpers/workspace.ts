import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root: the local workspace is started from its compiled dist/, as `npm start` does (see test/global-setup.ts). */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The environment of a start without any Slack setting: this process's own, less every SLACK_*, SANDBOX_* and
 * DATABASE_URL variable, plus `extra`.
 */
export function localEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(SLACK_|SANDBOX_)/.test(name) && name !== 'DATABASE_URL'));
  return { ...env, ...extra };
}

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A program of this repository, run as a person runs it from a shell with its standard input piped (not a
 * terminal): lines are typed into stdin, what it prints is collected, and a test can wait for a sight.
 */
export class ProgramRun {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private code: number | null | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }) {
    // Node itself, not npm: killing the child must kill the program, not a wrapper of it.
    this.child = spawn(process.execPath, args, { cwd: o.cwd, env: o.env, stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    // A program that exits before reading all its input closes the pipe under the writer: not the test's failure.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        this.code = code;
        this.notify();
        resolve({ code, stdout: this.stdout, stderr: this.stderr });
      }),
    );
  }

  /** Types lines, each followed by Enter. */
  type(...lines: string[]) {
    for (const line of lines) this.child.stdin.write(`${line}\n`);
  }

  /** Where the output is now: `waitFor` from here ignores what came before. */
  mark() {
    return this.stdout.length;
  }

  /** Resolves with the first match of `pattern` in the output after `from`; fails on timeout or exit, with the output. */
  waitFor(pattern: RegExp, from = 0, timeoutMs = 60_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.stdout.slice(from));
        if (match) return done(() => resolve(match));
        if (this.code !== undefined) return done(() => reject(new Error(`exited (${this.code}) without showing ${pattern}:\n${this.tail()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${pattern} did not show within ${timeoutMs} ms:\n${this.tail()}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Closes the standard input (the end of what is typed) and waits for the program to exit. */
  async end(): Promise<Exit> {
    this.child.stdin.end();
    return this.exited;
  }

  /** Stops the program if it still runs (after a failed test). */
  kill() {
    if (this.code === undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private tail() {
    return `${this.stdout.slice(-3000)}${this.stderr ? `\n[stderr]\n${this.stderr.slice(-2000)}` : ''}`;
  }

  private notify() {
    for (const check of [...this.waiters]) check();
  }
}

/** `npm start` (dist/main.js) in `cwd` with this environment. */
export const startMain = (o: { cwd: string; env: NodeJS.ProcessEnv }) => new ProgramRun([`${REPO}dist/main.js`], o);

/** One line typed at the console, as echoed when stdin is not a terminal, and everything printed until the next. */
export interface Exchange {
  who: string;
  /** `#channel`, or `modal` while a modal is being filled in. */
  where: string;
  typed: string;
  output: string;
}

const ECHO = /^(\S+) (?:in (#\S+)|\((modal)\)) › (.*)$/;

/** The console's transcript, cut at each echoed input line. */
export function exchanges(stdout: string): Exchange[] {
  const out: Exchange[] = [];
  for (const line of stdout.replace(/\n$/, '').split('\n')) {
    const echo = ECHO.exec(line);
    if (echo) out.push({ who: echo[1]!, where: echo[2] ?? echo[3]!, typed: echo[4]!, output: '' });
    else if (out.length) out.at(-1)!.output += `${line}\n`;
  }
  return out;
}

/** What the console printed in answer to the `nth` (0-based) time `typed` was typed. */
export function answerTo(stdout: string, typed: string, nth = 0): string {
  const found = exchanges(stdout).filter((e) => e.typed === typed)[nth];
  if (!found) throw new Error(`“${typed}” was not typed ${nth + 1} time(s); the transcript:\n${stdout}`);
  return found.output;
}

/** The banner and introduction: what is printed before the first echoed input. */
export function opening(stdout: string): string {
  const lines = stdout.split('\n');
  const first = lines.findIndex((l) => ECHO.test(l));
  return (first === -1 ? lines : lines.slice(0, first)).join('\n');
}

/** A port nobody listens on right now: the operator picks one, the program is told it by PORT. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
