import { existsSync } from 'node:fs';
import { isComponentKey } from '../domain/services/components.ts';
import { CatFileBatch, git, splitZ } from './git.ts';

/** Beside the Type/Name files: `{ "Type/Name": ["Dep/Key", …] }` (as `sandbox components export` writes it). */
export const DEPENDENCIES_FILE = '.dependencies.json';

/** Where an instance lives in git (its configuration's `git`), and the local mirror the bot fetches it into. */
export interface BranchSource {
  repo: string;
  branch: string;
  /** The folder of the components inside the repository ('' : its root). */
  path: string;
  /** A bare repository of the bot's own, created on first use. */
  mirror: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface BranchComponent {
  key: string;
  content: string;
  dependsOn: string[];
}

/** What a branch held when it was read: its tip and its components, by key. */
export interface BranchContents {
  tip: string;
  components: BranchComponent[];
}

/** A branch whose files cannot be components; names the file at fault and what to do. Nothing of it is imported. */
export class BranchRefused extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'BranchRefused';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The components' folder inside the repository, without leading or trailing slashes ('' : its root). */
export const folderOf = (path: string) => path.replace(/^\/+|\/+$/g, '');

/** Fetches the branch into the mirror (creating the mirror first) and answers its tip. */
export async function fetchBranch(s: BranchSource): Promise<string> {
  const o = { cwd: s.mirror, env: s.env, timeoutMs: s.timeoutMs };
  if (!existsSync(s.mirror)) await git(['init', '--bare', '--quiet', s.mirror], { ...o, cwd: '/' });
  await git(['fetch', '--quiet', '--no-tags', '--force', '--', s.repo, `refs/heads/${s.branch}:refs/heads/${s.branch}`], o);
  return (await git(['rev-parse', '--verify', `refs/heads/${s.branch}^{commit}`], o)).toString('utf8').trim();
}

/**
 * The components a commit holds under `path`: each file `Type/Name` is the component of that key, with the
 * dependencies its folder's `.dependencies.json` gives. A file that is not UTF-8 text, a path that is not a
 * component key, or a dependency file that is not a map of keys to lists refuses the whole read, naming the file.
 */
export async function readCommit(s: Pick<BranchSource, 'mirror' | 'path' | 'env'>, commit: string): Promise<BranchComponent[]> {
  const folder = folderOf(s.path);
  const prefix = folder ? `${folder}/` : '';
  const listing = splitZ(await git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(folder ? [folder] : [])], { cwd: s.mirror, env: s.env }));
  const blobs = listing.map((entry) => {
    const [meta, path] = [entry.slice(0, entry.indexOf('\t')), entry.slice(entry.indexOf('\t') + 1)];
    const [, type, oid] = meta.split(' ');
    return { type: type!, oid: oid!, path, relative: path.slice(prefix.length) };
  });
  const batch = new CatFileBatch({ cwd: s.mirror, env: s.env });
  try {
    const files = await Promise.all(blobs.filter((b) => b.type === 'blob').map(async (b) => ({ ...b, object: await batch.read(b.oid) })));
    const text = (file: (typeof files)[number]) => {
      if (!('content' in file.object)) throw new BranchRefused(`${file.path} could not be read from ${commit.slice(0, 12)}.`, file.path);
      try {
        return utf8.decode(file.object.content);
      } catch {
        throw new BranchRefused(`${file.path} is not UTF-8 text: components are text files. Remove it from the branch, or keep it outside ${folder || 'the repository root'}.`, file.path);
      }
    };
    const dependencies = files.find((f) => f.relative === DEPENDENCIES_FILE);
    const dependsOn = dependencies ? dependencyMap(dependencies.path, text(dependencies)) : {};
    const components = files
      .filter((f) => !f.relative.split('/').some((part) => part.startsWith('.')))
      .map((f) => {
        if (!isComponentKey(f.relative)) {
          throw new BranchRefused(`${f.path} is not a component: files under ${folder || 'the root'} are named Type/Name, e.g. Layout/Account. Move or remove it.`, f.path);
        }
        return { key: f.relative, content: text(f), dependsOn: dependsOn[f.relative] ?? [] };
      });
    return components.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  } finally {
    await batch.close();
  }
}

/** The branch's tip and components, fetched now. */
export async function readBranch(s: BranchSource): Promise<BranchContents> {
  const tip = await fetchBranch(s);
  return { tip, components: await readCommit(s, tip) };
}

function dependencyMap(path: string, text: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BranchRefused(`${path} is not valid JSON: ${(error as Error).message}`, path);
  }
  const valid =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((deps) => Array.isArray(deps) && deps.every((d) => typeof d === 'string'));
  if (!valid) throw new BranchRefused(`${path} must hold a { "Type/Name": ["Dep/Key", …] } map.`, path);
  return parsed as Record<string, string[]>;
}
