/**
 * Where git-backed instances are read from (the git adapter, DESIGN.md section 9): what an instance's branch holds
 * now. The domain knows nothing of git: only tips, components and who last changed each.
 */
export interface SourceComponent {
  key: string;
  content: string;
  dependsOn: string[];
  /** Who made the last change to it among the commits read (an author's email); absent when none of them did. */
  author?: string;
}

export interface SourceSnapshot {
  /** The commit read (the branch's tip). */
  tip: string;
  /** Every component the branch holds, or (not complete) only those written since the tip asked about. */
  complete: boolean;
  components: SourceComponent[];
  /** Not complete: the keys removed since the tip asked about. */
  removed: string[];
}

export interface InstanceSources {
  /** Whether the instance is kept in git. */
  backs(instance: string): boolean;
  /** The name of the branch a git-backed instance is kept on. */
  branch(instance: string): string;
  /**
   * Fetches the instance's branch and reads its tip: what changed since the tip `since` when it can, else all of it.
   * The authors are those of the commits since `since` (null: of the whole history). A branch that cannot be reached
   * or read is refused with what to check.
   */
  read(instance: string, since: string | null): Promise<SourceSnapshot>;
  /**
   * Writes one commit on the instance's branch and pushes it, only if the branch is still at `parent` (a lease on the
   * tip last read); answers the new tip. A refused push is a refusal that says why, and changes nothing there.
   */
  write(instance: string, commit: SourceCommit): Promise<string>;
  /** The commits the branch holds beyond `tip` (fetched now), newest first: none when it is still there. */
  movedSince(instance: string, tip: string): Promise<{ id: string; author: string; subject: string }[]>;
  /**
   * If the branch's tip is the bot's commit of run `run` (a `Sandbox-Run` trailer) made on `base`, whose database
   * transaction never committed: pushes one commit putting the files back as `base` has them and answers it.
   * Undefined when the tip is anything else.
   */
  undo(instance: string, run: string, base: string): Promise<string | undefined>;
  /** Checks the instance's remote without changing anything: reachable, its branch present, a push permitted. */
  test(instance: string): Promise<ConnectionCheck[]>;
}

/** One check of a connection: what was checked, whether it held, what was found or went wrong, and how long it took. */
export interface ConnectionCheck {
  check: string;
  ok: boolean;
  detail: string;
  ms: number;
}

/** One commit the bot writes on an instance's branch (a deployment, a revert). */
export interface SourceCommit {
  parent: string;
  /** The components it writes (their content) or removes (null). */
  components: { key: string; content: string | null }[];
  /** Every dependency of the instance once the commit is made, as `.dependencies.json` holds them. */
  dependencies: Record<string, string[]>;
  message: string;
  at: Date;
}

/** Work done by one process at a time, across every replica (reading an instance's branch), keyed by what it is about. */
export interface Exclusive {
  exclusively<T>(key: string, work: () => Promise<T>): Promise<T>;
}
