import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LogSink } from '../domain/ports.ts';
import type { Run } from '../domain/types.ts';
import type { WebApiObserver } from '../slack/chat.ts';

/**
 * This process's metrics in Prometheus's format (`GET /metrics`): each replica has its own. Labels are kinds,
 * outcomes, methods, route patterns and environment names: never an id, a user, a token or a message.
 */
export class Telemetry {
  readonly registry = new Registry();
  private readonly slackRequests = new Counter({ name: 'sandbox_slack_requests_total', help: 'Requests from Slack by kind (command, action, view, event…) and outcome', labelNames: ['kind', 'outcome'], registers: [this.registry] });
  private readonly acks = new Histogram({
    name: 'sandbox_slack_ack_seconds',
    help: 'Time from a request from Slack arriving to its acknowledgement, by status: the HTTP status, or in Socket Mode sent or failed',
    labelNames: ['status'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [this.registry],
  });
  private readonly apiRequests = new Histogram({
    name: 'sandbox_api_request_seconds',
    help: 'HTTP API requests by method, route and status, with their duration',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly runs = new Histogram({
    name: 'sandbox_run_seconds',
    help: 'Runs this process ended, by kind and status, with their duration',
    labelNames: ['kind', 'status'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });
  private readonly webApiCalls = new Counter({ name: 'sandbox_slack_api_calls_total', help: 'Calls of the Slack Web API by method and outcome (ok, rate_limited, error)', labelNames: ['method', 'outcome'], registers: [this.registry] });
  private readonly webApiRetries = new Counter({ name: 'sandbox_slack_api_retries_total', help: 'Calls of the Slack Web API tried again (rate limits, 5xx, timeouts), by method', labelNames: ['method'], registers: [this.registry] });
  private readonly ticks = new Counter({ name: 'sandbox_scheduler_jobs_total', help: "Scheduler jobs this process ran (tick, driftReport, digest), by outcome", labelNames: ['job', 'outcome'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sandbox_' });
  }

  /** Queue depth per environment, read from the database at each scrape. */
  queueDepth(read: () => Promise<{ environment: string; depth: number }[]>) {
    new Gauge({
      name: 'sandbox_queue_depth',
      help: 'Requests waiting in each environment (pending approval, approved, deploying or failed)',
      labelNames: ['environment'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { environment, depth } of await read()) this.set({ environment }, depth);
      },
    });
  }

  slackRequest(kind: string, outcome: 'handled' | 'failed') {
    this.slackRequests.inc({ kind, outcome });
  }

  /** Times the answers a server gives to requests on `path` (Slack's acknowledgements). */
  timeAnswers(server: Server, path: string) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.split('?')[0] !== path) return;
      const end = this.acks.startTimer();
      res.once('finish', () => end({ status: String(res.statusCode) }));
    });
  }

  /** Starts timing one acknowledgement; calling the answer ends it, with its status. */
  ackTimer(): (status: string) => void {
    const end = this.acks.startTimer();
    return (status) => end({ status });
  }

  apiRequest(method: string, route: string, status: number, seconds: number) {
    this.apiRequests.observe({ method, route, status: String(status) }, seconds);
  }

  job(job: string, outcome: 'done' | 'failed') {
    this.ticks.inc({ job, outcome });
  }

  readonly webApi: WebApiObserver = {
    called: (method, outcome) => this.webApiCalls.inc({ method, outcome }),
    retried: (method) => this.webApiRetries.inc({ method }),
  };

  /** Counts and times the runs of this process, as a sink of their logs. */
  readonly runSink: LogSink = {
    line: () => {},
    finished: (run: Run) => this.runs.observe({ kind: run.kind, status: run.status }, ((run.endedAt ?? new Date()).getTime() - run.startedAt.getTime()) / 1000),
  };

  /** `GET /metrics`. */
  readonly handler = async (_req: IncomingMessage, res: ServerResponse) => {
    const text = await this.registry.metrics();
    res.writeHead(200, { 'content-type': this.registry.contentType }).end(text);
  };
}
