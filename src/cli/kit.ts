import { type Command, Option } from 'commander';
import { InvalidInputError } from '../domain/errors.ts';
import { formatId } from '../domain/ids.ts';
import type { Message } from '../domain/message.ts';
import type { Actor, LogSink } from '../domain/ports.ts';
import type { Services } from '../domain/services/index.ts';
import { forTerminal } from './voice.ts';

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Standard input, whole, for a command that reads a value from it (the process's own when not given). */
  input?(): Promise<string>;
}

async function standardInput(io: Output): Promise<string> {
  if (process.stdin.isTTY) io.err('Type the value, then press Enter and Ctrl-D (it is not shown again):');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The services of one command, open until `close`. */
export interface OpenServices {
  services: Services;
  close(): Promise<void>;
}

/**
 * What the command line gets from the composition root that starts it: the services (announcing in Slack when a
 * bot token is configured), the migrations and the pipeline file. The command line itself knows no database.
 */
export interface CliHost {
  /**
   * Opens the services for one command; `sink` receives the log lines of its runs as they happen. A command that only
   * reads (`read`) starts no run and announces nothing: it opens less.
   */
  open(sink: LogSink, access: 'read' | 'write'): Promise<OpenServices>;
  /** Applies the migrations; resolves to where the database is, as people read it. */
  migrate(): Promise<{ database: 'pglite' | 'postgres'; where: string }>;
  /** Reads and validates the pipeline file; throws a refusal naming each fault. */
  checkConfig(): { path: string; environments: string[] };
}

/** A run the command ended with that failed (a deployment that did not deploy): exit code 1, not a refusal. */
export class RunFailed extends Error {
  /** The command's result; with `--json` it is printed once, together with the error. */
  constructor(message: string, readonly result?: object) {
    super(message);
  }
}

/** What every group of commands uses to act and print. */
export interface CommandKit {
  program: Command;
  host: CliHost;
  json(): boolean;
  /** Prints the value as JSON with `--json`, else its text. */
  print(value: unknown, text: () => string): void;
  /** Ends a command whose run failed: the text result is printed; with `--json` the result goes out with the error (one object). */
  fail(value: object, text: () => string, message: string): never;
  warn(warning: Message): void;
  /** Standard input, whole, without its final newline (as `echo` or a typed line ends it). */
  input(): Promise<string>;
  actor(opts: { user?: string }): Actor;
  userOption(): Option;
  /** Opens the services for one command and always closes them (the command waits for its posts in Slack). */
  withServices<A extends unknown[]>(work: (services: Services, ...args: A) => Promise<void>): (...args: A) => Promise<void>;
  /** The same for a command that only reads: it changes nothing, starts no run and announces nothing. */
  readingServices<A extends unknown[]>(work: (services: Services, ...args: A) => Promise<void>): (...args: A) => Promise<void>;
}

export function commandKit(program: Command, io: Output, host: CliHost): CommandKit {
  const json = () => program.opts().json === true;
  const liveLog: LogSink = {
    line: (run, line) => {
      if (!json()) io.err(`${formatId('run', run.id)} ${line.level.padEnd(5)} ${line.text}`);
    },
  };
  const runWith =
    <A extends unknown[]>(access: 'read' | 'write', work: (services: Services, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const open = await host.open(liveLog, access);
      try {
        await work(open.services, ...args);
      } finally {
        await open.close();
      }
    };
  return {
    program,
    host,
    json,
    print: (value, text) => io.out(json() ? JSON.stringify(value) : text()),
    fail(value, text, message) {
      if (!json()) io.out(text());
      throw new RunFailed(message, value);
    },
    warn: (warning) => {
      if (!json()) io.err(`warning: ${forTerminal(warning)}`);
    },
    input: async () => (await (io.input ? io.input() : standardInput(io))).replace(/\r?\n$/, ''),
    actor(opts) {
      if (!opts.user) throw new InvalidInputError('Say who is acting: add `--user <slack id>` (e.g. --user U0ALICE).');
      return { user: opts.user, via: 'cli' };
    },
    userOption: () => new Option('--user <slack id>', 'act as this Slack user (recorded in the audit as coming from the command line)'),
    withServices: (work) => runWith('write', work),
    readingServices: (work) => runWith('read', work),
  };
}
