import { randomBytes } from 'node:crypto';
import { git, GitError, type GitOptions } from './git.ts';

/** A file written (its new content) or removed (null) by a commit. */
export interface FileChange {
  path: string;
  content: string | null;
}

export interface CommitInput {
  /** The commit the new one follows (the tip the bot last read). */
  parent: string;
  changes: readonly FileChange[];
  message: string;
  author: { name: string; email: string };
  at: Date;
}

/** A push git refused because the branch moved since the bot read it (the lease no longer holds), or for another reason. */
export class PushRefused extends GitError {
  constructor(message: string, exitCode: number | null, stderr: string, readonly moved: boolean) {
    super(message, exitCode, stderr);
  }
}

type Where = Pick<GitOptions, 'cwd' | 'env' | 'timeoutMs'>;

const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
/** A path as fast-import reads it: quoted (C-style) when it holds a quote, a newline or starts with one. */
const quoted = (path: string) => (/["\n\\]|^"/.test(path) ? JSON.stringify(path) : path);

/**
 * Writes one commit on top of `parent` into the repository of `where` (the bot's mirror) and answers its id. Every
 * change goes through one `git fast-import`, however many files it touches; no working tree is involved.
 */
export async function commitChanges(where: Where, c: CommitInput): Promise<string> {
  const ref = `refs/sandbox/commit-${randomBytes(6).toString('hex')}`;
  const who = `${c.author.name.replace(/[<>\n]/g, '')} <${c.author.email.replace(/[<>\n]/g, '')}> ${Math.floor(c.at.getTime() / 1000)} +0000`;
  const stream = [
    `commit ${ref}\n`,
    `author ${who}\n`,
    `committer ${who}\n`,
    data(c.message),
    `from ${c.parent}\n`,
    ...c.changes.map((f) => (f.content === null ? `D ${quoted(f.path)}\n` : `M 100644 inline ${quoted(f.path)}\n${data(f.content)}`)),
    '\n',
  ].join('');
  await git(['fast-import', '--quiet', '--done'], { ...where, input: `${stream}done\n` });
  try {
    return (await git(['rev-parse', '--verify', ref], where)).toString('utf8').trim();
  } finally {
    await git(['update-ref', '-d', ref], where);
  }
}

/**
 * Pushes `commit` to `branch` of `repo`, only if the branch is still at `expected` (a lease on the tip the bot last
 * read): a branch moved meanwhile is refused, changing nothing there.
 */
export async function pushWithLease(where: Where, repo: string, branch: string, commit: string, expected: string): Promise<void> {
  const ref = `refs/heads/${branch}`;
  try {
    await git(['push', '--quiet', `--force-with-lease=${ref}:${expected}`, '--', repo, `${commit}:${ref}`], where);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    const moved = /stale info|fetch first|non-fast-forward|\[rejected\]/.test(error.stderr + error.message);
    const why = moved ? `${branch} moved since it was read (someone pushed to it)` : error.message;
    throw new PushRefused(`The push to ${branch} was refused: ${why}`, error.exitCode, error.stderr, moved);
  }
}
