import { type ActionContext, type ActionOutcome, type Check, type CommandCheck, describeAction, isForbidCheck, isWebhook, type OutsideAction, revertOf, type Target } from '../actions.ts';
import { durationMs } from '../time.ts';
import { StatusFeed } from '../status-feed.ts';
import { formatId } from '../ids.ts';
import type { Repositories } from '../ports.ts';
import { commandOutput, type RunLog } from '../run-log.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { openSecrets } from './secrets.ts';
import type { DeploymentRequest, Environment } from '../types.ts';

type State = ActionContext['state'];

const commandChecksOf = (env: Environment) => env.checks.filter((c: Check): c is CommandCheck => !isForbidCheck(c));

/**
 * What one deployment does outside the bot (DESIGN.md section 10): after the package is applied (uncommitted), each
 * target in turn; after the `forbid` checks, each command check. A target or check that fails fails the deployment;
 * when it fails, for that reason or any later one, the targets that ran are put back (`putBack`), last first, with
 * what the target held before the package.
 */
export class OutsideWork {
  private readonly ran: Target[] = [];
  private prior: State = [];
  /** What the target holds after the package, as the commands of targets and checks get it (see lookAhead). */
  private after?: Omit<ActionContext, 'secrets'>;
  private secrets?: Record<string, string>;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly env: Environment,
    private readonly request: DeploymentRequest,
    private readonly log: RunLog,
    /** The error that fails the deployment with a reason. */
    private readonly fail: (reason: string) => Error,
    /** The run's callback token, when it has webhook targets: a target that answers 202 reports how it ends with it. */
    private readonly callback?: { token: string; hash: string },
  ) {}

  /**
   * Before the package is applied: what the target holds, kept for putting targets back, and what the commands of
   * targets and checks will get, read now so that their folders are written while the database applies the package.
   */
  async lookAhead(tx: Repositories, targetId: number) {
    const putsBack = this.env.targets.some((t) => t.revert);
    if (putsBack) this.prior = await tx.components.contents(targetId);
    const commandChecks = commandChecksOf(this.env);
    if (!this.env.targets.length && !commandChecks.length) return;
    const packageId = this.request.packageId;
    // After the package, the target holds its files and, as they are, the components the package leaves alone: of
    // what it held before when that was read, else read alone.
    const [files, read] = await Promise.all([tx.packages.files(packageId), putsBack ? undefined : tx.components.contents(targetId, { packageId })]);
    const inPackage = new Set(files.map((f) => f.key));
    const untouched = read ?? this.prior.filter((c) => !inPackage.has(c.key));
    const state = [...untouched, ...files.flatMap(({ key, content }) => (content === null ? [] : [{ key, content }]))];
    // Its secrets are opened when a target runs: a deployment its checks refuse is refused for that reason.
    this.after = { ...this.subject('deploy'), files, state };
    if ([...this.env.targets, ...commandChecks].some((action) => !isWebhook(action))) this.after.laidOut = this.deps.actions?.layOut?.(this.after);
  }

  /** Each target in turn, given the package and the target's state after it; the first failure stops the deployment. */
  async actOnTargets(tx: Repositories) {
    if (!this.env.targets.length) return;
    const context: ActionContext = { ...this.after!, secrets: await this.secretsOf(tx) };
    const feed = this.callback && new StatusFeed(() => this.deps.store.runStatuses.of(this.log.run.id));
    const stopListening = feed && this.deps.statusInbox?.listen(this.log.run.id, this.callback!.hash, feed);
    try {
      for (const target of this.env.targets) {
        this.log.info(`Target ${target.name}: ${describeAction(target)}`);
        // It counts as run from its start: a command cut off may have done part of its work.
        this.ran.push(target);
        const started = Date.now();
        const outcome = await this.act(target, this.callback ? { ...context, callback: { token: this.callback.token } } : context);
        if (!outcome.ok) throw this.fail(`target ${target.name} failed: ${outcome.summary}`);
        this.log.info(`Target ${target.name} ${outcome.summary}`);
        if (outcome.accepted) await this.awaitEnd(target, feed!, started + durationMs(target.timeout)!);
      }
    } finally {
      stopListening?.();
    }
  }

  /** A webhook target that answered 202: its status callbacks, logged as they come, until one says how it ended. */
  private async awaitEnd(target: Target, feed: StatusFeed, until: number) {
    for (let status = await feed.next(until, this.deps.stopping); status; status = await feed.next(until, this.deps.stopping)) {
      const what = `${status.state}${status.description ? `: ${status.description}` : ''}`;
      if (status.state === 'failure' || status.state === 'error') throw this.fail(`target ${target.name} reported ${what}`);
      this.log.info(`Target ${target.name} reports ${what}`);
      if (status.state === 'success') return;
    }
    if (this.deps.stopping?.aborted) throw this.fail(`target ${target.name} was still at work when the deployment was cut short`);
    throw this.fail(`target ${target.name} accepted the deployment but reported no end (success, failure or error) within its timeout (${target.timeout})`);
  }

  /** The command checks, after the `forbid` ones: real tests of the target's state after the package. */
  async runChecks(tx: Repositories) {
    const checks = commandChecksOf(this.env);
    if (!checks.length) return;
    const context: ActionContext = { ...this.after!, action: 'check', secrets: await this.secretsOf(tx) };
    for (const check of checks) {
      this.log.info(`Check "${check.name}": ${check.command}`);
      const outcome = await this.act(check, context);
      if (!outcome.ok) throw this.fail(`post-deploy check "${check.name}" failed: ${outcome.summary}`);
      this.log.info(`Check "${check.name}" passed (${outcome.summary})`);
    }
  }

  /** After the deployment failed and its transaction rolled back: the targets that ran, put back last first. */
  async putBack() {
    this.after?.laidOut?.discard();
    for (const target of this.ran.splice(0).reverse()) {
      const revert = revertOf(target);
      if (!revert) {
        this.log.warn(`Target ${target.name} has no revert: check it by hand, it may hold part of the package.`);
        continue;
      }
      this.log.info(`Putting target ${target.name} back: ${describeAction(revert)}`);
      const outcome = await this.secretsOf(this.deps.store)
        .then((secrets) => this.act(revert, { ...this.subject('revert'), secrets, files: [], state: this.prior }))
        .catch((error: Error) => ({ ok: false, summary: error.message }));
      if (outcome.ok) this.log.info(`Target ${target.name} is back as it was (${outcome.summary})`);
      else this.log.error(`Target ${target.name} could not be put back: ${outcome.summary}. Check it by hand.`);
    }
  }

  private subject(action: ActionContext['action']) {
    return { action, environment: this.env.name, request: formatId('request', this.request.id), run: formatId('run', this.log.run.id) };
  }

  /** `repos`: the deployment's transaction while it is open, the store after it rolled back. */
  private async secretsOf(repos: Repositories) {
    this.secrets ??= await openSecrets(this.deps, repos, this.env).catch((error: Error) => {
      throw this.fail(error.message);
    });
    return this.secrets;
  }

  private act(action: OutsideAction & { name: string }, context: ActionContext): Promise<ActionOutcome> {
    if (!this.deps.actions) throw this.fail(`${this.env.name} has targets or command checks, and this bot runs no commands`);
    return this.deps.actions.run(action, context, commandOutput(this.log, action.name), this.deps.stopping);
  }
}
