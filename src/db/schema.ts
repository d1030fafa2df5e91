import { sql } from 'drizzle-orm';
import type { Message } from '../domain/message.ts';
import { at, keyList } from './columns.ts';
import { changeRequestState, changeRequestType, componentAction, environmentKind, logLevel, requestState, runKind, runStatus, voteDecision } from './enums.ts';
import {
  bigserial,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const environments = pgTable('environments', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  kind: environmentKind('kind').notNull(),
  position: integer('position').notNull(),
  channel: text('channel'),
  /** ApprovalPolicy as configured: { required, approvers, userGroups, requireChangeRequest, allowSelfApproval }. */
  approvals: jsonb('approvals').notNull(),
  deployers: keyList('deployers'),
  /** Systems a deployment acts on, the checks after it and hooks, as configured (Target[], Check[], Hooks: domain/actions.ts). */
  targets: jsonb('targets').notNull().default(sql`'[]'::jsonb`),
  checks: jsonb('checks').notNull().default(sql`'[]'::jsonb`),
  hooks: jsonb('hooks').notNull().default(sql`'{}'::jsonb`),
  /** Freeze windows as configured: [{ from, to, reason }] or [{ cron, for, reason }]. */
  freezes: jsonb('freezes').notNull().default(sql`'[]'::jsonb`),
  /** Deploys each request as soon as it is approved and validates, as the scheduler. */
  autoDeploy: boolean('auto_deploy').notNull().default(false),
  lockReason: text('lock_reason'),
  lockedBy: text('locked_by'),
  lockedAt: at('locked_at'),
});

export const instances = pgTable('instances', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  environmentId: integer('environment_id')
    .notNull()
    .references(() => environments.id),
  position: integer('position').notNull(),
  owner: text('owner'),
  /** The instance this one last synced from (the parent); its baseline rows hold the hashes of that moment. */
  parentInstanceId: integer('parent_instance_id'),
  syncedAt: at('synced_at'),
  /** Staging after a deployment upward (Idle): the change set that was deployed and stays visible. */
  deployedChangeHash: text('deployed_change_hash'),
  /** A git-backed instance: the commit of its branch it last read (null: never read), and how many reads were done. */
  gitTip: text('git_tip'),
  gitReads: integer('git_reads').notNull().default(0),
});

export const components = pgTable(
  'components',
  {
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id),
    key: text('key').notNull(),
    content: text('content').notNull(),
    hash: text('hash').notNull(),
    dependsOn: keyList('depends_on'),
    changedBy: text('changed_by').notNull(),
    changedAt: at('changed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.key] })],
);

export const baselineItems = pgTable(
  'baseline_items',
  {
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id),
    key: text('key').notNull(),
    hash: text('hash').notNull(),
    /** The content as synced (null in baselines kept before contents were), the base of a conflict's diffs. */
    content: text('content'),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.key] })],
);

export const packages = pgTable('packages', {
  id: serial('id').primaryKey(),
  sourceInstanceId: integer('source_instance_id')
    .notNull()
    .references(() => instances.id),
  changeHash: text('change_hash').notNull(),
  itemCount: integer('item_count').notNull(),
  createdAt: at('created_at').notNull(),
});

export const packageItems = pgTable(
  'package_items',
  {
    packageId: integer('package_id')
      .notNull()
      .references(() => packages.id),
    key: text('key').notNull(),
    action: componentAction('action').notNull(),
    /** New content and hash; null for a delete. */
    content: text('content'),
    hash: text('hash'),
    /** Hash the change was made against; null for an add. */
    baseHash: text('base_hash'),
    /** What the target held under this key when the package was made (null: nothing), so that its diff can be shown. */
    baseContent: text('base_content'),
    /** Its unified diff, drawn once (the package never changes): null until drawn, or when drawing it was cut off. */
    diff: text('diff'),
    dependsOn: keyList('depends_on'),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.key] })],
);

export const changeRequests = pgTable(
  'change_requests',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    type: changeRequestType('type').notNull(),
    overview: text('overview').notNull(),
    customizations: keyList('customizations'),
    proposedCustomizations: keyList('proposed_customizations'),
    additionalApprovers: keyList('additional_approvers'),
    state: changeRequestState('state').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    rejectionReason: text('rejection_reason'),
    /** Sync CR: the lower instance working on it, who synced it there and when. */
    workedInInstanceId: integer('worked_in_instance_id').references(() => instances.id),
    workedBy: text('worked_by'),
    workedSince: at('worked_since'),
  },
  // An instance works on one change request at a time.
  (t) => [uniqueIndex('change_requests_worked_in').on(t.workedInInstanceId).where(sql`${t.workedInInstanceId} is not null`)],
);

export const changeRequestVotes = pgTable(
  'change_request_votes',
  {
    changeRequestId: integer('change_request_id')
      .notNull()
      .references(() => changeRequests.id),
    voter: text('voter').notNull(),
    decision: voteDecision('decision').notNull(),
    reason: text('reason'),
    at: at('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.changeRequestId, t.voter] })],
);

export const runs = pgTable(
  'runs',
  {
    id: serial('id').primaryKey(),
    kind: runKind('kind').notNull(),
    status: runStatus('status').notNull(),
    user: text('user_id').notNull(),
    message: text('message'),
    requestId: integer('request_id'),
    instanceId: integer('instance_id').references(() => instances.id),
    environmentId: integer('environment_id').references(() => environments.id),
    startedAt: at('started_at').notNull(),
    endedAt: at('ended_at'),
    summary: text('summary'),
    /** The process running it (see `processes`): while that process lives, nobody else may call the run interrupted. */
    processId: integer('process_id'),
    /**
     * A failure (a failed deployment, a revert): when the next successful deployment into its environment ended. Set
     * by a trigger as that deployment ends (migration 0007).
     */
    restoredAt: at('restored_at'),
    restoreSeconds: doublePrecision('restore_seconds').generatedAlwaysAs(sql`date_part('epoch', restored_at - ended_at)`),
    /** The hash of the token a webhook target reports this run's status with (its callback), when it has webhook targets. */
    callbackHash: text('callback_hash'),
  },
  (t) => [
    index('runs_request_idx').on(t.requestId),
    index('runs_running_idx').on(t.status).where(sql`${t.status} = 'running'`),
    // Delivery metrics count an environment's runs of one kind and status over a period, and read the failures'
    // times to restore, from this index alone.
    index('runs_outcomes_idx').on(t.environmentId, t.kind, t.status, t.endedAt, t.restoreSeconds),
    // The failures not restored yet, which the next successful deployment into their environment restores.
    index('runs_unrestored_idx')
      .on(t.environmentId)
      .where(sql`${t.restoredAt} is null and ((${t.kind} = 'deploy' and ${t.status} = 'failed') or (${t.kind} = 'revert' and ${t.status} = 'succeeded'))`),
  ],
);

/**
 * Per environment and day (UTC): successful deployment runs ended, requests deployed and requests approved, kept by
 * triggers on runs and deployment_requests (migration 0007), so that delivery metrics count a period by its days.
 */
export const deliveryDays = pgTable(
  'delivery_days',
  {
    environmentId: integer('environment_id')
      .notNull()
      .references(() => environments.id),
    day: date('day', { mode: 'string' }).notNull(),
    deployments: integer('deployments').notNull().default(0),
    deployed: integer('deployed').notNull().default(0),
    approved: integer('approved').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.day] })],
);

export const runLogLines = pgTable(
  'run_log_lines',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    seq: integer('seq').notNull(),
    at: at('at').notNull(),
    level: logLevel('level').notNull(),
    text: text('text').notNull(),
  },
  (t) => [uniqueIndex('run_log_lines_run_seq').on(t.runId, t.seq)],
);

export const deploymentRequests = pgTable(
  'deployment_requests',
  {
    id: serial('id').primaryKey(),
    packageId: integer('package_id')
      .notNull()
      .references(() => packages.id),
    changeHash: text('change_hash').notNull(),
    sourceInstanceId: integer('source_instance_id')
      .notNull()
      .references(() => instances.id),
    targetInstanceId: integer('target_instance_id')
      .notNull()
      .references(() => instances.id),
    targetEnvironmentId: integer('target_environment_id')
      .notNull()
      .references(() => environments.id),
    requester: text('requester').notNull(),
    message: text('message').notNull(),
    state: requestState('state').notNull(),
    changeRequestId: integer('change_request_id').references(() => changeRequests.id),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    decidedBy: text('decided_by'),
    reason: text('reason'),
    deployedBy: text('deployed_by'),
    deployedAt: at('deployed_at'),
    deployRunId: integer('deploy_run_id').references(() => runs.id),
    revertRunId: integer('revert_run_id').references(() => runs.id),
    /** A deployment planned for this time by `scheduledBy`; the scheduler claims it by clearing it. */
    scheduledAt: at('scheduled_at'),
    scheduledBy: text('scheduled_by'),
    /** Approval reminders posted so far; when the environment's admins were called in after the last one. */
    remindersSent: integer('reminders_sent').notNull().default(0),
    escalatedAt: at('escalated_at'),
    /** When the request became approved (or was sent approved): the end of its approval wait. */
    approvedAt: at('approved_at'),
    /** Lead time and approval wait, kept beside the times they come from so that their medians read from an index. */
    leadSeconds: doublePrecision('lead_seconds').generatedAlwaysAs(sql`date_part('epoch', deployed_at - created_at)`),
    waitSeconds: doublePrecision('wait_seconds').generatedAlwaysAs(sql`date_part('epoch', approved_at - created_at)`),
    /** The approver who took it on ("Assign to me"), and since when. */
    claimedBy: text('claimed_by'),
    claimedAt: at('claimed_at'),
    /** What its sender was warned of at send time (drift, missing dependencies…), shown to its approvers. */
    warnings: jsonb('warnings').$type<Message[]>().notNull().default(sql`'[]'::jsonb`),
  },
  (t) => [
    // The same change set from one instance can wait in a queue only once (two identical sends race here).
    // The states are QUEUED_STATES of src/domain/states.ts.
    uniqueIndex('deployment_requests_one_active_send')
      .on(t.sourceInstanceId, t.changeHash)
      .where(sql`${t.state} in ('pending_approval', 'approved', 'deploying', 'failed')`),
    index('deployment_requests_queue_idx').on(t.targetEnvironmentId, t.state),
    // Delivery metrics: how many of an environment's requests were deployed (approved) in a period, and the middle
    // ones of their lead times (approval waits) read in order: a median without a sort.
    index('deployment_requests_deployed_idx').on(t.targetEnvironmentId, t.deployedAt),
    index('deployment_requests_approved_idx').on(t.targetEnvironmentId, t.approvedAt),
    index('deployment_requests_lead_idx').on(t.targetEnvironmentId, t.leadSeconds, t.deployedAt),
    index('deployment_requests_wait_idx').on(t.targetEnvironmentId, t.waitSeconds, t.approvedAt),
  ],
);

export const requestVotes = pgTable(
  'request_votes',
  {
    requestId: integer('request_id')
      .notNull()
      .references(() => deploymentRequests.id),
    voter: text('voter').notNull(),
    decision: voteDecision('decision').notNull(),
    reason: text('reason'),
    at: at('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.voter] })],
);

/** Prior state of every component a deployment touched, written in the deployment's own transaction. */
export const deploymentSnapshots = pgTable(
  'deployment_snapshots',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    existed: boolean('existed').notNull(),
    content: text('content'),
    hash: text('hash'),
    dependsOn: keyList('depends_on'),
    changedBy: text('changed_by'),
    changedAt: at('changed_at'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] })],
);

/** Change sets that were reverted: never deployable again as-is. */
export const revertedChangeSets = pgTable('reverted_change_sets', {
  changeHash: text('change_hash').primaryKey(),
  requestId: integer('request_id').notNull(),
  at: at('at').notNull(),
});

// The running service's own bookkeeping (posted messages, processes, scheduler ticks, Slack deliveries).
export * from './enums.ts';
export * from './service-tables.ts';
export * from './conflict-tables.ts';
export * from './api-tables.ts';
export * from './audit-tables.ts';
export * from './target-tables.ts';
