import type { Check, Hooks, Target } from './actions.ts';
import type { Message } from './message.ts';

export type EnvironmentKind = 'development' | 'staging' | 'production';
export type ComponentAction = 'add' | 'modify' | 'delete';
export type RequestState =
  | 'pending_approval'
  | 'approved'
  | 'deploying'
  | 'deployed'
  | 'rejected'
  | 'failed'
  | 'expired'
  | 'reverted';
export type ChangeRequestType = 'standard' | 'normal' | 'emergency';
export type ChangeRequestState =
  | 'draft'
  | 'pending_approval'
  | 'approved'
  | 'in_progress'
  | 'deployed'
  | 'completed'
  | 'rejected'
  | 'reverted';
export type VoteDecision = 'approve' | 'reject';
export type RunKind = 'sync' | 'validate' | 'deploy' | 'revert';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';
export type LogLevel = 'info' | 'warn' | 'error';
export type ProjectState = 'Active' | 'Sent' | 'Ready' | 'Idle';

export interface ApprovalPolicy {
  required: number;
  approvers: string[];
  userGroups: string[];
  requireChangeRequest: boolean;
  allowSelfApproval: boolean;
}

/** A post-deploy check: no deployed component (of the given types) may contain `forbid`. */
export interface DeployCheck {
  name: string;
  forbid: string;
  types?: string[];
}

/** A window during which deployments to an environment are refused: fixed, or recurring (starts at `cron`, lasts `for`). */
export type Freeze = { from: string; to: string; reason: string } | { cron: string; for: string; reason: string; timezone?: string };

export interface EnvironmentLock {
  reason: string;
  by: string;
  at: Date;
}

export interface Environment {
  id: number;
  name: string;
  kind: EnvironmentKind;
  position: number;
  channel: string | null;
  approvals: ApprovalPolicy;
  deployers: string[];
  /** What a deployment acts on outside the bot, the checks after it, and hooks around syncs, deployments and reverts (actions.ts). */
  targets: Target[];
  checks: Check[];
  hooks: Hooks;
  freezes: Freeze[];
  /** Requests deploy themselves (as the scheduler) once approved and validated. */
  autoDeploy: boolean;
  lock: EnvironmentLock | null;
}

export interface Instance {
  id: number;
  name: string;
  environmentId: number;
  owner: string | null;
  parentInstanceId: number | null;
  syncedAt: Date | null;
  deployedChangeHash: string | null;
}

export interface Component {
  key: string;
  content: string;
  hash: string;
  dependsOn: string[];
  changedBy: string;
  changedAt: Date;
}

/** A component without its content: what a listing shows. */
export type ComponentSummary = Omit<Component, 'content'>;

/** One entry of a project: a component that differs from the instance's baseline. */
export interface Change {
  key: string;
  action: ComponentAction;
  hash: string | null;
  baseHash: string | null;
}

export interface ChangeSummary {
  added: number;
  modified: number;
  deleted: number;
}

export interface Package {
  id: number;
  sourceInstanceId: number;
  changeHash: string;
  itemCount: number;
  createdAt: Date;
}

export interface DeploymentRequest {
  id: number;
  packageId: number;
  changeHash: string;
  sourceInstanceId: number;
  targetInstanceId: number;
  targetEnvironmentId: number;
  requester: string;
  message: string;
  state: RequestState;
  changeRequestId: number | null;
  createdAt: Date;
  updatedAt: Date;
  decidedBy: string | null;
  reason: string | null;
  deployedBy: string | null;
  deployedAt: Date | null;
  deployRunId: number | null;
  revertRunId: number | null;
  /** A deployment planned for this time by `scheduledBy` (`/sandbox deploy DR-n at …`). */
  scheduledAt: Date | null;
  scheduledBy: string | null;
  remindersSent: number;
  /** When the environment's admins were called in, after the last reminder. */
  escalatedAt: Date | null;
  /** When it became approved (sent approved: when it was sent). */
  approvedAt: Date | null;
  /** The approver who took it on ("Assign to me"), and since when. */
  claimedBy: string | null;
  claimedAt: Date | null;
  /** What its sender was warned of at send time, kept for its approvers. */
  warnings: Message[];
}

/** A request with the names of the instances it goes from and to and of the environment it goes to. */
export interface ListedRequest {
  request: DeploymentRequest;
  source: string;
  target: string;
  environment: string;
}

export interface Vote {
  voter: string;
  decision: VoteDecision;
  reason: string | null;
  at: Date;
}

export interface ChangeRequest {
  id: number;
  name: string;
  type: ChangeRequestType;
  overview: string;
  customizations: string[];
  proposedCustomizations: string[];
  additionalApprovers: string[];
  state: ChangeRequestState;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  rejectionReason: string | null;
  /** Sync CR: the lower instance working on it, who synced it there, since when (null: none). */
  workedInInstanceId: number | null;
  workedBy: string | null;
  workedSince: Date | null;
}

export interface Run {
  id: number;
  kind: RunKind;
  status: RunStatus;
  user: string;
  message: string | null;
  requestId: number | null;
  instanceId: number | null;
  environmentId: number | null;
  startedAt: Date;
  endedAt: Date | null;
  summary: string | null;
}

export interface LogLine {
  at: Date;
  level: LogLevel;
  text: string;
}

export interface AuditEvent {
  id: number;
  at: Date;
  actor: string;
  via: string;
  action: string;
  subject: string;
  outcome: string;
  details: Record<string, unknown> | null;
}

export interface Difference {
  key: string;
  change: 'added' | 'removed' | 'changed';
}

export interface DifferenceWithContent extends Difference {
  before: string | null;
  after: string | null;
}

/** A three-way view of one key during a sync: hashes in the baseline, here, and upstream (null = absent). */
export interface MergeRow {
  key: string;
  base: string | null;
  local: string | null;
  upstream: string | null;
}

/** A sync conflict not resolved yet: `key` changed both in the instance and in the source since the last sync. */
export interface SyncConflict {
  key: string;
  sourceInstanceId: number;
  detectedAt: Date;
  /** What both sides changed from; null: the component did not exist. */
  baseHash: string | null;
  /** What the source held at the sync; null: the source deleted it. */
  theirsHash: string | null;
}

/** A conflict with the contents of its base and theirs (null: absent; a base with a hash and no content was not kept). */
export interface SyncConflictContents extends SyncConflict {
  baseContent: string | null;
  theirsContent: string | null;
  theirsDependsOn: string[];
}
