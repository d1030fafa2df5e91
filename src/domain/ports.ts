import type { PackageFile } from './actions.ts';
import type { SecretRepository } from './secrets.ts';
import type { ApiTokenRepository, ChangeCountRepository, IdempotencyRepository, RunStatusRepository } from './api-tokens.ts';
import type {
  AuditEvent,
  Change,
  ChangeRequest,
  ChangeRequestState,
  Component,
  ComponentAction,
  ComponentSummary,
  DeployCheck,
  DeploymentRequest,
  Difference,
  DifferenceWithContent,
  Environment,
  EnvironmentLock,
  Instance,
  ListedRequest,
  LogLine,
  MergeRow,
  Package,
  RequestState,
  Run,
  RunKind,
  RunStatus,
  SyncConflict,
  SyncConflictContents,
  Vote,
} from './types.ts';

/** Which requests a listing wants: in these states, to this environment, from this instance (each optional). */
export interface RequestFilter {
  states?: RequestState[];
  environmentId?: number;
  sourceInstanceId?: number;
}

/**
 * What the domain needs from storage. Set-based operations (apply, snapshot, compare, merge rows)
 * are single statements in the implementation so that large instances never load into memory.
 */
export interface Repositories {
  environments: {
    list(): Promise<Environment[]>;
    byName(name: string): Promise<Environment | undefined>;
    byId(id: number): Promise<Environment | undefined>;
    /** Row lock held until the transaction ends: serialises deployments to one environment. */
    lockForDeployment(id: number): Promise<Environment>;
    /** Shared row lock until the transaction ends: reads its instances while no deployment changes them. */
    holdSteady(id: number): Promise<void>;
    setLock(id: number, lock: EnvironmentLock | null): Promise<void>;
  };
  instances: {
    list(): Promise<Instance[]>;
    byName(name: string): Promise<Instance | undefined>;
    byId(id: number): Promise<Instance | undefined>;
    /** Locks the instance row until the transaction ends (its sync, send, edits, deployments into it); returns it as it is now. */
    lockRow(id: number): Promise<Instance>;
    /** Shared lock until the transaction ends: nobody changes the instance while a sync reads it. */
    holdSteady(id: number): Promise<void>;
    setDeployedChangeHash(id: number, hash: string | null): Promise<void>;
    /** The new baseline is `sourceId` as it is now; the source becomes the parent. */
    replaceBaseline(id: number, sourceId: number, at: Date): Promise<void>;
    /** Development after deployment: the baseline takes every item of the package. */
    absorbIntoBaseline(id: number, packageId: number): Promise<void>;
    /** The commit of a git-backed instance's branch it last read (null: never), and how many reads were done. */
    gitRead(id: number): Promise<{ tip: string | null; reads: number }>;
    /** A read of the branch is done: it held `tip`. */
    recordGitRead(id: number, tip: string): Promise<void>;
  };
  components: {
    list(instanceId: number): Promise<Component[]>;
    /**
     * Each component's key and content, in no order: what a command's `SANDBOX_TARGET_DIR` holds. `besides`: leaving out
     * the keys of that package (what a deployment of it leaves as it is).
     */
    contents(instanceId: number, besides?: { packageId: number }): Promise<{ key: string; content: string }[]>;
    get(instanceId: number, key: string): Promise<Component | undefined>;
    count(instanceId: number): Promise<number>;
    /** The first `limit` components by key, without their content. */
    summaries(instanceId: number, limit: number): Promise<ComponentSummary[]>;
    put(instanceId: number, component: Component): Promise<void>;
    putMany(instanceId: number, components: Component[]): Promise<void>;
    remove(instanceId: number, key: string): Promise<boolean>;
    /** The instance's project: every key that differs from its baseline. */
    changes(instanceId: number): Promise<Change[]>;
    /** True when the parent changed since the last sync somewhere this instance does not already match it. */
    parentDrifted(instanceId: number, parentId: number): Promise<boolean>;
    /** Keys where baseline, local and upstream are not all equal. */
    mergeRows(instanceId: number, sourceId: number): Promise<MergeRow[]>;
    /** Copies `keys` from the source (removing those the source does not have). */
    takeFrom(instanceId: number, sourceId: number, keys: string[]): Promise<void>;
    compare(fromId: number, toId: number): Promise<Difference[]>;
    /** As compare, with the content in `fromId` (before) and in `toId` (after), null where absent. */
    compareContents(fromId: number, toId: number): Promise<DifferenceWithContent[]>;
  };
  conflicts: {
    /**
     * Records a sync's conflicts of `keys`, before the baseline moves on: base as the baseline holds it, theirs as the
     * source does. A key still in conflict from an earlier sync keeps the base it had.
     */
    record(instanceId: number, sourceId: number, keys: string[], runId: number, at: Date): Promise<void>;
    /** Forgets the conflicts that settled themselves: the instance now holds what the source holds. */
    dropSettled(instanceId: number, sourceId: number): Promise<void>;
    open(instanceId: number): Promise<SyncConflict[]>;
    get(instanceId: number, key: string): Promise<SyncConflictContents | undefined>;
    /** The conflict is resolved: false when it was not open (someone resolved it already). */
    close(instanceId: number, key: string): Promise<boolean>;
  };
  packages: {
    /**
     * Snapshots the instance's project (only `keys` of it, when given) into an immutable package, with what `targetId`
     * holds under each key.
     */
    createFromProject(instanceId: number, targetId: number, at: Date, keys?: string[]): Promise<Package>;
    setChangeHash(packageId: number, changeHash: string): Promise<void>;
    byId(id: number): Promise<Package | undefined>;
    items(packageId: number): Promise<Change[]>;
    /** Every item with its content and dependencies, by key: what an outside command gets of the package. */
    files(packageId: number): Promise<PackageFile[]>;
    /** The items with their content before (what the target held when the package was made) and after, by key. */
    contents(packageId: number, key?: string): Promise<ItemContents[]>;
    /** The keys of the package's items, in order. */
    itemKeys(packageId: number): Promise<string[]>;
    /** As contents, of the items from key `first` to key `last`. */
    contentsBetween(packageId: number, first: string, last: string): Promise<ItemContents[]>;
    /** Keeps the diffs drawn of package items, so that they are read instead of drawn again. */
    keepDiffs(packageId: number, diffs: { key: string; diff: string }[]): Promise<void>;
    /** Dependencies of package items that will not exist in the target once the package is applied. */
    missingDependencies(packageId: number, targetId: number): Promise<{ key: string; missing: string }[]>;
    /** Dependencies of package items that the instance changed but the package leaves out (a selective send). */
    leftOutDependencies(packageId: number, instanceId: number): Promise<{ key: string; missing: string }[]>;
    /** Items whose base hash no longer matches the target (the target drifted). */
    driftedItems(packageId: number, targetId: number): Promise<{ key: string; expected: string | null; actual: string | null }[]>;
    /** Items the target does not hold as the package says (post-deploy compare). */
    unappliedItems(packageId: number, targetId: number): Promise<string[]>;
    /** Package items that fail a check: as the target holds them (after apply), or as packaged (no target). */
    checkViolations(packageId: number, check: DeployCheck, targetId?: number): Promise<string[]>;
    snapshotTarget(packageId: number, targetId: number, runId: number): Promise<number>;
    applyTo(packageId: number, targetId: number, by: string, at: Date): Promise<number>;
    /** Restores what the run's snapshot holds (only `keys` of it, when given) into the target. */
    restoreSnapshot(runId: number, targetId: number, keys?: string[]): Promise<number>;
  };
  requests: {
    create(request: Omit<DeploymentRequest, 'id' | 'scheduledAt' | 'scheduledBy' | 'remindersSent' | 'escalatedAt' | 'claimedBy' | 'claimedAt'>): Promise<DeploymentRequest | undefined>;
    byId(id: number): Promise<DeploymentRequest | undefined>;
    lockRow(id: number): Promise<DeploymentRequest | undefined>;
    activeFor(sourceInstanceId: number, changeHash: string): Promise<DeploymentRequest | undefined>;
    inStates(states: RequestState[], environmentId?: number): Promise<DeploymentRequest[]>;
    /** Requests matching the filter with their names, newest first, those with an id below `before` only; at most `limit`. */
    page(filter: RequestFilter, before: number | null, limit: number): Promise<ListedRequest[]>;
    /** Moves the request only if it is in one of `from`; returns the updated row, or undefined. */
    transition(
      id: number,
      from: RequestState[],
      to: RequestState,
      changes: Partial<DeploymentRequest>,
    ): Promise<DeploymentRequest | undefined>;
    /** Sets or clears (`at` null) the request's scheduled deployment, only if it is in one of `states`. */
    plan(id: number, states: RequestState[], at: Date | null, by: string | null): Promise<DeploymentRequest | undefined>;
    /**
     * Sets who holds the request (`by` null: nobody), only while it awaits approval and is held by `holder` (null:
     * nobody); returns the updated row, or undefined when it was not so.
     */
    hold(id: number, holder: string | null, by: string | null, at: Date | null): Promise<DeploymentRequest | undefined>;
    /** Clears every schedule due at `now` and returns them: each is taken by one caller only. */
    takeDue(now: Date): Promise<{ requestId: number; by: string; at: Date }[]>;
    /** Records that reminders `from`+1 … `to` went out, unless someone else counted them first (false then). */
    countReminders(id: number, from: number, to: number): Promise<boolean>;
    /** Records that the request's admins were called in (once: false when someone did already, or it was decided). */
    escalate(id: number, at: Date): Promise<boolean>;
    latestDeployedTo(environmentId: number): Promise<DeploymentRequest | undefined>;
    /** Deployed or reverted requests, the latest deployment first. */
    recentlyDeployed(limit: number): Promise<DeploymentRequest[]>;
    withChangeRequest(changeRequestId: number): Promise<DeploymentRequest[]>;
    addVote(requestId: number, vote: Vote): Promise<boolean>;
    votes(requestId: number): Promise<Vote[]>;
    isReverted(changeHash: string): Promise<boolean>;
    markReverted(changeHash: string, requestId: number, at: Date): Promise<void>;
  };
  changeRequests: {
    create(cr: Omit<ChangeRequest, 'id' | 'workedInInstanceId' | 'workedBy' | 'workedSince'>): Promise<ChangeRequest>;
    byId(id: number): Promise<ChangeRequest | undefined>;
    lockRow(id: number): Promise<ChangeRequest | undefined>;
    list(): Promise<ChangeRequest[]>;
    setState(id: number, state: ChangeRequestState, at: Date, rejectionReason?: string): Promise<void>;
    /** The change request `instanceId` works on (Sync CR), if any. */
    workedIn(instanceId: number): Promise<ChangeRequest | undefined>;
    /** Sync CR: the instance now works on it (null: none does); whoever worked there before no longer does. */
    setWorkedIn(id: number, work: { instanceId: number; by: string; at: Date } | null): Promise<void>;
    /** Proposed keys that now exist in `instanceId` become existing customizations; answers the keys moved. */
    promoteProposed(id: number, instanceId: number): Promise<string[]>;
    addVote(id: number, vote: Vote): Promise<boolean>;
    votes(id: number): Promise<Vote[]>;
  };
  runs: {
    /** `callbackHash`: the hash of the token its webhook targets report its status with. */
    create(run: { kind: RunKind; user: string; message: string | null; requestId: number | null; instanceId: number | null; environmentId: number | null; startedAt: Date; callbackHash?: string }): Promise<Run>;
    /** Ends the run unless it already ended (e.g. marked interrupted); false then. */
    finish(id: number, status: RunStatus, endedAt: Date, summary: string | null): Promise<boolean>;
    appendLines(runId: number, firstSeq: number, lines: LogLine[]): Promise<void>;
    byId(id: number): Promise<Run | undefined>;
    /** Whether `hash` is the hash of the run's callback token. */
    takesCallback(id: number, hash: string): Promise<boolean>;
    forRequest(requestId: number): Promise<Run[]>;
    lines(runId: number): Promise<LogLine[]>;
    /** How many log lines of the run are stored: the sequence number the next one takes. */
    lineCount(runId: number): Promise<number>;
    /** At most `limit` log lines of a run from sequence number `from` (0: the first) on, each with its number. */
    linesFrom(runId: number, from: number, limit: number): Promise<(LogLine & { seq: number })[]>;
    /** Runs still `running` whose process is gone. */
    orphaned(): Promise<Run[]>;
  };
  metrics: {
    /** Delivery figures of each environment over a period (see DeliveryFigures), in the order of the ids given. */
    delivery(period: DeliveryPeriod, environmentIds: number[]): Promise<DeliveryFigures[]>;
  };
  tokens: ApiTokenRepository;
  idempotency: IdempotencyRepository;
  runStatuses: RunStatusRepository;
  changeCounts: ChangeCountRepository;
  secrets: SecretRepository;
  audit: {
    record(event: Omit<AuditEvent, 'id'>): Promise<void>;
    list(filter: { subject?: string; since?: Date; limit: number }): Promise<AuditEvent[]>;
  };
}

/**
 * One package item's content before and after (null: absent), as its diff is drawn; or its diff, drawn before (then
 * without the contents, which are not read).
 */
export interface ItemContents {
  key: string;
  action: ComponentAction;
  before: string | null;
  after: string | null;
  diff: string | null;
}

/** The period of delivery metrics: from `since`, counted in `weeks` weeks from `firstWeek`, the Monday (UTC) of `since`'s week. */
export interface DeliveryPeriod {
  since: Date;
  firstWeek: Date;
  weeks: number;
}

/** What the store counts for delivery metrics, per environment; hours are medians, null when there is nothing to measure. */
export interface DeliveryFigures {
  environmentId: number;
  /** Successful deployment runs in each week of the period, the first counted from `since`. */
  weekly: number[];
  /** Failed deployment runs. */
  failed: number;
  /** Successful reverts. */
  reverted: number;
  /** From send to deployment. */
  leadTimeHours: number | null;
  /** From a failed or reverted deployment to the next successful one. */
  timeToRestoreHours: number | null;
  /** From send to approval (a request that needed none was approved when sent). */
  approvalWaitHours: number | null;
}

/** Storage: the repositories, plus a unit of work in which they all act in one transaction. */
export interface Store extends Repositories {
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
}

export interface Clock {
  now(): Date;
}

/** Resolves a user group (Slack `S…` id) to its members. */
export interface UserGroupResolver {
  members(groupId: string): Promise<string[]>;
}

/** Step `done` of `total` of a run, under way: `{ done: 4, total: 6, name: 'applying the package' }`. */
export interface RunStep {
  done: number;
  total: number;
  name: string;
}

/** Receives log lines of runs the moment they happen (the Slack app threads them live). */
export interface LogSink {
  /**
   * A run is about to do its work: the sink may read what it needs meanwhile (the run waits, so that nothing it
   * needs is held up behind the run's transaction). Never fails the run.
   */
  started?(run: Run): Promise<void>;
  line(run: Run, line: LogLine): void;
  /** The step the run has reached (a deployment's checks, apply, tests; a sync's merge). */
  progress?(run: Run, step: RunStep): void;
  finished?(run: Run): void;
}

/** Who is acting, and through which adapter (recorded in the audit). */
export interface Actor {
  user: string;
  via: 'slack' | 'cli' | 'scheduler' | 'system' | 'api';
  /** Acting through the HTTP API: the instances its token may work on, in place of owning them (see api-tokens.ts). */
  instances?: readonly string[];
}

export type { FoundMessage, MessageRole, PostedMessage, PostedMessages, ThreadProgress, UnfinishedThread } from './posted-messages.ts';
