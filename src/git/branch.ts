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

/** A file under the components' folder: its path in the repository, its path in the folder, and its blob when known. */
interface FolderFile {
  path: string;
  relative: string;
  /** Absent: the file is read by its path in the commit read. */
  oid?: string;
}

type Where = Pick<BranchSource, 'mirror' | 'path' | 'env'>;

/** Hidden files (`.dependencies.json`, `.gitkeep`…) are not components. */
const isHidden = (relative: string) => relative.split('/').some((part) => part.startsWith('.'));

/** The file at `relative` in the folder (its blob `oid` when known). */
function inFolder(s: Where, relative: string, oid?: string): FolderFile {
  const folder = folderOf(s.path);
  return { path: folder ? `${folder}/${relative}` : relative, relative, ...(oid ? { oid } : {}) };
}

/** Work on a branch's files with one `cat-file --batch` of the mirror, ended after it. */
async function withBatch<T>(s: Where, work: (batch: CatFileBatch) => Promise<T>): Promise<T> {
  const batch = new CatFileBatch({ cwd: s.mirror, env: s.env });
  try {
    return await work(batch);
  } finally {
    await batch.close();
  }
}

/** Reads files as UTF-8 text; a missing one is absent from the answer. */
async function readTexts(batch: CatFileBatch, s: Where, commit: string, files: readonly FolderFile[]): Promise<Map<string, string>> {
  const read = await Promise.all(files.map(async (f) => ({ f, object: await batch.read(f.oid ?? `${commit}:${f.path}`) })));
  const texts = new Map<string, string>();
  for (const { f, object } of read) {
    if (!('content' in object)) continue;
    try {
      texts.set(f.relative, utf8.decode(object.content));
    } catch {
      throw new BranchRefused(`${f.path} is not UTF-8 text: components are text files. Remove it from the branch, or keep it outside ${folderOf(s.path) || 'the repository root'}.`, f.path);
    }
  }
  return texts;
}

/** The dependencies `commit` gives in its folder's dependency file (none when it has none). */
async function dependenciesAt(batch: CatFileBatch, s: Where, commit: string): Promise<Record<string, string[]>> {
  const file = inFolder(s, DEPENDENCIES_FILE);
  const text = (await readTexts(batch, s, commit, [file])).get(DEPENDENCIES_FILE);
  return text === undefined ? {} : dependencyMap(file.path, text);
}

/** The components of `files` (their texts read from `commit`), with the dependencies of `dependsOn`; refuses a file that is not Type/Name. */
async function componentsOf(batch: CatFileBatch, s: Where, commit: string, files: FolderFile[], dependsOn: Record<string, string[]>): Promise<BranchComponent[]> {
  const folder = folderOf(s.path);
  for (const f of files) {
    if (!isComponentKey(f.relative)) {
      throw new BranchRefused(`${f.path} is not a component: files under ${folder || 'the root'} are named Type/Name, e.g. Layout/Account. Move or remove it.`, f.path);
    }
  }
  const texts = await readTexts(batch, s, commit, files);
  const components = files.map((f) => {
    const content = texts.get(f.relative);
    if (content === undefined) throw new BranchRefused(`${f.path} could not be read from ${commit.slice(0, 12)}.`, f.path);
    return { key: f.relative, content, dependsOn: dependsOn[f.relative] ?? [] };
  });
  return components.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The components a commit holds under `path`: each file `Type/Name` is the component of that key, with the
 * dependencies its folder's `.dependencies.json` gives. A file that is not UTF-8 text, a path that is not a
 * component key, or a dependency file that is not a map of keys to lists refuses the whole read, naming the file.
 */
export async function readCommit(s: Where, commit: string): Promise<BranchComponent[]> {
  const folder = folderOf(s.path);
  const prefix = folder ? `${folder}/` : '';
  const listing = splitZ(await git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(folder ? [folder] : [])], { cwd: s.mirror, env: s.env }));
  const files = listing.flatMap((entry) => {
    const [meta, path] = [entry.slice(0, entry.indexOf('\t')), entry.slice(entry.indexOf('\t') + 1)];
    const [, type, oid] = meta.split(' ');
    const relative = path.slice(prefix.length);
    return type === 'blob' && !isHidden(relative) ? [inFolder(s, relative, oid)] : [];
  });
  return withBatch(s, async (batch) => componentsOf(batch, s, commit, files, await dependenciesAt(batch, s, commit)));
}

/** What changed under the folder from one commit to another: the components written (as `to` holds them) and the keys removed. */
export interface BranchChanges {
  written: BranchComponent[];
  removed: string[];
}

/**
 * The changes from `from` to `to` under `path` (`git diff-tree`), reading only the files that changed: a component
 * whose dependencies changed in the dependency file is written too. Refuses as readCommit does, for those files.
 */
export async function readChanges(s: Where, from: string, to: string): Promise<BranchChanges> {
  const folder = folderOf(s.path);
  const prefix = folder ? `${folder}/` : '';
  const fields = splitZ(await git(['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', from, to, '--', ...(folder ? [folder] : [])], { cwd: s.mirror, env: s.env }));
  const changed = new Map<string, FolderFile>();
  const removed: string[] = [];
  let dependenciesChanged = false;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [, , , oid, status] = fields[i]!.split(' ');
    const relative = fields[i + 1]!.slice(prefix.length);
    if (relative === DEPENDENCIES_FILE) dependenciesChanged = true;
    if (isHidden(relative)) continue;
    if (status === 'D') removed.push(relative);
    else changed.set(relative, inFolder(s, relative, oid));
  }
  return withBatch(s, async (batch) => {
    const [before, after] = await Promise.all([dependenciesChanged ? dependenciesAt(batch, s, from) : undefined, dependenciesAt(batch, s, to)]);
    if (before) {
      // A component whose file is unchanged but whose dependencies are: written again, if `to` still holds it.
      const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
      for (const key of keys) {
        if (changed.has(key) || removed.includes(key) || JSON.stringify(before[key] ?? []) === JSON.stringify(after[key] ?? [])) continue;
        changed.set(key, inFolder(s, key));
      }
    }
    const present = await presentIn(s, to, [...changed.values()]);
    return { written: await componentsOf(batch, s, to, present, after), removed: removed.filter(isComponentKey) };
  });
}

/** Those of `files` that `commit` holds (a dependency may name a component that is not there). */
async function presentIn(s: Where, commit: string, files: FolderFile[]): Promise<FolderFile[]> {
  const named = files.filter((f) => !f.oid);
  if (named.length === 0) return files;
  const found = new Set(splitZ(await git(['ls-tree', '-z', '--name-only', '--full-tree', commit, '--', ...named.map((f) => f.path)], { cwd: s.mirror, env: s.env })));
  return files.filter((f) => f.oid || found.has(f.path));
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
