import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { instanceSpec, type PipelineConfig } from '../config/schema.ts';
import { DEPENDENCIES_FILE } from '../git/branch.ts';
import { git } from '../git/git.ts';

/** Where each instance keeps its components on its branch. */
const FOLDER = 'components';
/** The repository's name beside the pipeline file, as the pipeline names it (a path relative to the file). */
const REPOSITORY = 'pipeline.git';

export interface ComponentFile {
  key: string;
  content: string;
  dependsOn?: string[];
}

/** Someone who commits: a person of the workspace, with the address git records. */
export interface Committer {
  name: string;
  email: string;
}

/**
 * The demo pipeline with every instance kept on a branch of its own (named as the instance) of the repository beside
 * the pipeline file: the YAML stays as written, comments included, with a `git:` added to each instance.
 */
export function pipelineInGit(demo: string): string {
  const doc = parseDocument(demo);
  for (const env of seqItems(doc, ['environments'])) {
    const instances = isMap(env) ? env.get('instances', true) : undefined;
    if (!isSeq(instances)) continue;
    instances.items = instances.items.map((item) => {
      const entry = isScalar(item) ? doc.createNode({ name: item.value }, { flow: true }) : item;
      if (isMap(entry)) entry.set('git', doc.createNode({ repo: REPOSITORY, branch: String(entry.get('name')), path: FOLDER }, { flow: true }));
      return entry;
    });
  }
  return doc.toString({ lineWidth: 0 });
}

const seqItems = (doc: Document, path: string[]) => {
  const node = doc.getIn(path, true);
  return isSeq(node) ? node.items : [];
};

/**
 * The local workspace's git repository (DESIGN.md section 9, tried without a server): a bare repository beside the
 * pipeline file with a branch for each instance the pipeline keeps in it, and the clones people commit in, as a
 * developer does in their own.
 */
export class LocalRepository {
  readonly bare: string;
  private readonly kept: Set<string>;

  private readonly dir: string;

  constructor(dir: string, config: PipelineConfig) {
    this.dir = resolve(dir);
    this.bare = join(this.dir, REPOSITORY);
    const instances = config.environments.flatMap((e) => e.instances.map(instanceSpec));
    this.kept = new Set(instances.flatMap((i) => (i.git && resolve(i.git.repo) === this.bare ? [i.name] : [])));
  }

  keeps = (instance: string) => this.kept.has(instance);

  /** The folder a person's clone of an instance's branch is in. */
  cloneOf = (instance: string, who: Committer) => join(this.dir, 'clones', who.name, instance);

  /** Makes the bare repository, each branch starting from one empty commit, unless it is there. Answers whether it made it. */
  async create(): Promise<boolean> {
    if (existsSync(this.bare)) return false;
    mkdirSync(this.dir, { recursive: true });
    const start = join(this.dir, 'start');
    rmSync(start, { recursive: true, force: true });
    try {
      await git(['init', '-q', '--bare', this.bare], { cwd: this.dir });
      await git(['init', '-q', start], { cwd: this.dir });
      await git(['-c', 'user.name=Sandbox bot', '-c', 'user.email=sandbox-bot@localhost', 'commit', '-q', '--allow-empty', '-m', 'Start'], { cwd: start });
      await git(['push', '-q', this.bare, ...[...this.kept].map((branch) => `HEAD:refs/heads/${branch}`)], { cwd: start });
    } catch (error) {
      rmSync(this.bare, { recursive: true, force: true });
      throw error;
    } finally {
      rmSync(start, { recursive: true, force: true });
    }
    return true;
  }

  /**
   * Commits `files` to the instance's branch in `who`'s clone (made on first use, brought up to date first) and pushes,
   * as a developer would; answers the commands run, with what git said, for the console to show.
   */
  async commit(instance: string, who: Committer, files: ComponentFile[], message: string): Promise<string[]> {
    const clone = this.cloneOf(instance, who);
    const shown = shortPath(clone);
    const said: string[] = [];
    if (!existsSync(clone)) {
      await git(['clone', '-q', '-b', instance, this.bare, clone], { cwd: this.dir });
      said.push(`$ git clone -b ${instance} ${shortPath(this.bare)} ${shown}`);
    } else {
      await git(['pull', '-q', '--rebase'], { cwd: clone });
      said.push(`$ git -C ${shown} pull --rebase`);
    }
    writeFiles(join(clone, FOLDER), files);
    await git(['add', '-A'], { cwd: clone });
    if ((await git(['status', '--porcelain'], { cwd: clone })).length === 0) return [...said, `Nothing to commit: ${instance}'s branch holds that already.`];
    const as = ['-c', `user.name=${who.name}`, '-c', `user.email=${who.email}`];
    await git([...as, 'commit', '-q', '-m', message], { cwd: clone });
    const commit = (await git(['log', '-1', '--format=%h %s'], { cwd: clone })).toString().trim();
    await git(['push', '-q', 'origin', `HEAD:${instance}`], { cwd: clone });
    said.push(`$ git -C ${shown} commit -am "${message}"`, `  [${instance} ${commit}]`, `$ git -C ${shown} push`);
    return said;
  }

  /** `git <args>` in the bare repository (to look at the branches' history); answers what it printed. */
  async run(args: string[]): Promise<string[]> {
    return (await git(args, { cwd: this.bare })).toString().trimEnd().split('\n');
  }
}

/** A path as typed from here: relative when it is below the current folder. */
export const shortPath = (path: string) => {
  const below = relative(process.cwd(), path);
  return below && !below.startsWith('..') ? below : path;
};

/** Writes each component as its file under `folder`, and its dependencies into the folder's dependency file. */
function writeFiles(folder: string, files: ComponentFile[]) {
  const depsFile = join(folder, DEPENDENCIES_FILE);
  const deps: Record<string, string[]> = existsSync(depsFile) ? JSON.parse(readFileSync(depsFile, 'utf8')) : {};
  for (const file of files) {
    const path = join(folder, file.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    if (file.dependsOn?.length) deps[file.key] = [...file.dependsOn].sort();
    else delete deps[file.key];
  }
  if (Object.keys(deps).length) writeFileSync(depsFile, `${JSON.stringify(deps, null, 2)}\n`);
  else rmSync(depsFile, { force: true });
}
