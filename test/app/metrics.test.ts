import { describe, expect, it } from 'vitest';
import { SIGNING_SECRET, useTestBot } from '../helpers/slack-app.ts';
import { ADMIN, ALICE, as } from '../helpers/world.ts';

// GET /metrics: this replica's metrics in Prometheus's text format, on the app's own port.

const t = useTestBot();

async function scrape() {
  const response = await fetch(new URL('/metrics', t.bot.url));
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one series, e.g. `sandbox_runs_total{kind="sync"}`; undefined when it is not there. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts Slack requests and their acknowledgements, API requests, runs, Web API calls, jobs and queue depth, with no secret in it', async () => {
    const { secret } = await t.bot.runtime.services.tokens.create(as(ADMIN), { name: 'ci', scopes: ['requests:read'] });
    expect((await t.command(ALICE, 'sync dev-alice', 'C0DEV')).status).toBe(200);
    await t.bot.settled();
    await t.bot.runtime.services.sync(as(ALICE), 'dev-alice');
    await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/A', content: 'a' }]);
    await t.bot.services.send(as(ALICE), { instance: 'dev-alice', message: 'metrics' });
    await t.bot.settled();
    expect((await fetch(new URL('/api/v1/requests', t.bot.url))).status).toBe(401);
    expect((await fetch(new URL('/api/v1/requests', t.bot.url), { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    await t.bot.jobs.tick!();

    const text = await scrape();
    expect(value(text, 'sandbox_slack_requests_total{kind="command",outcome="handled"}')).toBe(1);
    expect(value(text, 'sandbox_slack_ack_seconds_count{status="200"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'sandbox_api_request_seconds_count{method="GET",route="/api/v1/requests",status="401"}')).toBe(1);
    expect(value(text, 'sandbox_api_request_seconds_count{method="GET",route="/api/v1/requests",status="200"}')).toBe(1);
    expect(value(text, 'sandbox_run_seconds_count{kind="sync",status="succeeded"}')).toBe(1);
    expect(value(text, 'sandbox_queue_depth{environment="Staging"}')).toBe(1);
    expect(value(text, 'sandbox_queue_depth{environment="Production"}')).toBe(0);
    expect(value(text, 'sandbox_slack_api_calls_total{method="chat.postMessage",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'sandbox_scheduler_jobs_total{job="tick",outcome="done"}')).toBe(1);
    expect(value(text, 'sandbox_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const secretText of [secret, 'xoxb-test-token', SIGNING_SECRET, ALICE]) expect(text).not.toContain(secretText);
  });

  it('counts calls of the Web API that Slack refused for its rate limit or failed, and the tries again', async () => {
    await t.bot.runtime.services.sync(as(ALICE), 'dev-alice');
    await t.bot.runtime.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/A', content: 'a' }]);
    t.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    t.fake.failNext('chat.postMessage', { status: 500 });
    await t.bot.services.send(as(ALICE), { instance: 'dev-alice', message: 'through a busy Slack' });
    await t.bot.settled();
    expect(t.fake.messages('C0STAGING').some((m) => m.text?.startsWith('DR-1 '))).toBe(true);
    const text = await scrape();
    expect(value(text, 'sandbox_slack_api_calls_total{method="chat.postMessage",outcome="rate_limited"}')).toBe(1);
    expect(value(text, 'sandbox_slack_api_calls_total{method="chat.postMessage",outcome="error"}')).toBe(1);
    expect(value(text, 'sandbox_slack_api_retries_total{method="chat.postMessage"}')).toBe(2);
  });
});
