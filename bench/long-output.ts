/**
 * Very long output (DESIGN.md section 10): a deployment whose command target prints 100,000 lines, through the real
 * Slack app over the fake Slack Web API at Slack's own pace, beside the same app deploying with a target that prints
 * one line, each once to warm up and once measured. Figures: how many of the lines are in the run's stored log (every one), the thread's posts into the
 * channel and the shortest gap between two of them (about one a second at most), and the process's memory growth
 * while the deployment runs and its thread is written (target ≤ 50 MB).
 */
import type { Actor } from '../src/domain/ports.ts';
import { startTestBot } from '../test/helpers/slack-app.ts';
import { measure, type Sample } from './measure.ts';

export const LONG_OUTPUT = { lines: 100_000, memoryTargetMb: 50 };

const BENCH: Actor = { user: 'U0BENCH', via: 'cli' };
const config = `
admins: [U0BENCH]
environments:
  - { name: Development, kind: development, instances: [dev-bench] }
  - name: Staging
    kind: staging
    channel: C0STAGING
    instances: [staging]
    deployers: [U0BENCH]
    targets:
      - { name: quiet, command: "echo one line" }
  - name: Production
    kind: production
    channel: C0PROD
    instances: [production]
    deployers: [U0BENCH]
    targets:
      - { name: noisy, command: "seq 1 ${LONG_OUTPUT.lines} | sed 's/^/line of a very long output /'" }
`;

export interface LongOutputResult {
  noisy: Sample;
  quiet: Sample;
  /** Lines of the noisy target in the run's stored log. */
  stored: number;
  /** Posts into the production channel (the card's thread) while it ran, and the shortest gap between two of them. */
  posts: number;
  shortestGapMs: number;
}

export async function benchLongOutput(o: { databaseUrl?: string; progress(text: string): void }): Promise<LongOutputResult> {
  const t = await startTestBot(config, o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {});
  try {
    t.slackPace();
    const services = t.bot.services;
    await services.components.put(BENCH, 'production', [{ key: 'Layout/Account', content: 'v1' }]);
    await services.sync(BENCH, 'staging');
    await services.sync(BENCH, 'dev-bench');
    const deploy = async (instance: string, channel: string) => {
      const sent = await services.send(BENCH, { instance, message: `from ${instance}`, confirmDrift: true });
      await t.fake.waitFor(() => t.fake.messages(channel).find((m) => m.text?.startsWith(`DR-${sent.request.id} `)), { timeoutMs: 30_000 });
      await t.bot.settled();
      let runId = 0;
      (globalThis as { gc?: () => void }).gc?.();
      const sample = await measure(async () => {
        const result = await services.deploy(BENCH, sent.request.id);
        if (!result.succeeded) throw new Error(`bench: the deployment from ${instance} failed: ${result.reason}`);
        runId = result.run.id;
        await t.bot.settled();
      });
      return { sample, runId };
    };
    // A warm-up round first, as for every figure of the bench: the process's heap has grown to its working size.
    let round!: { quiet: Awaited<ReturnType<typeof deploy>>; noisy: Awaited<ReturnType<typeof deploy>>; posts: typeof t.fake.calls };
    for (const version of ['warm-up', 'measured']) {
      // A component of its own each round: what staging sends on never conflicts with what production got before.
      await services.components.put(BENCH, 'dev-bench', [{ key: `Layout/${version}`, content: version }]);
      o.progress(`${version}: a target that prints one line`);
      const quiet = await deploy('dev-bench', 'C0STAGING');
      o.progress(`${version}: a target that prints ${LONG_OUTPUT.lines.toLocaleString('en-US')} lines`);
      const before = t.fake.calls.length;
      const noisy = await deploy('staging', 'C0PROD');
      round = { quiet, noisy, posts: t.fake.calls.slice(before) };
    }
    const { quiet, noisy } = round;
    const posts = round.posts.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0PROD' && c.status === 200);
    const gaps = posts.slice(1).map((post, i) => post.at - posts[i]!.at);
    const lines = await t.bot.runtime.services.deps.store.runs.lines(noisy.runId);
    return {
      noisy: noisy.sample,
      quiet: quiet.sample,
      stored: lines.filter((l) => l.text.startsWith('[noisy] line of a very long output')).length,
      posts: posts.length,
      shortestGapMs: Math.min(...gaps),
    };
  } finally {
    await t.close();
  }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** The figures of each backend, and whether each target holds; answers whether all did. */
export function printLongOutput(results: (LongOutputResult & { backend: string })[]): boolean {
  let met = true;
  console.log(`A command target printing ${LONG_OUTPUT.lines.toLocaleString('en-US')} lines, through the Slack app at Slack's pace (floor: a target printing one line):`);
  for (const r of results) {
    const growth = r.noisy.rssDelta / 1024 / 1024;
    const ok = r.stored === LONG_OUTPUT.lines && r.shortestGapMs >= 1000 && growth <= LONG_OUTPUT.memoryTargetMb;
    met &&= ok;
    console.log(
      `  ${r.backend}: ${r.stored.toLocaleString('en-US')} of ${LONG_OUTPUT.lines.toLocaleString('en-US')} lines stored; ${r.posts} posts into the channel, at least ${r.shortestGapMs} ms apart; ` +
        `RSS +${mb(r.noisy.rssDelta)} MB (target ≤ ${LONG_OUTPUT.memoryTargetMb} MB), heap +${mb(r.noisy.heapDelta)} MB, in ${(r.noisy.ms / 1000).toFixed(1)} s; ` +
        `floor RSS +${mb(r.quiet.rssDelta)} MB, heap +${mb(r.quiet.heapDelta)} MB, in ${(r.quiet.ms / 1000).toFixed(1)} s: ${ok ? 'ok' : 'MISSED'}`,
    );
  }
  return met;
}
