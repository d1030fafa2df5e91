import type { Services } from '../domain/services/index.ts';
import type { Actor } from '../domain/ports.ts';
import type { DeploymentRequest } from '../domain/types.ts';
import { formatId } from '../domain/ids.ts';
import { count } from '../domain/pipeline.ts';
import { escape, mention } from './blocks/format.ts';
import { lockSentence, outcomeText } from './blocks/outcome.ts';
import type { Cards } from './cards.ts';
import type { Outbox } from './outbox.ts';

/** The live threads of runs: the outcome of a run is told once its thread is written. */
export interface RunThreads {
  settled(runId: number): Promise<void>;
}

/**
 * The services, announcing in Slack what they did: cards updated in place, outcomes sent to requesters, locks
 * and reverts announced in their environment's channel. The Slack app and the command line both use this,
 * so work started anywhere is seen in Slack.
 */
export function announcingServices(
  services: Services,
  { cards, outbox, runs, deployable }: { cards: Cards; outbox: Outbox; runs: RunThreads; deployable?: (request: DeploymentRequest) => void },
): Services {
  /** A request that may be deployed now, or whose deployment ended (the next one in its queue may go): auto-deploy looks. */
  const maybeDeployable = (request: DeploymentRequest) => {
    if (request.state === 'approved' || request.state === 'deployed') deployable?.(request);
  };
  /**
   * The request's card shows its new state; its requester (and `others`) are told by direct message, except whoever
   * made it happen in Slack or on the command line, whose own answer told them already (one notice per outcome).
   */
  const settle = (request: DeploymentRequest, actor?: Actor, others: string[] = []) =>
    outbox.later(`the outcome of ${formatId('request', request.id)}`, async () => {
      const rendered = await cards.refreshRequestCard(request.id);
      // A deployment to production moves the change request it carries on.
      if (request.changeRequestId !== null) await cards.refreshChangeRequestCard(request.changeRequestId);
      // The card was rendered from the request's environment: read again only when the refresh failed.
      const { environment } = rendered ?? (await outbox.read(() => services.requestOverview(request.id)));
      const text = outcomeText(request, environment);
      const answered = actor && (actor.via === 'slack' || actor.via === 'cli') ? actor.user : undefined;
      const told = new Set([request.requester, ...others].filter((user) => user !== answered));
      if (text) for (const user of told) await outbox.tell(user, text);
    });
  /** A service that changes only what a request's card shows: the card is written again once it did. */
  const refreshingCard =
    <A extends unknown[]>(work: (...args: A) => Promise<DeploymentRequest>) =>
    async (...args: A) => {
      const request = await work(...args);
      cards.refreshRequestCardLater(request.id);
      return request;
    };
  return {
    ...services,
    async send(actor, input) {
      const result = await services.send(actor, input);
      cards.refreshRequestCardLater(result.request.id);
      maybeDeployable(result.request);
      if (result.request.changeRequestId !== null) cards.refreshChangeRequestCardLater(result.request.changeRequestId);
      return result;
    },
    async approve(actor, requestId) {
      const result = await services.approve(actor, requestId);
      if (!result.decided) cards.refreshRequestCardLater(requestId);
      else {
        settle(result.request, actor);
        maybeDeployable(result.request);
      }
      return result;
    },
    claim: refreshingCard(services.claim),
    unclaim: refreshingCard(services.unclaim),
    async reject(actor, requestId, reason) {
      const request = await services.reject(actor, requestId, reason);
      settle(request, actor);
      return request;
    },
    // A run's outcome is told once its thread holds its whole log: the card and the notices never run ahead of it.
    async deploy(actor, requestId) {
      const result = await services.deploy(actor, requestId);
      await runs.settled(result.run.id);
      settle(result.request, actor);
      maybeDeployable(result.request);
      return result;
    },
    async validate(actor, requestId) {
      const result = await services.validate(actor, requestId);
      await runs.settled(result.run.id);
      return result;
    },
    scheduleDeployment: refreshingCard(services.scheduleDeployment),
    unscheduleDeployment: refreshingCard(services.unscheduleDeployment),
    scheduler: {
      ...services.scheduler,
      async expireStaleRequests(expireAfter) {
        const expired = await services.scheduler.expireStaleRequests(expireAfter);
        for (const request of expired) settle(request);
        return expired;
      },
    },
    async recoverInterruptedRuns() {
      const runs = await services.recoverInterruptedRuns();
      for (const run of runs) {
        if (run.kind !== 'deploy' || run.requestId === null) continue;
        const request = await services.requestOverview(run.requestId);
        settle(request.request);
      }
      return runs;
    },
    // The lock a revert sets is announced once in the channel (from the card's thread) and once to who deployed it.
    async revert(actor, environment, reason, only) {
      const result = await services.revert(actor, environment, reason, only);
      await runs.settled(result.run.id);
      settle(result.request, actor, result.request.deployedBy ? [result.request.deployedBy] : []);
      const env = { ...result.environment, lock: result.lock };
      const what = result.only ? `${count(result.only.length, 'component')} of ${formatId('request', result.request.id)} (${result.only.map(escape).join(', ')})` : formatId('request', result.request.id);
      const text = `:rewind: ${mention(actor.user)} reverted ${what}.${lockSentence(env)}`;
      outbox.later('the revert announcement', () => cards.broadcast(result.request.id, text, env));
      return result;
    },
    changeRequests: {
      ...services.changeRequests,
      async submit(actor, id) {
        const cr = await services.changeRequests.submit(actor, id);
        cards.refreshChangeRequestCardLater(id);
        return cr;
      },
      async approve(actor, id) {
        const cr = await services.changeRequests.approve(actor, id);
        cards.refreshChangeRequestCardLater(id);
        if (cr.state === 'approved') outbox.later('the approval message', () => outbox.tell(cr.createdBy, `:white_check_mark: ${formatId('changeRequest', id)} “${escape(cr.name)}” is approved: sends to production may carry it now.`));
        return cr;
      },
      async reject(actor, id, reason) {
        const cr = await services.changeRequests.reject(actor, id, reason);
        cards.refreshChangeRequestCardLater(id);
        outbox.later('the rejection message', () => outbox.tell(cr.createdBy, `:no_entry: ${formatId('changeRequest', id)} “${escape(cr.name)}” was rejected by ${mention(actor.user)}: ${escape(reason)}`));
        return cr;
      },
      async sync(actor, id, instance) {
        const result = await services.changeRequests.sync(actor, id, instance);
        cards.refreshChangeRequestCardLater(id);
        if (result.replaced) cards.refreshChangeRequestCardLater(result.replaced.id);
        return result;
      },
      async complete(actor, id) {
        const cr = await services.changeRequests.complete(actor, id);
        cards.refreshChangeRequestCardLater(id);
        return cr;
      },
    },
    async lock(actor, environment, reason) {
      const env = await services.lock(actor, environment, reason);
      outbox.later('the lock announcement', () => outbox.announce(env, `:lock: ${mention(actor.user)} locked ${escape(env.name)}: “${escape(reason)}”. Deployments to it are refused until \`/sandbox unlock ${env.name}\`.`));
      return env;
    },
    async unlock(actor, environment) {
      const env = await services.unlock(actor, environment);
      outbox.later('the unlock announcement', () => outbox.announce(env, `:unlock: ${mention(actor.user)} unlocked ${escape(env.name)}: deployments may go ahead.`));
      return env;
    },
  };
}
