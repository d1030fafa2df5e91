import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ActionContext, LaidOut } from '../domain/actions.ts';
import { launcher } from './launcher.ts';

/** A command's two folders, as the writer makes them. */
interface FoldersJob {
  packageDir: string;
  targetDir: string;
  /** `manifest.json`: where the package goes, and its items field by field (columns cost a third of objects to hand over). */
  head: { environment: string; request: string; run: string };
  items: { key: string[]; action: string[]; hash: (string | null)[]; baseHash: (string | null)[]; dependsOn: string[][] };
  /** The target's files: keys and contents, side by side. */
  targetKeys: string[];
  targetContents: string[];
  /** The package's files; a null content is a hard link to the target's file of that key, which holds the same. */
  packageKeys: string[];
  packageContents: (string | null)[];
}

/**
 * The writer's code, run in a worker thread: written synchronously, a file a call, thousands of small files take a
 * fraction of the time that the thread pool's round trips take, and the bot's own thread goes on meanwhile. Plain
 * JavaScript, so that it runs the same from the sources as from the build.
 */
const WRITER = `
const { parentPort } = require('node:worker_threads');
const { linkSync, mkdirSync, writeFileSync } = require('node:fs');
function writeFolders(job) {
  for (const dir of [job.packageDir, job.targetDir]) mkdirSync(dir);
  const made = new Set([job.packageDir, job.targetDir]);
  // Keys are checked relative paths (Layout/Account): joined as they are, without path.join's normalizing.
  const place = (path) => {
    const folder = path.slice(0, path.lastIndexOf('/'));
    if (!made.has(folder)) mkdirSync(folder, { recursive: true }), made.add(folder);
    return path;
  };
  const { key, action, hash, baseHash, dependsOn } = job.items;
  const items = key.map((key, i) => ({ key, action: action[i], hash: hash[i], baseHash: baseHash[i], dependsOn: dependsOn[i] }));
  writeFileSync(job.packageDir + '/manifest.json', JSON.stringify({ ...job.head, items }, null, 2) + '\\n');
  job.targetKeys.forEach((key, i) => writeFileSync(place(job.targetDir + '/' + key), job.targetContents[i]));
  job.packageKeys.forEach((key, i) => {
    const content = job.packageContents[i];
    if (content === null) linkSync(job.targetDir + '/' + key, place(job.packageDir + '/' + key));
    else writeFileSync(place(job.packageDir + '/' + key), content);
  });
}
parentPort.on('message', ({ id, job }) => {
  try {
    writeFolders(job);
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: error.message });
  }
});
`;

/** Writes folders in a worker thread of its own, started at the first job; it holds the process only while it works. */
class FolderWriter {
  private worker?: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();

  write(job: FoldersJob): Promise<void> {
    const worker = (this.worker ??= this.start());
    const id = this.next++;
    return new Promise((resolve, reject) => {
      worker.postMessage({ id, job });
      this.waiting.set(id, { resolve, reject });
      worker.ref();
    });
  }

  private start() {
    const worker = new Worker(WRITER, { eval: true });
    worker.on('message', ({ id, error }: { id: number; error?: string }) => {
      const job = this.waiting.get(id);
      this.waiting.delete(id);
      if (!this.waiting.size) worker.unref();
      if (error) job?.reject(new Error(error));
      else job?.resolve();
    });
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the folder writer stopped (exit ${code})`)));
    worker.unref();
    return worker;
  }

  /** The worker failed: what it was writing fails, and the next job starts another. */
  private lost(worker: Worker, error: Error) {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const job of this.waiting.values()) job.reject(error);
    this.waiting.clear();
  }
}

/** Folders written, or being written, for one command; taken once. */
class Folders implements LaidOut {
  private taken = false;

  constructor(private readonly ready: Promise<string>) {
    // Failures are met by whoever takes the folders; one thrown away unseen is no unhandled rejection.
    ready.catch(() => {});
  }

  /** The folder holding `package/` and `target/`, once written; undefined once taken. */
  take(): Promise<string> | undefined {
    if (this.taken) return undefined;
    this.taken = true;
    return this.ready;
  }

  discard() {
    this.take()?.then((folder) => launcher.remove(folder), () => {});
  }
}

/**
 * Lays out what each command gets (DESIGN.md section 10) in a fresh folder under `scratch`: `package/` (the package's
 * files and `manifest.json`) and `target/` (the target's state). A package file the target holds as it is, is a hard
 * link to the target's file: one call, not three. (A command that writes into a file in place changes both; they are
 * its to read.)
 */
export function folderLayout(scratch: string) {
  const writer = new FolderWriter();
  const layOut = (context: Omit<ActionContext, 'secrets'>) =>
    new Folders(
      mkdtemp(join(scratch, 'sandbox-action-')).then((folder) =>
        writer.write(jobFor(context, folder)).then(
          () => folder,
          (error: Error) => {
            launcher.remove(folder);
            throw error;
          },
        ),
      ),
    );
  return {
    layOut,
    /** The folder `layOut` began for this context, if no command took it yet, or a fresh one. */
    take: (context: ActionContext): Promise<string> => (context.laidOut instanceof Folders && context.laidOut.take()) || layOut(context).take()!,
  };
}

function jobFor(context: Omit<ActionContext, 'secrets'>, folder: string): FoldersJob {
  const held = new Map(context.state.map((c) => [c.key, c.content]));
  const files = context.files.filter((f) => f.content !== null);
  return {
    packageDir: join(folder, 'package'),
    targetDir: join(folder, 'target'),
    head: { environment: context.environment, request: context.request, run: context.run },
    items: {
      key: context.files.map((f) => f.key),
      action: context.files.map((f) => f.action),
      hash: context.files.map((f) => f.hash),
      baseHash: context.files.map((f) => f.baseHash),
      dependsOn: context.files.map((f) => f.dependsOn),
    },
    targetKeys: context.state.map((c) => c.key),
    targetContents: context.state.map((c) => c.content),
    packageKeys: files.map((f) => f.key),
    packageContents: files.map((f) => (held.get(f.key) === f.content ? null : f.content)),
  };
}
