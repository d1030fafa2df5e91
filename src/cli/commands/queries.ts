import { formatId } from '../../domain/ids.ts';
import { describeOutcome } from '../../domain/states.ts';
import { diffText } from '../../domain/diff.ts';
import type { DifferenceDiff } from '../../domain/services/diffs.ts';
import { compareText, reportText, runText } from '../../text/reports.ts';
import type { CommandKit } from '../kit.ts';
import { positiveInteger, requestId, requestJson, sinceTime } from '../shapes.ts';
import { queueText, statusText } from '../text.ts';
import { metricsTable } from '../../text/metrics.ts';
import { writeChart } from '../files.ts';

/** `status`, `queue`, `logs`, `compare`, `report`, `audit`, `whoami`: reading the pipeline, changing nothing. */
export function addQueryCommands({ program, print, actor, userOption, readingServices }: CommandKit) {
  program
    .command('status')
    .description('the pipeline: environments, instances with their project state, queues and locks')
    .action(readingServices(async (s) => {
      const pipeline = await s.status();
      print({ environments: pipeline }, () => statusText(pipeline));
    }));

  program
    .command('queue [environment]')
    .description("the requests waiting in an environment's deployment queue")
    .action(readingServices(async (s, environment?: string) => {
      const queues = await s.queue(environment);
      print({ queues: queues.map((q) => ({ environment: q.environment.name, requests: q.requests.map(requestJson) })) }, () => queueText(queues));
    }));

  program
    .command('logs <ref>')
    .description('the runs of a request (DR-12) or one run (RUN-45) with every log line; a bare 12 is DR-12, else RUN-12')
    .action(readingServices(async (s, ref: string) => {
      const runs = await s.logs(ref);
      print({ runs: runs.map((r) => ({ id: formatId('run', r.id), kind: r.kind, status: r.status, user: r.user, message: r.message, startedAt: r.startedAt, endedAt: r.endedAt, lines: r.lines })) }, () =>
        runs.length ? runs.map(runText).join('\n\n') : 'No runs yet.',
      );
    }));

  program
    .command('compare <a> <b>')
    .description('what sending instance a to instance b would change in b: components added, removed and changed')
    .option('--content', 'also the unified diff of each difference')
    .action(readingServices(async (s, a: string, b: string, opts: { content?: boolean }) => {
      const r = opts.content ? await s.compareContent(a, b) : await s.compare(a, b);
      const text = () => compareText(r.from.name, r.to.name, r.differences) + (opts.content && r.differences.length ? `\n\n${diffText(r.differences as DifferenceDiff[])}` : '');
      print({ from: r.from.name, to: r.to.name, differences: r.differences }, text);
    }));

  program
    .command('diff <request>')
    .description("what a request changes: the unified diff of each component of its package against what the target held when it was sent")
    .option('--key <key>', 'only this component, e.g. Layout/Account')
    .action(readingServices(async (s, ref: string, opts: { key?: string }) => {
      const r = await s.diff(requestId(ref), opts.key);
      print({ request: formatId('request', r.request.id), items: r.items }, () => diffText(r.items));
    }));

  program
    .command('report <request>')
    .description('the evidence of one change: request, package, votes, runs with logs, revert chain')
    .action(readingServices(async (s, ref: string) => {
      const r = await s.report(ref);
      print({ ...r, request: requestJson(r.request) }, () => reportText(r));
    }));

  program
    .command('audit')
    .description('the audit trail')
    .option('--request <id>', 'only events about this request')
    .option('--since <time>', 'only events since this time: a duration ago (30s, 15m, 4h, 7d) or an ISO 8601 time')
    .option('--limit <n>', 'at most this many events, oldest first', positiveInteger('--limit'), 200)
    .action(readingServices(async (s, opts: { request?: string; since?: string; limit: number }) => {
      const since = opts.since !== undefined ? sinceTime(opts.since, new Date()) : undefined;
      const events = await s.audit({ subject: opts.request ? formatId('request', requestId(opts.request)) : undefined, since, limit: opts.limit });
      print({ events }, () => {
        const lines = events.map((e) => `${e.at.toISOString()}  ${e.actor} (${e.via})  ${e.action} ${e.subject}: ${describeOutcome(e.outcome)}`);
        if (events.length === opts.limit) lines.push(`(the first ${opts.limit} events; narrow with --since or raise --limit to see more)`);
        return lines.join('\n') || 'No events.';
      });
    }));

  program
    .command('metrics [environment]')
    .description('delivery metrics per environment: deployments, per week, lead time, change failure rate, time to restore, approval wait')
    .option('--days <n>', 'the period, in days up to now', positiveInteger('--days'), 30)
    .option('--png <file>', 'also draw deployments per week as a chart into this PNG file')
    .action(readingServices(async (s, environment: string | undefined, opts: { days: number; png?: string }) => {
      const metrics = await s.metrics({ environment, days: opts.days });
      if (opts.png) await writeChart(metrics, opts.png);
      const environments = metrics.environments.map(({ weekly: _weekly, ...figures }) => figures);
      print({ since: metrics.since, days: metrics.days, environments, ...(opts.png ? { png: opts.png } : {}) }, () =>
        `${metricsTable(metrics)}${opts.png ? `\nThe chart is in ${opts.png}.` : ''}`,
      );
    }));

  program
    .command('whoami')
    .description('your roles in the pipeline')
    .addOption(userOption())
    .action(readingServices(async (s, opts: { user?: string }) => {
      const me = await s.whoami(actor(opts));
      print(me, () =>
        [`${me.user}${me.admin ? ' (admin)' : ''}`, ...me.roles.map((r) => `  ${r.environment}: ${[r.approver && 'approver', r.deployer && 'deployer'].filter(Boolean).join(', ') || '-'}`), `  instances: ${me.instances.join(', ') || '-'}`].join('\n'),
      );
    }));
}
