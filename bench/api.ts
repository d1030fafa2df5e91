/**
 * The HTTP API under load, on the app's own server (the real Slack app over a fake Slack, started in this process):
 *
 * - One `PUT /api/v1/instances/{instance}/components` of 10,000 components, beside a floor that writes the same rows
 *   in one bulk upsert from the client. Target ≤ 2×.
 * - `GET /api/v1/requests` (a page of 50, about 20 KB) from 50 concurrent clients (in a worker thread, each on a
 *   connection it keeps, as load tools and HTTP client libraries do), beside the same number of requests to a bare
 *   route of the same server: `GET /api/v1/openapi.json`, a document of about the same size made once, which needs
 *   no token and reads nothing, so that the ratio is what the listing's work costs (the token, the database, the
 *   page), not the bytes every answer of that size costs. Target: p99 ≤ 1.5×. A refusal without a token (a few
 *   hundred bytes) is timed too and printed beside them.
 */
import { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import { queryRows } from '../src/db/client.ts';
import { componentHash } from '../src/domain/hash.ts';
import type { Actor } from '../src/domain/ports.ts';
import { startTestBot } from '../test/helpers/slack-app.ts';
import { measure, type Sample } from './measure.ts';
import { latencies } from './slack-ack.ts';

export const API_BENCH = { components: 10_000, clients: 50, requests: 2_000, listed: 200 };

const ADMIN: Actor = { user: 'U0BENCH', via: 'cli' };
const CONFIG = `
admins: [U0BENCH]
environments:
  - { name: Development, kind: development, instances: [dev-api, dev-list, floor] }
  - { name: Staging, kind: staging, instances: [staging] }
  - { name: Production, kind: production, instances: [production] }
`;

const keyOf = (i: number) => `Layout/Component${String(i).padStart(6, '0')}`;
const componentsOf = (version: string) => Array.from({ length: API_BENCH.components }, (_, i) => ({ key: keyOf(i), content: `<layout n="${i}" version="${version}">${'x'.repeat(160)}</layout>` }));

interface Options {
  warmup: number;
  repeats: number;
  databaseUrl?: string;
  progress(text: string): void;
}

function getClients() {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./get-clients.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
  return {
    burst: (url: string, headers: Record<string, string>, total: number, concurrency: number) =>
      new Promise<{ ms: number[]; statuses: Record<string, number> }>((resolve, reject) => {
        worker.once('message', (m: { ms: number[]; statuses: Record<string, number>; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
        worker.postMessage({ url, headers, total, concurrency });
      }),
    close: () => worker.terminate(),
  };
}

export async function benchApi(o: Options) {
  const t = await startTestBot(CONFIG, o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {});
  const clients = getClients();
  try {
    const services = t.bot.runtime.services;
    const { secret } = await services.tokens.create(ADMIN, { name: 'bench', scopes: ['components:write', 'requests:read'] });
    const db = t.bot.runtime.database.db;
    const [floorRow] = await queryRows<{ id: number }>(db, sql`select id from instances where name = 'floor'`);
    const put: Sample[] = [];
    const floor: Sample[] = [];
    const url = new URL('/api/v1/instances/dev-api/components', t.bot.url);
    for (let rep = 0; rep < o.warmup + o.repeats; rep++) {
      o.progress(`API put ${rep < o.warmup ? 'warm-up' : `${rep - o.warmup + 1}/${o.repeats}`}`);
      const body = JSON.stringify({ components: componentsOf(`v${rep}`) });
      const op = await measure(async () => {
        const response = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body });
        if (response.status !== 200) throw new Error(`bench: the API put answered ${response.status}: ${await response.text()}`);
      });
      // The floor does what any write of these components must: read the JSON, hash each one, and upsert the rows in one statement.
      const fl = await measure(async () => {
        const rows = (JSON.parse(body) as { components: { key: string; content: string }[] }).components.map((c) => ({ ...c, hash: componentHash(c.content, []) }));
        await db.execute(sql`
          insert into components (instance_id, key, content, hash, depends_on, changed_by, changed_at)
          select ${floorRow!.id}, r.key, r.content, r.hash, '{}', 'floor', now() from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(key text, content text, hash text)
          on conflict (instance_id, key) do update set content = excluded.content, hash = excluded.hash, changed_at = excluded.changed_at`);
      });
      if (rep >= o.warmup) {
        put.push(op);
        floor.push(fl);
      }
    }

    // Requests to list: a few hundred sends of one component each, from an instance of their own.
    for (let i = 0; i < API_BENCH.listed; i++) {
      await services.components.put(ADMIN, 'dev-list', [{ key: 'Layout/Listed', content: `v${i}` }]);
      await services.send(ADMIN, { instance: 'dev-list', message: `listed ${i}`, confirmDrift: true });
    }
    const listUrl = new URL('/api/v1/requests?limit=50', t.bot.url).toString();
    const bareUrl = new URL('/api/v1/openapi.json', t.bot.url).toString();
    const headers = { authorization: `Bearer ${secret}` };
    const sizeOf = async (url: string, h: Record<string, string>) => (await (await fetch(url, { headers: h })).arrayBuffer()).byteLength;
    const sizes = { list: await sizeOf(listUrl, headers), bare: await sizeOf(bareUrl, {}), refused: await sizeOf(listUrl, {}) };
    // Each round times the three one after another; the figures are the medians of the rounds' p99s.
    const list: Sample[] = [];
    const bare: Sample[] = [];
    const refused: number[] = [];
    const p99Of = async (url: string, h: Record<string, string>, status: number) => {
      let p99 = 0;
      const sample = await measure(async () => {
        const burst = await clients.burst(url, h, API_BENCH.requests, API_BENCH.clients);
        if (burst.statuses[String(status)] !== API_BENCH.requests) throw new Error(`bench: GET ${url} answered ${JSON.stringify(burst.statuses)}`);
        p99 = latencies(burst.ms).p99;
      });
      return { ...sample, ms: p99 };
    };
    for (let rep = 0; rep < o.warmup + o.repeats; rep++) {
      o.progress(`GET /api/v1/requests from ${API_BENCH.clients} clients ${rep < o.warmup ? 'warm-up' : `${rep - o.warmup + 1}/${o.repeats}`}`);
      const round = { list: await p99Of(listUrl, headers, 200), bare: await p99Of(bareUrl, {}, 200), refused: await p99Of(listUrl, {}, 401) };
      if (rep < o.warmup) continue;
      list.push(round.list);
      bare.push(round.bare);
      refused.push(round.refused.ms);
    }
    return { put, floor, list, bare, refused, sizes };
  } finally {
    await clients.close();
    await t.close();
  }
}
