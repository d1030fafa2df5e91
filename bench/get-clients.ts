/**
 * Worker thread of the API bench: `concurrency` clients each GET the URL with the headers given, one request after
 * another until `total` are answered, outside the app's event loop; the answer is each request's latency (ms).
 *
 * Each client keeps its connection, as load tools and HTTP client libraries do. A new connection per request would
 * time something else: Node's server takes in one new connection per turn of its event loop, so the clients would
 * queue on the accepts, one per turn, whatever the route does.
 */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true });
import { parentPort } from 'node:worker_threads';

export interface GetBurst {
  url: string;
  headers: Record<string, string>;
  total: number;
  concurrency: number;
}

const get = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });

parentPort!.on('message', async ({ url, headers, total, concurrency }: GetBurst) => {
  const ms: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const client = async () => {
    while (next++ < total) {
      const answer = await get(url, headers);
      ms.push(answer.ms);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
    parentPort!.postMessage({ ms, statuses: Object.fromEntries(statuses) });
  } catch (error) {
    parentPort!.postMessage({ ms, statuses: Object.fromEntries(statuses), error: (error as Error).message });
  }
});
