/**
 * Worker thread of the acknowledgement bench: the concurrent clients, outside the app's event loop (as Slack is
 * outside the app's process), so that a response is timed when it arrives, not when the app's thread is next free.
 * Each message is one burst: `concurrency` clients send the requests given, each sending its next request as soon
 * as the previous one is answered; the answer is the latency of every request, in milliseconds.
 */
import { parentPort } from 'node:worker_threads';
import { postToSlackEndpoint, type SlackRequest } from '../test/helpers/slack-requests.ts';

export interface BurstMessage {
  url: string;
  secret: string;
  requests: SlackRequest[];
  concurrency: number;
  /** Sends at this many requests a second whatever the answers (open loop) instead of from `concurrency` clients. */
  rate?: number;
}

export interface BurstResult {
  ms: number[];
  /** Answers other than HTTP 200, with their status. */
  failures: number[];
  /** A request that could not be sent at all (connection refused, reset...). */
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

parentPort!.on('message', async ({ url, secret, requests, concurrency, rate }: BurstMessage) => {
  const ms: number[] = [];
  const failures: number[] = [];
  const post = async (request: SlackRequest) => {
    const result = await postToSlackEndpoint(url, { ...request, secret });
    if (result.status !== 200) failures.push(result.status);
    ms.push(result.ms);
  };
  let next = 0;
  const client = async () => {
    for (let i = next++; i < requests.length; i = next++) await post(requests[i]!);
  };
  const openLoop = async (perSecond: number) => {
    const started = performance.now();
    const sent: Promise<void>[] = [];
    for (let i = 0; i < requests.length; i++) {
      const wait = started + (i * 1000) / perSecond - performance.now();
      if (wait > 0) await sleep(wait);
      sent.push(post(requests[i]!));
    }
    await Promise.all(sent);
  };
  try {
    if (rate) await openLoop(rate);
    else await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, client));
    parentPort!.postMessage({ ms, failures } satisfies BurstResult);
  } catch (error) {
    parentPort!.postMessage({ ms, failures, error: (error as Error).message } satisfies BurstResult);
  }
});
