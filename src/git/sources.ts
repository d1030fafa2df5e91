import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitSource } from '../config/schema.ts';
import { InvalidStateError } from '../domain/errors.ts';
import type { ConnectionCheck, InstanceSources, SourceSnapshot } from '../domain/sources.ts';
import { BranchRefused, type BranchSource, DEPENDENCIES_FILE, fetchBranch, folderOf, readChanges, readCommit } from './branch.ts';
import { PushRefused, commitChanges, pushWithLease } from './commit.ts';
import { git, GitError, maskCredentials, splitZ } from './git.ts';

/**
 * The instances kept in git, read through the bot's mirrors (bare repositories under `mirrors`, one per repository
 * and branch, made on first need). What git says goes into the refusal, credentials masked.
 */
export function gitSources(specs: Record<string, GitSource>, mirrors: string, env?: NodeJS.ProcessEnv): InstanceSources {
  const sourceOf = (instance: string): BranchSource => {
    const spec = specs[instance]!;
    const name = createHash('sha256').update(`${spec.repo}\n${spec.branch}`).digest('hex').slice(0, 16);
    return { repo: spec.repo, branch: spec.branch, path: spec.path ?? '', mirror: join(mirrors, `${name}.git`), env: credentialEnvironment(instance, spec, env) };
  };
  /** Work on an instance's branch; what git refuses becomes a refusal saying what to check. */
  const reading = async <T>(instance: string, work: (source: BranchSource) => Promise<T>): Promise<T> => {
    const source = sourceOf(instance);
    try {
      return await work(source);
    } catch (error) {
      throw unreadable(instance, source, error);
    }
  };
  return {
    backs: (instance) => instance in specs,
    branch: (instance) => specs[instance]!.branch,
    read: (instance, since) =>
      reading(instance, async (source): Promise<SourceSnapshot> => {
        const tip = await fetchBranch(source);
        if (tip === since) return { tip, complete: false, components: [], removed: [] };
        // From a tip read before, in this mirror: only what changed since. Otherwise (a new mirror), all of it.
        const changes = since === null ? undefined : await Promise.all([readChanges(source, since, tip), lastAuthors(source, since, tip)]).catch(unlessUnknown(source, since));
        const [read, authors] = changes ?? (await Promise.all([readCommit(source, tip).then((written) => ({ written, removed: [] })), lastAuthors(source, null, tip)]));
        const components = read.written.map((c) => ({ ...c, ...(authors.has(c.key) ? { author: authors.get(c.key)! } : {}) }));
        return { tip, complete: !changes, components, removed: read.removed };
      }),
    movedSince: (instance, tip) =>
      reading(instance, async (source) => {
        const now = await fetchBranch(source);
        if (now === tip) return [];
        if (!(await holds(source, tip))) return [{ id: now.slice(0, 7), author: 'someone', subject: `the branch was rewritten: ${tip.slice(0, 7)}, read last, is no longer on it` }];
        const log = await git(['log', '-z', '--format=%h%x09%ae%x09%s', now, '--not', tip], { cwd: source.mirror, env: source.env });
        return splitZ(log).map((line) => {
          const [id = '', author = '', subject = ''] = line.split('\t');
          return { id, author, subject };
        });
      }),
    undo: (instance, run, base) =>
      reading(instance, async (source) => {
        const where = { cwd: source.mirror, env: source.env };
        const tip = await fetchBranch(source);
        if (tip === base) return undefined;
        const [parents, message] = await Promise.all([git(['rev-list', '--parents', '-n', '1', tip], where), git(['show', '-s', '--format=%B', tip], where)]);
        const ours = parents.toString('utf8').trim() === `${tip} ${base}` && message.toString('utf8').split('\n').includes(`Sandbox-Run: ${run}`);
        if (!ours) return undefined;
        const subject = message.toString('utf8').split('\n')[0];
        const text = `Undo “${subject}”: ${run} stopped before the database took it\n\nSandbox-Run: ${run}\n`;
        const tree = (await git(['rev-parse', `${base}^{tree}`], where)).toString('utf8').trim();
        const commit = (await git(['-c', `user.name=${BOT.name}`, '-c', `user.email=${BOT.email}`, 'commit-tree', tree, '-p', tip], { ...where, input: text })).toString('utf8').trim();
        await pushWithLease(where, source.repo, source.branch, commit, tip);
        await git(['update-ref', `refs/heads/${source.branch}`, commit], where);
        return commit;
      }),
    async test(instance) {
      const source = sourceOf(instance);
      const results: ConnectionCheck[] = [];
      const timed = async (check: string, work: () => Promise<string>) => {
        const started = performance.now();
        const outcome = await work().then(
          (detail) => ({ ok: true, detail }),
          (error: Error) => ({ ok: false, detail: error instanceof GitError ? gitSaid(error) : maskCredentials(error.message) }),
        );
        results.push({ check, ...outcome, ms: Math.round(performance.now() - started) });
        return outcome.ok;
      };
      const where = { cwd: tmpdir(), env: source.env };
      let tip = '';
      const reachable = await timed('reachable', async () => {
        const heads = (await git(['ls-remote', '--heads', '--', source.repo], where)).toString('utf8');
        tip = heads.split('\n').find((line) => line.endsWith(`\trefs/heads/${source.branch}`))?.split('\t')[0] ?? '';
        return `${maskCredentials(source.repo)} answers`;
      });
      if (!reachable) return results;
      const present = await timed('branch present', async () => {
        if (!tip) throw new Error(`${source.branch} is not a branch of ${maskCredentials(source.repo)}: create it, or name another in the pipeline configuration.`);
        return `${source.branch} is at ${tip.slice(0, 12)}`;
      });
      if (present) {
        await timed('push permitted', async () => {
          // From the mirror, which the fetch fills with what a push needs.
          const fetched = await fetchBranch(source);
          await git(['push', '--dry-run', '--quiet', '--', source.repo, `${fetched}:refs/heads/${source.branch}`], { cwd: source.mirror, env: source.env });
          return `a push to ${source.branch} would be accepted`;
        });
      }
      return results;
    },
    async write(instance, c) {
      const source = sourceOf(instance);
      const folder = folderOf(source.path);
      const at = (file: string) => (folder ? `${folder}/${file}` : file);
      const deps = Object.keys(c.dependencies).length ? `${JSON.stringify(c.dependencies, null, 2)}\n` : null;
      const changes = [...c.components.map((x) => ({ path: at(x.key), content: x.content })), { path: at(DEPENDENCIES_FILE), content: deps }];
      const where = { cwd: source.mirror, env: source.env };
      try {
        // The parent must be in this mirror: another replica may have read it, or the mirror may be new.
        await fetchBranch(source);
        const commit = await commitChanges(where, { parent: c.parent, changes, message: c.message, author: BOT, at: c.at });
        await pushWithLease(where, source.repo, source.branch, commit, c.parent);
        await git(['update-ref', `refs/heads/${source.branch}`, commit], where);
        return commit;
      } catch (error) {
        if (error instanceof PushRefused && error.moved) {
          throw new InvalidStateError(`${instance}'s branch ${source.branch} moved since it was read (someone pushed to it): refresh ${instance}, then try again.`);
        }
        if (error instanceof GitError) throw new InvalidStateError(`${instance}: ${maskCredentials(error.message)}`);
        throw error;
      }
    },
  };
}

/**
 * The environment git runs in for an instance: never a prompt, and the credential its `credentials` names — an https
 * token as an Authorization header (given through git's environment, never on its command line or in a URL), or
 * the key file of an ssh remote. A credential named but not set is a refusal that names it.
 */
function credentialEnvironment(instance: string, spec: GitSource, env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv | undefined {
  if (!env) return undefined;
  const base = { ...env, GIT_TERMINAL_PROMPT: '0' };
  if (!spec.credentials) return base;
  const secret = env[spec.credentials];
  if (!secret) {
    throw new InvalidStateError(`${instance} names the credential ${spec.credentials}, which is not set in the bot's environment: set it to the token (https) or the path of the key file (ssh), then try again.`);
  }
  if (/^https?:\/\//i.test(spec.repo)) {
    const header = `Authorization: Basic ${Buffer.from(`x-access-token:${secret}`).toString('base64')}`;
    return { ...base, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header };
  }
  return { ...base, GIT_SSH_COMMAND: `ssh -i '${secret.replace(/'/g, "'\\''")}' -o IdentitiesOnly=yes -o BatchMode=yes` };
}

/** Who the bot's commits are by; the people (deployer, approvers) are in their trailers. */
const BOT = { name: 'Sandbox bot', email: 'sandbox-bot@users.noreply.localhost' };

/** A read of changes since `since` that failed because the mirror does not hold `since` answers nothing (read all then); any other failure stands. */
const unlessUnknown = (s: BranchSource, since: string) => async (error: unknown) => {
  if (await holds(s, since)) throw error;
  return undefined;
};

/** Whether the mirror holds `commit`: a tip read by another replica, or before the mirror was made again, may not be here. */
const holds = (s: BranchSource, commit: string) => git(['cat-file', '-e', `${commit}^{commit}`], { cwd: s.mirror, env: s.env }).then(() => true, () => false);

/** Per component key under the folder, the author's email of the newest commit of `since..tip` (all of `tip`'s history: null) that changed it. */
async function lastAuthors(s: BranchSource, since: string | null, tip: string): Promise<Map<string, string>> {
  const folder = folderOf(s.path);
  const range = since ? `${since}..${tip}` : tip;
  const log = await git(['log', '--no-renames', '--format=format:%x1e%ae', '--name-only', '-z', range, '--', folder || '.'], { cwd: s.mirror, env: s.env });
  const authors = new Map<string, string>();
  for (const commit of log.toString('utf8').split('\x1e').slice(1)) {
    const newline = commit.indexOf('\n');
    const author = commit.slice(0, newline < 0 ? commit.length : newline);
    for (const path of newline < 0 ? [] : commit.slice(newline + 1).split('\0')) {
      const key = folder ? path.slice(folder.length + 1) : path;
      if (path && !authors.has(key)) authors.set(key, author);
    }
  }
  return authors;
}

/** What git said, its last two lines (less its standing advice), credentials masked. */
const gitSaid = (error: GitError) => {
  const lines = error.stderr.split('\n').map((line) => line.trim()).filter((line) => line && !BOILERPLATE.test(line));
  return maskCredentials(lines.slice(-2).join(' ')) || error.message;
};

/** The advice git adds under every failed fetch, which would push out the line saying why. */
const BOILERPLATE = /^(Please make sure you have the correct access rights|and the repository exists\.)$/;

function unreadable(instance: string, s: BranchSource, error: unknown): Error {
  const where = `branch ${s.branch} of ${maskCredentials(s.repo)}`;
  if (error instanceof BranchRefused) return new InvalidStateError(`${instance} was not refreshed from ${where}: ${error.message} Nothing of it was imported.`);
  if (error instanceof GitError) {
    const said = gitSaid(error);
    return new InvalidStateError(
      `${instance} could not be read from ${where} (git said: ${said}). Check that the repository and the branch exist, and that its credentials allow reading it.`,
    );
  }
  return error as Error;
}
