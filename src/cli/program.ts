import { Command, Option } from 'commander';
import { loadPipelineConfig } from '../config/load.ts';
import { openDatabase } from '../db/client.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { formatId } from '../domain/ids.ts';
import type { Actor, LogSink } from '../domain/ports.ts';
import type { Services } from '../domain/services/index.ts';
import { describeState } from '../domain/states.ts';
import { parseWhen } from '../domain/time.ts';
import { ConsoleLogger, LogLevel } from '@slack/logger';
import { openRuntime } from '../runtime.ts';
import { openAnnouncingRuntime } from '../slack/announcing.ts';
import { readSettings } from '../settings.ts';
import { addChangeRequestCommands } from './change-request-commands.ts';
import { readComponents, readContentFile, writeComponents } from './files.ts';
import { compareText, componentsText, queueText, reportText, runText, statusText, summaryText } from './render.ts';
import { changeRequestId, list, positiveInteger, requestId, requestJson, sinceTime } from './shapes.ts';

/** A run the command ended with that failed (a deployment that did not deploy): exit code 1, not a refusal. */
export class RunFailed extends Error {
  /** The command's result; with `--json` it is printed once, together with the error. */
  constructor(message: string, readonly result?: object) {
    super(message);
  }
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Slack's client logs only what goes wrong, on stderr, so that the command's own output stays clean. */
function slackLogger() {
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.WARN);
  return logger;
}

export function buildProgram(io: Output): Command {
  const program = new Command('sandbox')
    .description('Sandbox release process from the command line: the same operations as the Slack app.')
    .option('--json', 'print one JSON object instead of text')
    .showSuggestionAfterError()
    .exitOverride() // subcommands inherit it: usage errors come back as CommanderError, mapped to exit codes
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const json = () => program.opts().json === true;
  const print = (value: unknown, text: () => string) => io.out(json() ? JSON.stringify(value) : text());
  /** Ends a command whose run failed: the text result is printed; with `--json` the result goes out with the error (one object). */
  const fail = (value: object, text: () => string, message: string): never => {
    if (!json()) io.out(text());
    throw new RunFailed(message, value);
  };
  const userOption = () => new Option('--user <slack id>', 'act as this Slack user (recorded in the audit as coming from the command line)');
  const actor = (opts: { user?: string }): Actor => {
    if (!opts.user) throw new InvalidInputError('Say who is acting: add `--user <slack id>` (e.g. --user U0ALICE).');
    return { user: opts.user, via: 'cli' };
  };
  const liveLog: LogSink = {
    line: (run, line) => {
      if (!json()) io.err(`${formatId('run', run.id)} ${line.level.padEnd(5)} ${line.text}`);
    },
  };
  /**
   * Opens the runtime for one command and always closes it. With a bot token configured, the work is announced in
   * Slack as if it had been started there (cards, threads, direct messages), and the command waits for those posts.
   */
  const withServices = <A extends unknown[]>(work: (services: Services, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const settings = readSettings();
      const runtime = settings.SLACK_BOT_TOKEN
        ? await openAnnouncingRuntime({ ...settings, SLACK_BOT_TOKEN: settings.SLACK_BOT_TOKEN }, { logger: slackLogger(), sink: liveLog, attempts: 3 })
        : await openRuntime(settings, { sink: liveLog });
      try {
        await work(runtime.services, ...args);
      } finally {
        await runtime.close();
      }
    };

  program
    .command('migrate')
    .description('apply the database migrations')
    .action(async () => {
      const settings = readSettings();
      const database = await openDatabase({ url: settings.DATABASE_URL, dataDir: settings.SANDBOX_DATA_DIR });
      try {
        await database.migrate();
      } finally {
        await database.close();
      }
      print({ migrated: true, database: database.kind }, () => `Migrations applied (${database.kind === 'pglite' ? `embedded, ${settings.SANDBOX_DATA_DIR}` : 'PostgreSQL'}).`);
    });

  program
    .command('config')
    .description('pipeline configuration')
    .command('check')
    .description('validate the pipeline configuration file without starting')
    .action(() => {
      const path = readSettings().SANDBOX_CONFIG;
      const config = loadPipelineConfig(path);
      print({ ok: true, environments: config.environments.map((e) => e.name) }, () => `${path} is valid: ${config.environments.map((e) => e.name).join(' → ')}.`);
    });

  const components = program.command('components').description('read and write the components of an instance');
  components
    .command('put <instance> <key>')
    .description('write one component (Type/Name)')
    .option('--file <path>', 'take the content from a file')
    .option('--content <text>', 'take the content from the command line')
    .option('--depends <keys>', 'comma-separated keys this component depends on', list)
    .addOption(userOption().default('cli'))
    .action(
      withServices(async (s, instance: string, key: string, opts: { file?: string; content?: string; depends?: string[]; user: string }) => {
        if ((opts.file === undefined) === (opts.content === undefined)) throw new InvalidInputError('Give the content with exactly one of --file or --content.');
        const content = opts.file !== undefined ? readContentFile(opts.file, instance) : opts.content!;
        await s.components.put(actor(opts), instance, [{ key, content, dependsOn: opts.depends }]);
        print({ instance, key, written: 1 }, () => `Wrote ${key} in ${instance}.`);
      }),
    );
  components
    .command('rm <instance> <key>')
    .description('delete one component')
    .addOption(userOption().default('cli'))
    .action(
      withServices(async (s, instance: string, key: string, opts: { user: string }) => {
        await s.components.remove(actor(opts), instance, key);
        print({ instance, key, removed: true }, () => `Removed ${key} from ${instance}.`);
      }),
    );
  components
    .command('list <instance>')
    .description('list the components of an instance')
    .action(
      withServices(async (s, instance: string) => {
        const rows = await s.components.list(instance);
        print({ instance, components: rows.map(({ content: _content, ...meta }) => meta) }, () => (rows.length ? componentsText(rows) : `${instance} has no components.`));
      }),
    );
  components
    .command('import <instance> <source>')
    .description('write many components at once from a directory of Type/Name files or a .json file')
    .addOption(userOption().default('cli'))
    .action(
      withServices(async (s, instance: string, source: string, opts: { user: string }) => {
        const written = await s.components.put(actor(opts), instance, readComponents(source));
        print({ instance, written }, () => `Imported ${written} components into ${instance}.`);
      }),
    );
  components
    .command('export <instance> <target>')
    .description('write the components of an instance to a directory or a .json file')
    .action(
      withServices(async (s, instance: string, target: string) => {
        const rows = await s.components.list(instance);
        writeComponents(target, rows);
        print({ instance, exported: rows.length, target }, () => `Exported ${rows.length} components of ${instance} to ${target}.`);
      }),
    );

  program
    .command('status')
    .description('the pipeline: environments, instances with their project state, queues and locks')
    .action(withServices(async (s) => {
      const pipeline = await s.status();
      print({ environments: pipeline }, () => statusText(pipeline));
    }));

  program
    .command('sync <instance>')
    .description('pull the instance of the next environment up into this instance (three-way merge)')
    .option('--from <instance>', 'the source instance in the next environment up')
    .addOption(userOption())
    .action(
      withServices(async (s, instance: string, opts: { from?: string; user?: string }) => {
        const r = await s.sync(actor(opts), instance, opts.from);
        print({ id: formatId('run', r.run.id), state: r.run.status, instance: r.instance.name, source: r.source.name, taken: r.taken, kept: r.kept, conflicts: r.conflicts }, () =>
          [`Synced ${r.instance.name} with ${r.source.name}: taken ${r.taken.length}, kept ${r.kept.length}, conflicts ${r.conflicts.length}.`, ...r.conflicts.map((k) => `  conflict (kept yours): ${k}`)].join('\n'),
        );
      }),
    );

  program
    .command('send <instance>')
    .description('send the changes of an instance to the deployment queue of the next environment up')
    .requiredOption('--message <text>', 'the deployment message')
    .option('--cr <id>', 'an approved change request to carry (CR-3)')
    .option('--yes', 'send even though the target changed since the last sync')
    .addOption(userOption())
    .action(
      withServices(async (s, instance: string, opts: { message: string; cr?: string; yes?: boolean; user?: string }) => {
        const r = await s.send(actor(opts), { instance, message: opts.message, changeRequestId: opts.cr ? changeRequestId(opts.cr) : undefined, confirmDrift: opts.yes === true });
        for (const w of r.warnings) if (!json()) io.err(`warning: ${w}`);
        print({ ...requestJson(r.request), target: r.target.name, targetInstance: r.targetInstance.name, summary: r.summary, warnings: r.warnings }, () =>
          `Sent ${formatId('request', r.request.id)} to ${r.target.name} (${r.targetInstance.name}): ${summaryText(r.summary)}. State: ${describeState(r.request.state)}.`,
        );
      }),
    );

  program
    .command('queue [environment]')
    .description("the requests waiting in an environment's deployment queue")
    .action(withServices(async (s, environment?: string) => {
      const queues = await s.queue(environment);
      print({ queues: queues.map((q) => ({ environment: q.environment.name, requests: q.requests.map(requestJson) })) }, () => queueText(queues));
    }));

  program
    .command('approve <request>')
    .description('approve a deployment request')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { user?: string }) => {
        const r = await s.approve(actor(opts), requestId(ref));
        print({ ...requestJson(r.request), approvals: r.approvals, required: r.required }, () =>
          `${formatId('request', r.request.id)}: ${r.approvals} of ${r.required} approvals. State: ${describeState(r.request.state)}.`,
        );
      }),
    );

  program
    .command('reject <request>')
    .description('reject a deployment request (an approver, a deployer of its environment, or its requester)')
    .requiredOption('--reason <text>', 'why')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { reason: string; user?: string }) => {
        const r = await s.reject(actor(opts), requestId(ref), opts.reason);
        print(requestJson(r), () => `${formatId('request', r.id)} rejected: ${r.reason}.`);
      }),
    );

  program
    .command('validate <request>')
    .description('check dependencies and validate a request against its target without applying anything')
    .addOption(userOption().default('cli'))
    .action(
      withServices(async (s, ref: string, opts: { user: string }) => {
        const r = await s.validate(actor(opts), requestId(ref));
        const value = { id: formatId('run', r.run.id), state: r.run.status, ok: r.ok, missingDependencies: r.missingDependencies, drifted: r.drifted };
        const text = () => `${formatId('request', r.request.id)}: ${r.run.summary}.`;
        if (!r.ok) fail(value, text, r.run.summary ?? 'validation failed');
        print(value, text);
      }),
    );

  program
    .command('deploy <request>')
    .description('deploy an approved request to its target, now or --at a time')
    .option('--at <time>', 'schedule it instead: 18:00, tomorrow 9:00, friday 17:00, in 2 hours or 2026-12-01T18:00Z (a time without a zone is read in this machine\'s)')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { user?: string; at?: string }) => {
        if (opts.at) {
          const planned = await s.scheduleDeployment(actor(opts), requestId(ref), parseWhen(opts.at, new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone));
          return print(requestJson(planned), () => `${formatId('request', planned.id)} will be deployed at ${planned.scheduledAt!.toISOString()} by the scheduler of the running app, as ${planned.scheduledBy}.`);
        }
        const r = await s.deploy(actor(opts), requestId(ref));
        const value = { ...requestJson(r.request), run: formatId('run', r.run.id), succeeded: r.succeeded, reason: r.reason };
        if (!r.succeeded) {
          fail(value, () => `${formatId('request', r.request.id)} failed: ${r.reason}.`, `Deployment failed: ${r.reason}. The target is unchanged; fix the cause and deploy again.`);
        }
        print(value, () => `${formatId('request', r.request.id)} deployed (${formatId('run', r.run.id)}).`);
      }),
    );

  program
    .command('unschedule <request>')
    .description('cancel the scheduled deployment of a request')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { user?: string }) => {
        const r = await s.unscheduleDeployment(actor(opts), requestId(ref));
        print(requestJson(r), () => `The scheduled deployment of ${formatId('request', r.id)} is cancelled.`);
      }),
    );

  program
    .command('revert [environment]')
    .description('restore the state before the latest deployment (production unless named)')
    .addOption(userOption())
    .action(
      withServices(async (s, environment: string | undefined, opts: { user?: string }) => {
        const r = await s.revert(actor(opts), environment);
        print({ ...requestJson(r.request), run: formatId('run', r.run.id), restored: r.restored }, () =>
          `Reverted ${formatId('request', r.request.id)} in ${r.environment.name}: ${r.restored} components restored. ${r.environment.name} is now locked until someone unlocks it.`,
        );
      }),
    );

  program
    .command('logs <ref>')
    .description('the runs of a request (DR-12) or one run (RUN-45) with every log line; a bare 12 is DR-12, else RUN-12')
    .action(withServices(async (s, ref: string) => {
      const runs = await s.logs(ref);
      print({ runs: runs.map((r) => ({ id: formatId('run', r.id), kind: r.kind, status: r.status, user: r.user, message: r.message, startedAt: r.startedAt, endedAt: r.endedAt, lines: r.lines })) }, () =>
        runs.length ? runs.map(runText).join('\n\n') : 'No runs yet.',
      );
    }));

  program
    .command('compare <a> <b>')
    .description('components added, removed and changed from instance a to instance b')
    .action(withServices(async (s, a: string, b: string) => {
      const r = await s.compare(a, b);
      print({ from: r.from.name, to: r.to.name, differences: r.differences }, () => compareText(r.from.name, r.to.name, r.differences));
    }));

  program
    .command('lock <environment>')
    .description('stop every deployment to an environment until it is unlocked')
    .requiredOption('--reason <text>', 'why')
    .addOption(userOption())
    .action(withServices(async (s, environment: string, opts: { reason: string; user?: string }) => {
      const env = await s.lock(actor(opts), environment, opts.reason);
      print({ environment: env.name, lock: env.lock }, () => `${env.name} is locked: ${env.lock?.reason}.`);
    }));

  program
    .command('unlock <environment>')
    .description('allow deployments to an environment again')
    .addOption(userOption())
    .action(withServices(async (s, environment: string, opts: { user?: string }) => {
      const env = await s.unlock(actor(opts), environment);
      print({ environment: env.name, lock: null }, () => `${env.name} is unlocked.`);
    }));

  program
    .command('report <request>')
    .description('the evidence of one change: request, package, votes, runs with logs, revert chain')
    .action(withServices(async (s, ref: string) => {
      const r = await s.report(ref);
      print({ ...r, request: requestJson(r.request) }, () => reportText(r));
    }));

  program
    .command('audit')
    .description('the audit trail')
    .option('--request <id>', 'only events about this request')
    .option('--since <time>', 'only events since this time: a duration ago (30s, 15m, 4h, 7d) or an ISO 8601 time')
    .option('--limit <n>', 'at most this many events, oldest first', positiveInteger('--limit'), 200)
    .action(withServices(async (s, opts: { request?: string; since?: string; limit: number }) => {
      const since = opts.since !== undefined ? sinceTime(opts.since, new Date()) : undefined;
      const events = await s.audit({ subject: opts.request ? formatId('request', requestId(opts.request)) : undefined, since, limit: opts.limit });
      print({ events }, () => {
        const lines = events.map((e) => `${e.at.toISOString()}  ${e.actor} (${e.via})  ${e.action} ${e.subject}: ${e.outcome}`);
        if (events.length === opts.limit) lines.push(`(the first ${opts.limit} events; narrow with --since or raise --limit to see more)`);
        return lines.join('\n') || 'No events.';
      });
    }));

  program
    .command('whoami')
    .description('your roles in the pipeline')
    .addOption(userOption())
    .action(withServices(async (s, opts: { user?: string }) => {
      const me = await s.whoami(actor(opts));
      print(me, () =>
        [`${me.user}${me.admin ? ' (admin)' : ''}`, ...me.roles.map((r) => `  ${r.environment}: ${[r.approver && 'approver', r.deployer && 'deployer'].filter(Boolean).join(', ') || '-'}`), `  instances: ${me.instances.join(', ') || '-'}`].join('\n'),
      );
    }));

  addChangeRequestCommands(program, { print, actor, withServices, userOption });
  return program;
}
