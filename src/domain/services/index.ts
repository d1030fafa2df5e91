import { findInstance } from '../lookups.ts';
import { type ServiceDeps } from '../service-deps.ts';
import { assertMayWorkOn, SCHEDULER } from './access.ts';
import type { Actor } from '../ports.ts';
import type { Run } from '../types.ts';
import { approve, assertMayApprove, assertMayReject, reject } from './approvals.ts';
import {
  approveChangeRequest,
  assertMayVoteOnChangeRequest,
  changeRequestDetails,
  completeChangeRequest,
  createChangeRequest,
  listChangeRequests,
  type NewChangeRequest,
  rejectChangeRequest,
  submitChangeRequest,
} from './change-requests.ts';
import { changeRequestSyncTargets, compareChangeRequest, syncChangeRequest } from './change-request-work.ts';
import { claim, unclaim } from './claims.ts';
import { dueAutoDeployments } from './auto-deploy.ts';
import { approvalDigests, takeDueEscalations } from './digests.ts';
import { type ComponentInput, listComponents, putComponents, removeComponent, summarizeComponents } from './components.ts';
import { assertDeployable, deploy, validate } from './deploy.ts';
import { recoverInterruptedRuns } from './interrupted.ts';
import { lock, unlock } from './locks.ts';
import { deliveryMetrics } from './metrics.ts';
import { compareContent, requestChanges, requestDiff } from './diffs.ts';
import { auditTrail, compare, logs, ownedInstances, queue, recentDeployments, report, requestOverview, runContext, status, whoami } from './queries.ts';
import { assertMayRevert, revert, revertable } from './revert.ts';
import { type ReminderPolicy, driftReport, expireStaleRequests, scheduleDeployment, takeDueDeployments, takeDueReminders, unscheduleDeployment } from './schedules.ts';
import { type SendInput, send, sendPreview } from './send.ts';
import { sync, syncSources } from './sync.ts';
import { conflictDetails, openConflicts, resolveConflict } from './conflicts.ts';
import { refresh, refreshAll } from './refresh.ts';
import { type ConnectionTest, testConnections } from './connections.ts';
import { type Answer, answerOnce, forgetOldAnswers } from './idempotency.ts';
import { reportRunStatus, type StatusReporter } from './run-statuses.ts';
import { listRequests, type RequestQuery, runLog } from './listings.ts';
import { listSecrets, setSecret } from './secrets.ts';
import { StatusInbox } from '../status-feed.ts';
import { authenticate, createToken, listTokens, revokeToken, type TokenInput } from './tokens.ts';
/** The whole domain, bound to its ports: what the Slack app and the command line call. */
export function createServices(given: ServiceDeps) {
  // One per process: the route that takes a status callback in hands it to the deployment here that waits for it.
  const deps: ServiceDeps = { ...given, statusInbox: given.statusInbox ?? new StatusInbox() };
  return {
    deps,
    components: {
      put: (actor: Actor, instance: string, inputs: ComponentInput[]) => putComponents(deps, actor, instance, inputs),
      remove: (actor: Actor, instance: string, key: string) => removeComponent(deps, actor, instance, key),
      list: (instance: string) => listComponents(deps, instance),
      summarize: (instance: string, limit: number) => summarizeComponents(deps, instance, limit),
    },
    syncSources: (instance: string) => syncSources(deps, instance),
    /** Refuses a sync or send of an instance someone else owns, before a form is filled in. */
    assertMayWorkOn: async (actor: Actor, instance: string, verb: 'sync' | 'send' | 'resolve conflicts in') => assertMayWorkOn(deps, actor, await findInstance(deps.store, instance), verb),
    sync: (actor: Actor, instance: string, from?: string) => sync(deps, actor, instance, from),
    refresh: (actor: Actor, instance: string) => refresh(deps, actor, instance),
    testConnections: (environment: string, progress?: (so: ConnectionTest) => void) => testConnections(deps, environment, progress),
    conflicts: {
      open: (instance: string) => openConflicts(deps, instance),
      details: (instance: string, key: string) => conflictDetails(deps, instance, key),
      resolve: (actor: Actor, instance: string, key: string, keep: string) => resolveConflict(deps, actor, instance, key, keep),
    },
    sendPreview: (instance: string, actor?: Actor) => sendPreview(deps, instance, actor),
    send: (actor: Actor, input: SendInput) => send(deps, actor, input),
    approve: (actor: Actor, requestId: number) => approve(deps, actor, requestId),
    reject: (actor: Actor, requestId: number, reason: string) => reject(deps, actor, requestId, reason),
    claim: (actor: Actor, requestId: number) => claim(deps, actor, requestId),
    unclaim: (actor: Actor, requestId: number) => unclaim(deps, actor, requestId),
    /** Read-only checks a button runs before it asks for confirmation or a reason. */
    assertMayApprove: (actor: Actor, requestId: number) => assertMayApprove(deps, actor, requestId).then(() => undefined),
    assertMayReject: (actor: Actor, requestId: number) => assertMayReject(deps, actor, requestId).then(() => undefined),
    assertDeployable: (actor: Actor, requestId: number) => assertDeployable(deps, actor, requestId).then(() => undefined),
    validate: (actor: Actor, requestId: number) => validate(deps, actor, requestId),
    deploy: (actor: Actor, requestId: number) => deploy(deps, actor, requestId),
    scheduleDeployment: (actor: Actor, requestId: number, at: Date) => scheduleDeployment(deps, actor, requestId, at),
    unscheduleDeployment: (actor: Actor, requestId: number) => unscheduleDeployment(deps, actor, requestId),
    /** The scheduler's work: each call takes what is due, once across every process on the database. */
    scheduler: {
      takeDueDeployments: () => takeDueDeployments(deps),
      takeDueReminders: (policy: ReminderPolicy) => takeDueReminders(deps, policy),
      expireStaleRequests: (expireAfter: number) => expireStaleRequests(deps, expireAfter),
      driftReport: () => driftReport(deps),
      approvalDigests: (expireAfter: number) => approvalDigests(deps, expireAfter),
      dueAutoDeployments: () => dueAutoDeployments(deps),
      takeDueEscalations: (policy: ReminderPolicy) => takeDueEscalations(deps, policy),
      /** Every instance kept in git read again; answers those that could not be, with why. */
      refreshAll: () => refreshAll(deps, SCHEDULER),
    },
    revertable: (environment?: string) => revertable(deps, environment),
    assertMayRevert: (actor: Actor, environment?: string) => assertMayRevert(deps, actor, environment),
    revert: (actor: Actor, environment?: string, reason?: string, only?: string[]) => revert(deps, actor, environment, reason, only),
    lock: (actor: Actor, environment: string, reason: string) => lock(deps, actor, environment, reason),
    unlock: (actor: Actor, environment: string) => unlock(deps, actor, environment),
    recoverInterruptedRuns: () => recoverInterruptedRuns(deps),
    status: () => status(deps),
    queue: (environment?: string) => queue(deps, environment),
    compare: (a: string, b: string) => compare(deps, a, b),
    compareContent: (a: string, b: string) => compareContent(deps, a, b),
    diff: (requestId: number, key?: string) => requestDiff(deps, requestId, key),
    changesOf: (requestId: number) => requestChanges(deps, requestId),
    logs: (ref: string) => logs(deps, ref),
    report: (ref: string) => report(deps, ref),
    audit: (filter: { subject?: string; since?: Date; limit?: number }) => auditTrail(deps, filter),
    whoami: (actor: Actor) => whoami(deps, actor),
    ownedInstances: (actor: Actor) => ownedInstances(deps, actor),
    requestOverview: (requestId: number) => requestOverview(deps, requestId),
    listRequests: (query: RequestQuery) => listRequests(deps, query),
    /** How many committed changes requests and tokens have seen: copies kept in memory are good while these hold. */
    changeCounts: () => deps.store.changeCounts.read(),
    runLog: (runId: number, from?: number, limit?: number) => runLog(deps, runId, from, limit),
    reportRunStatus: (reporter: StatusReporter, runId: number, report: { state: string; description?: string }) => reportRunStatus(deps, reporter, runId, report),
    runContext: (run: Run) => runContext(deps, run),
    recentDeployments: (limit?: number) => recentDeployments(deps, limit),
    metrics: (options: { environment?: string; days?: number }) => deliveryMetrics(deps, options),
    secrets: {
      /** Stores a secret of an environment, sealed; it is never shown again. */
      set: (actor: Actor, environment: string, name: string, value: string) => setSecret(deps, actor, environment, name, value),
      list: (actor: Actor) => listSecrets(deps, actor),
    },
    tokens: {
      create: (actor: Actor, input: TokenInput) => createToken(deps, actor, input),
      list: (actor: Actor) => listTokens(deps, actor),
      revoke: (actor: Actor, name: string) => revokeToken(deps, actor, name),
      /** The token of an API request's secret: undefined when unknown or revoked. */
      authenticate: (secret: string) => authenticate(deps, secret),
      /** Answers an API request with an Idempotency-Key once; repeats get that answer again (see idempotency.ts). */
      answerOnce: (tokenId: number, key: string, fingerprint: string, work: () => Promise<Answer>) => answerOnce(deps, tokenId, key, fingerprint, work),
      forgetOldAnswers: () => forgetOldAnswers(deps),
    },
    changeRequests: {
      create: (actor: Actor, input: NewChangeRequest) => createChangeRequest(deps, actor, input),
      submit: (actor: Actor, id: number) => submitChangeRequest(deps, actor, id),
      approve: (actor: Actor, id: number) => approveChangeRequest(deps, actor, id),
      reject: (actor: Actor, id: number, reason: string) => rejectChangeRequest(deps, actor, id, reason),
      complete: (actor: Actor, id: number) => completeChangeRequest(deps, actor, id),
      show: (id: number) => changeRequestDetails(deps, id),
      assertMayVote: (actor: Actor, id: number, verb: 'approve' | 'reject') => assertMayVoteOnChangeRequest(deps, actor, id, verb),
      list: () => listChangeRequests(deps),
      sync: (actor: Actor, id: number, instance: string) => syncChangeRequest(deps, actor, id, instance),
      compare: (id: number) => compareChangeRequest(deps, id),
      syncTargets: (actor: Actor, id: number) => changeRequestSyncTargets(deps, actor, id),
    },
  };
}

export type Services = ReturnType<typeof createServices>;
