/**
 * `npm run bench`: deploy and revert of a 10,000-component package and compare of two 100,000-component
 * instances, on embedded PGlite and on PostgreSQL, each beside its floor measured in the same run; then the Slack
 * app's acknowledgement latency under 50 concurrent clients beside a bare Bolt app (bench/slack-ack.ts).
 * `npm run bench -- --only=data` or `--only=ack` runs one of the two parts.
 *
 * Floors of the data part:
 *
 * - deploy / revert floor: one bulk INSERT … ON CONFLICT DO UPDATE of the same 10,000 rows into `components`
 *   (values sent from the client through the driver, split only where its bind-parameter limit forces it);
 * - compare floor: one SQL FULL OUTER JOIN over the hashes of the two instances.
 *
 * Targets: deploy and revert ≤ 3× their floor, compare ≤ 2×. A missed target is printed as MISSED; the exit
 * status is non-zero only when something fails. PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/test (skipped when that default does not answer); the bench creates a
 * database of its own there and drops it at the end.
 */
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Database, type DatabaseHandle, openDatabase, queryRows } from '../src/db/client.ts';
import { componentHash } from '../src/domain/hash.ts';
import type { Actor } from '../src/domain/ports.ts';
import type { Services } from '../src/domain/services/index.ts';
import type { Component } from '../src/domain/types.ts';
import { mb, measure, type Sample, summarize } from './measure.ts';
import { benchServices } from './services.ts';
import { threeStepConfig } from '../test/helpers/world.ts';
import { type CliRow, benchCliStart, printCliTable } from './cli-start.ts';
import { type AckRow, benchSlackAck, describeLoad, printAckTable } from './slack-ack.ts';
import { benchMetrics, HISTORY } from './metrics-history.ts';
import { benchDiffJson, benchViewChanges, DIFF_PACKAGE, printViewChanges, type ViewChangesResult } from './diff.ts';
import { benchGitDeploy, benchGitRefresh, GIT_BENCH } from './git.ts';
import { API_BENCH, benchApi } from './api.ts';
import { benchTargets, TARGETS_BENCH } from './targets.ts';
import { benchLongOutput, type LongOutputResult, printLongOutput } from './long-output.ts';

const PARTS = ['data', 'metrics', 'diff', 'git', 'api', 'targets', 'ack', 'cli'] as const;
type Part = (typeof PARTS)[number];

/** `--only=data` or `--only=ack`; every part when absent. */
function partsToRun(args: string[]): Part[] {
  let only: Part[] | undefined;
  for (const arg of args) {
    const match = /^--only=(.+)$/.exec(arg);
    const names = match?.[1]!.split(',');
    if (!names || !names.every((n): n is Part => (PARTS as readonly string[]).includes(n))) {
      throw new Error(`unknown argument ${arg}: use --only=data (deploy, revert, compare), --only=metrics (delivery metrics over a long history), --only=diff (diffs of a big package, View changes under 20 viewers), --only=git (deployment and refresh of a 10,000-file branch), --only=api (the HTTP API: a put of 10,000 components, a listing under 50 clients), --only=targets (the cost of a no-op target on a deployment of 10,000 components), --only=ack (Slack acknowledgement latency) or --only=cli (the command line's start)`);
    }
    only = [...(only ?? []), ...names];
  }
  return only ?? [...PARTS];
}

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
/**
 * Acknowledgement bench: measured requests of each kind per app and round, rounds, warm-up, concurrent clients; BENCH_ACK_RATE sends
 * at that many requests a second instead, whatever the answers (to see the latency below the app's capacity).
 */
const ACK = {
  total: Number(process.env.BENCH_ACK_REQUESTS ?? 1000),
  rounds: Number(process.env.BENCH_ACK_ROUNDS ?? 6),
  warmup: Number(process.env.BENCH_ACK_WARMUP ?? 100),
  concurrency: Number(process.env.BENCH_ACK_CLIENTS ?? 50),
  rate: process.env.BENCH_ACK_RATE ? Number(process.env.BENCH_ACK_RATE) : undefined,
};
/** Command-line bench: alternating calls of `sandbox status --json` and its floor, after a warm-up of each. */
const CLI = { runs: Number(process.env.BENCH_CLI_RUNS ?? 21), warmup: 3 };
const WARMUP = 1;
/** Production holds TARGET_SIZE components; the package modifies MODIFIED of them and adds ADDED new ones. */
const TARGET_SIZE = 20_000;
const MODIFIED = 9_000;
const ADDED = 1_000;
const PACKAGE_SIZE = MODIFIED + ADDED;
const COMPARE_SIZE = 100_000;
/** Rows per INSERT of the floor: as many as the bind-parameter limit allows at 7 columns a row (postgres.js takes fewer than 65,534). */
const FLOOR_BATCH = Math.floor(65_533 / 7);

const USER = 'U0BENCH';
const actor: Actor = { user: USER, via: 'cli' };

// The target needs no approval and no change request: a single-environment setup straight to production.
const CONFIG = `
admins: [${USER}]
environments:
  - name: Development
    kind: development
    instances: [dev-bench, floor, cmp-a, cmp-b]
  - name: Production
    kind: production
    instances: [production]
    deployers: [${USER}]
`;

// Component i: its key, content and dependencies, the same in TypeScript and in SQL.
const TYPES = ['Layout', 'Workflow', 'ApexClass', 'Flow', 'Profile'];
const PAD = 'x'.repeat(160);
const keyOf = (i: number) => `${TYPES[i % TYPES.length]}/Component${String(i).padStart(6, '0')}`;
const contentOf = (i: number, version: string) => `<component n="${i}" version="${version}">${PAD}</component>`;
const dependsOnOf = (i: number) => (i % 10 === 0 ? [keyOf(i - 1)] : []);
const sqlKey = (i: SQL) => sql`(array['Layout','Workflow','ApexClass','Flow','Profile'])[(${i}) % 5 + 1] || '/Component' || lpad((${i})::text, 6, '0')`;
const sqlContent = (i: SQL, version: SQL) => sql`'<component n="' || ${i} || '" version="' || ${version} || '">' || repeat('x', 160) || '</component>'`;

/** componentHash() in SQL: the content, then (when there are any) a NUL and the sorted dependencies. */
const versionBytes = sql.raw(`convert_to(s.content, 'UTF8') || case when cardinality(s.depends_on) = 0 then ''::bytea
  else '\\x00'::bytea || convert_to('dependsOn:' || array_to_string(array(select unnest(s.depends_on) order by 1), E'\\n'), 'UTF8') end`);

/** Seeding, not measured: one INSERT … SELECT over generate_series. */
async function seed(db: Database, instanceId: number, from: number, to: number, version: SQL, where: SQL = sql`true`) {
  const i = sql.raw('i');
  await db.execute(sql`
    insert into components (instance_id, key, content, hash, depends_on, changed_by, changed_at)
    select ${instanceId}, s.key, s.content, encode(sha256(${versionBytes}), 'hex'), s.depends_on, ${USER}, now()
    from (
      select ${sqlKey(i)} as key, ${sqlContent(i, version)} as content,
             case when i % 10 = 0 then array[${sqlKey(sql`i - 1`)}] else '{}'::text[] end as depends_on
      from generate_series(${from}::int, ${to}::int) as i
      where ${where}
    ) s`);
}

function packageRows(version: string): Component[] {
  const at = new Date();
  const rows: Component[] = [];
  const add = (i: number) => {
    const content = contentOf(i, version);
    rows.push({ key: keyOf(i), content, hash: componentHash(content, dependsOnOf(i)), dependsOn: dependsOnOf(i), changedBy: USER, changedAt: at });
  };
  for (let i = 1; i <= MODIFIED; i++) add(i);
  for (let i = TARGET_SIZE + 1; i <= TARGET_SIZE + ADDED; i++) add(i);
  return rows;
}

/** Runs statements in one transaction on the driver itself, past drizzle's query builder (it would double the floor). */
type RawTransaction = (work: (query: (text: string, params: unknown[]) => Promise<unknown>) => Promise<void>) => Promise<void>;

function rawTransaction(handle: DatabaseHandle): RawTransaction {
  const client = (handle.db as unknown as { $client: unknown }).$client;
  if (handle.kind === 'pglite') {
    const pglite = client as PGlite;
    return async (work) => {
      await pglite.transaction((tx) => work((text, params) => tx.query(text, params)));
    };
  }
  const pg = client as postgres.Sql;
  return async (work) => {
    await pg.begin((tx) => work((text, params) => tx.unsafe(text, params as postgres.ParameterOrJSON<never>[])));
  };
}

const arrayLiteral = (items: string[]) => `{${items.map((k) => `"${k.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/**
 * The floor of deploy and revert: one bulk INSERT … ON CONFLICT DO UPDATE of the same rows with the values sent from
 * the client, split only where the driver's bind-parameter limit forces it (10,000 rows × 7 columns: two statements).
 */
async function floorUpsert(raw: RawTransaction, instanceId: number, rows: Component[]) {
  await raw(async (query) => {
    for (let start = 0; start < rows.length; start += FLOOR_BATCH) {
      const batch = rows.slice(start, start + FLOOR_BATCH);
      const params: unknown[] = [];
      const tuples = batch.map((r) => {
        const n = params.push(instanceId, r.key, r.content, r.hash, arrayLiteral(r.dependsOn), r.changedBy, r.changedAt.toISOString());
        return `($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
      });
      await query(
        `insert into components (instance_id, key, content, hash, depends_on, changed_by, changed_at) values ${tuples.join(', ')}
         on conflict (instance_id, key) do update set content = excluded.content, hash = excluded.hash,
           depends_on = excluded.depends_on, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
        params,
      );
    }
  });
}

/** The floor of compare: one FULL OUTER JOIN over the hashes of the two instances. */
const floorCompare = (db: Database, a: number, b: number) =>
  queryRows<{ a: string | null; b: string | null }>(
    db,
    sql`select a.key as a, b.key as b
        from (select key, hash from components where instance_id = ${a}) a
        full join (select key, hash from components where instance_id = ${b}) b on b.key = a.key
        where a.hash is distinct from b.hash`,
  );

async function count(db: Database, instanceId: number) {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from components where instance_id = ${instanceId}`);
  return row!.n;
}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`bench: ${what}`);
}

interface Row {
  operation: string;
  backend: string;
  op: Sample[];
  floor: Sample[];
  target: number;
}

const DIFF_OPERATION = `diff --json ${((DIFF_PACKAGE.modified + DIFF_PACKAGE.added) / 1000).toFixed(0)}k items`;
const VIEWERS = 20;
const drawings: string[] = [];

/** `sandbox diff --json` of a big package beside reading its contents (see diff.ts). */
async function benchDiffBackend(name: string, handle: DatabaseHandle, progress: (text: string) => void): Promise<Row[]> {
  const { op, floor, drawing } = await benchDiffJson(handle, { warmup: WARMUP, repeats: REPEATS, progress });
  const [drawn, read] = [summarize(drawing).ms, summarize(floor).ms];
  drawings.push(`Drawing and keeping those diffs, paid once by the send, on ${name}: ${drawn.toFixed(0)} ms (${(drawn / read).toFixed(2)}× the floor).`);
  return [{ operation: DIFF_OPERATION, backend: name, op, floor, target: 2 }];
}

/** Instances kept in git: a deployment of 10,000 files and a refresh of 100 changed ones, beside git alone (see git.ts). */
async function benchGitBackend(name: string, open: () => Promise<DatabaseHandle>, progress: (text: string) => void): Promise<Row[]> {
  const [deployDb, refreshDb] = [await open(), await open()];
  try {
    const deployed = await benchGitDeploy(deployDb, { warmup: WARMUP, repeats: REPEATS, progress });
    const refreshed = await benchGitRefresh(refreshDb, { warmup: WARMUP, repeats: REPEATS, progress });
    const [refresh, floor, read] = [summarize(refreshed.op).ms, summarize(refreshed.floor).ms, summarize(refreshed.withoutFetch).ms];
    drawings.push(
      `Of the refresh's floor on ${name}, diff-tree and the reads alone take ${read.toFixed(0)} ms (the refresh is ${(refresh / read).toFixed(2)}× that); the fetch takes the other ${(floor - read).toFixed(0)} ms.`,
    );
    return [
      { operation: `git deploy ${GIT_BENCH.files / 1000}k files`, backend: name, op: deployed.op, floor: deployed.floor, target: 2 },
      { operation: `git refresh ${GIT_BENCH.changed} of ${GIT_BENCH.files / 1000}k files`, backend: name, op: refreshed.op, floor: refreshed.floor, target: 2 },
    ];
  } finally {
    await deployDb.close();
    await refreshDb.close();
  }
}

/** The HTTP API: one put of 10,000 components beside a bulk upsert, and a listing under load beside a bare route (see api.ts). */
async function benchApiBackend(name: string, progress: (text: string) => void, databaseUrl?: string): Promise<Row[]> {
  const r = await benchApi({ warmup: WARMUP, repeats: REPEATS, progress, databaseUrl });
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  drawings.push(
    `GET /api/v1/requests on ${name}, p99 of ${API_BENCH.requests} requests from ${API_BENCH.clients} clients: ${r.list.map((s) => s.ms.toFixed(1)).join(', ')} ms (pages of ${kb(r.sizes.list)}); the bare route (GET /api/v1/openapi.json, ${kb(r.sizes.bare)}): ${r.bare.map((s) => s.ms.toFixed(1)).join(', ')} ms; a refusal without a token (${kb(r.sizes.refused)}): ${r.refused.map((ms) => ms.toFixed(1)).join(', ')} ms.`,
  );
  return [
    { operation: `API put ${API_BENCH.components / 1000}k components`, backend: name, op: r.put, floor: r.floor, target: 2 },
    { operation: `API list p99, ${API_BENCH.clients} clients`, backend: name, op: r.list, floor: r.bare, target: 1.5 },
  ];
}

/** A deployment of 10,000 components with a no-op command target, beside the same one without (see targets.ts). */
async function benchTargetsBackend(name: string, open: () => Promise<DatabaseHandle>, progress: (text: string) => void): Promise<Row[]> {
  const [withTarget, without] = [await open(), await open()];
  try {
    const { op, floor } = await benchTargets(withTarget, without, { warmup: WARMUP, repeats: REPEATS, progress });
    return [{ operation: `deploy ${TARGETS_BENCH.components / 1000}k with a no-op target`, backend: name, op, floor, target: 1.5 }];
  } finally {
    await withTarget.close();
    await without.close();
  }
}

/** Delivery metrics over a long history, beside a query that only counts it (see metrics-history.ts). */
async function benchMetricsBackend(name: string, handle: DatabaseHandle, progress: (text: string) => void): Promise<Row[]> {
  const { op, floor } = await benchMetrics(handle.db, await benchServices(handle, CONFIG, [USER]), { warmup: WARMUP, repeats: REPEATS, progress });
  return [{ operation: `metrics ${HISTORY.days}d: ${HISTORY.requests / 1000}k requests, ${HISTORY.runs / 1000}k runs`, backend: name, op, floor, target: 3 }];
}

async function benchBackend(name: string, handle: DatabaseHandle, progress: (text: string) => void): Promise<Row[]> {
  const { db } = handle;
  const raw = rawTransaction(handle);
  const services = await benchServices(handle, CONFIG, [USER]);
  const store = services.deps.store;
  const idOf = async (instance: string) => (await store.instances.byName(instance))!.id;
  const [production, floor, cmpA, cmpB] = await Promise.all(['production', 'floor', 'cmp-a', 'cmp-b'].map(idOf));

  progress('seeding');
  await seed(db, production!, 1, TARGET_SIZE, sql`'v0'`);
  await seed(db, floor!, 1, TARGET_SIZE, sql`'v0'`);
  // cmp-b: 5% of cmp-a changed, 1% removed, 1,000 added.
  await seed(db, cmpA!, 1, COMPARE_SIZE, sql`'v0'`);
  await seed(db, cmpB!, 1, COMPARE_SIZE, sql`case when i % 20 = 0 then 'b' else 'v0' end`, sql`i % 100 <> 1`);
  await seed(db, cmpB!, COMPARE_SIZE + 1, COMPARE_SIZE + 1_000, sql`'v0'`);
  await db.execute(sql`vacuum analyze`);
  const expectedDifferences = COMPARE_SIZE / 20 + COMPARE_SIZE / 100 + 1_000;

  const deploy: Sample[] = [];
  const deployFloor: Sample[] = [];
  const revert: Sample[] = [];
  const revertFloor: Sample[] = [];
  const original = packageRows('v0');
  for (let rep = 0; rep < WARMUP + REPEATS; rep++) {
    const keep = rep >= WARMUP;
    progress(`deploy/revert ${keep ? `${rep - WARMUP + 1}/${REPEATS}` : 'warm-up'}`);
    // Not measured: the developer syncs, changes 10,000 components and sends them (no approval needed).
    await services.sync(actor, 'dev-bench', 'production');
    const rows = packageRows(`r${rep}`);
    await services.components.put(
      actor,
      'dev-bench',
      rows.map((r) => ({ key: r.key, content: r.content, dependsOn: r.dependsOn })),
    );
    const sent = await services.send(actor, { instance: 'dev-bench', message: `bench ${rep}`, confirmDrift: true });
    check(sent.request.state === 'approved', `request should need no approval, is ${sent.request.state}`);
    check(sent.summary.modified === MODIFIED && sent.summary.added === ADDED, `package is ${JSON.stringify(sent.summary)}`);

    const f1 = await measure(() => floorUpsert(raw, floor!, rows));
    const [floorWritten] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from components where instance_id = ${floor!} and content like ${`%version="r${rep}"%`} and cardinality(depends_on) = (case when split_part(key, 'Component', 2)::int % 10 = 0 then 1 else 0 end)`,
    );
    check(floorWritten!.n === PACKAGE_SIZE, `the floor wrote ${floorWritten!.n} rows`);
    let deployed: Awaited<ReturnType<Services['deploy']>> | undefined;
    const d = await measure(async () => {
      deployed = await services.deploy(actor, sent.request.id);
    });
    check(deployed?.succeeded === true, `deploy failed: ${deployed?.reason}`);
    check((await count(db, production!)) === TARGET_SIZE + ADDED, 'production should hold the added components');

    const f2 = await measure(() => floorUpsert(raw, floor!, original));
    let reverted: Awaited<ReturnType<Services['revert']>> | undefined;
    const r = await measure(async () => {
      reverted = await services.revert(actor, 'Production');
    });
    check(reverted?.restored === PACKAGE_SIZE, `revert restored ${reverted?.restored}`);
    check((await count(db, production!)) === TARGET_SIZE, 'production should be back to its size');
    await services.unlock(actor, 'Production');
    if (keep) {
      deployFloor.push(f1);
      deploy.push(d);
      revertFloor.push(f2);
      revert.push(r);
    }
  }

  const compare: Sample[] = [];
  const compareFloor: Sample[] = [];
  for (let rep = 0; rep < WARMUP + REPEATS; rep++) {
    const keep = rep >= WARMUP;
    progress(`compare ${keep ? `${rep - WARMUP + 1}/${REPEATS}` : 'warm-up'}`);
    let floorRows = 0;
    const f = await measure(async () => {
      floorRows = (await floorCompare(db, cmpA!, cmpB!)).length;
    });
    let differences = 0;
    const c = await measure(async () => {
      differences = (await services.compare('cmp-a', 'cmp-b')).differences.length;
    });
    check(floorRows === expectedDifferences && differences === expectedDifferences, `compare found ${differences}, floor ${floorRows}, expected ${expectedDifferences}`);
    if (keep) {
      compareFloor.push(f);
      compare.push(c);
    }
  }

  return [
    { operation: `deploy ${PACKAGE_SIZE.toLocaleString('en')}`, backend: name, op: deploy, floor: deployFloor, target: 3 },
    { operation: `revert ${PACKAGE_SIZE.toLocaleString('en')}`, backend: name, op: revert, floor: revertFloor, target: 3 },
    { operation: `compare 2×${COMPARE_SIZE.toLocaleString('en')}`, backend: name, op: compare, floor: compareFloor, target: 2 },
  ];
}

/** The PostgreSQL server: fresh databases on it by `create`, all dropped again by `drop`; undefined when the default server does not answer. */
async function postgresDatabase() {
  const explicit = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  const adminUrl = explicit || 'postgres://postgres@127.0.0.1:5432/test';
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin`select 1`;
  } catch (error) {
    await admin.end({ timeout: 1 }).catch(() => undefined);
    if (explicit) throw error;
    console.log(`PostgreSQL: skipped, nothing answers at ${adminUrl} (${(error as Error).message}); set BENCH_DATABASE_URL.`);
    return undefined;
  }
  const names: string[] = [];
  const [{ server_version: version }] = (await admin`show server_version`) as unknown as [{ server_version: string }];
  return {
    label: `PostgreSQL ${version} at ${new URL(adminUrl).host}`,
    create: async () => {
      const name = `sandbox_bench_${randomBytes(5).toString('hex')}`;
      await admin.unsafe(`create database ${name}`);
      names.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    drop: async () => {
      for (const name of names) await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

function printTable(rows: Row[]) {
  const header = ['operation', 'backend', 'median ms', 'floor ms', 'ratio', 'target', 'result', 'heap Δ MB', 'RSS Δ MB', 'floor heap/RSS Δ MB'];
  const lines = rows.map((row) => {
    const op = summarize(row.op);
    const floor = summarize(row.floor);
    const ratio = op.ms / floor.ms;
    return [
      row.operation,
      row.backend,
      op.ms.toFixed(1),
      floor.ms.toFixed(1),
      `${ratio.toFixed(2)}×`,
      `≤ ${row.target}×`,
      ratio <= row.target ? 'ok' : 'MISSED',
      mb(op.heapDelta),
      mb(op.rssDelta),
      `${mb(floor.heapDelta)} / ${mb(floor.rssDelta)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w, i) => (i < 2 || i === 6 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const line of lines) console.log(format(line));
  console.log('');
  console.log(`Each figure is the median of ${REPEATS} runs after ${WARMUP} warm-up; memory columns are the largest growth of V8 heap used / RSS during one run.`);
  for (const row of rows) {
    console.log(`  ${row.operation} on ${row.backend}: ${row.op.map((s) => s.ms.toFixed(0)).join(', ')} ms; floor ${row.floor.map((s) => s.ms.toFixed(0)).join(', ')} ms`);
  }
  const missed = rows.filter((row) => summarize(row.op).ms / summarize(row.floor).ms > row.target);
  if (missed.length) console.log(`\nMISSED: ${missed.map((r) => `${r.operation} on ${r.backend}`).join('; ')}`);
  else console.log('\nEvery target met.');
}

async function main() {
  const parts = partsToRun(process.argv.slice(2));
  const started = Date.now();
  const progress = (backend: string) => (text: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s, RSS ${mb(process.memoryUsage.rss())} MB, peak ${mb(process.resourceUsage().maxRSS * 1024)} MB] ${backend}: ${text}`);
  if (parts.includes('data')) {
    console.log(
      `Sandbox bot bench: deploy and revert of a ${PACKAGE_SIZE.toLocaleString('en')}-component package (${MODIFIED.toLocaleString('en')} modified, ${ADDED.toLocaleString('en')} added) into a ${TARGET_SIZE.toLocaleString('en')}-component production; compare of two ${COMPARE_SIZE.toLocaleString('en')}-component instances. Node ${process.version}.`,
    );
  }
  if (parts.includes('ack')) {
    console.log(
      `Sandbox bot bench: acknowledgement latency of /sandbox send and of an Approve click, ${ACK.rounds} rounds of ${ACK.total} each after ${ACK.warmup} of warm-up, ${describeLoad(ACK)}, beside a bare Bolt app. Node ${process.version}.`,
    );
  }
  const rows: Row[] = [];
  const ackRows: AckRow[] = [];
  let cliRow: CliRow | undefined;

  if (parts.includes('data')) {
    const pglite = await openDatabase({ dataDir: 'memory://' });
    try {
      rows.push(...(await benchBackend('pglite', pglite, progress('pglite'))));
    } finally {
      await pglite.close();
    }
  }
  if (parts.includes('metrics')) {
    const pglite = await openDatabase({ dataDir: 'memory://' });
    try {
      rows.push(...(await benchMetricsBackend('pglite', pglite, progress('pglite, metrics'))));
    } finally {
      await pglite.close();
    }
  }
  const viewRows: (ViewChangesResult & { backend: string })[] = [];
  if (parts.includes('diff')) {
    const pglite = await openDatabase({ dataDir: 'memory://' });
    try {
      rows.push(...(await benchDiffBackend('pglite', pglite, progress('pglite, diff'))));
    } finally {
      await pglite.close();
    }
    viewRows.push({ backend: 'pglite', ...(await benchViewChanges({ viewers: VIEWERS, progress: progress('pglite, View changes') })) });
  }
  if (parts.includes('git')) rows.push(...(await benchGitBackend('pglite', () => openDatabase({ dataDir: 'memory://' }), progress('pglite, git'))));
  if (parts.includes('api')) rows.push(...(await benchApiBackend('pglite', progress('pglite, API'))));
  const longOutputs: (LongOutputResult & { backend: string })[] = [];
  if (parts.includes('targets')) {
    rows.push(...(await benchTargetsBackend('pglite', () => openDatabase({ dataDir: 'memory://' }), progress('pglite, targets'))));
    longOutputs.push({ backend: 'pglite', ...(await benchLongOutput({ progress: progress('pglite, long output') })) });
  }
  if (parts.includes('ack')) ackRows.push(...(await benchSlackAck('pglite', { ...ACK, progress: progress('pglite, Slack') })));

  const server = await postgresDatabase();
  if (server) {
    console.log(server.label);
    try {
      if (parts.includes('data')) {
        const handle = await openDatabase({ url: await server.create(), maxConnections: 10 });
        try {
          rows.push(...(await benchBackend('postgres', handle, progress('postgres'))));
        } finally {
          await handle.close();
        }
      }
      if (parts.includes('metrics')) {
        const handle = await openDatabase({ url: await server.create(), maxConnections: 10 });
        try {
          rows.push(...(await benchMetricsBackend('postgres', handle, progress('postgres, metrics'))));
        } finally {
          await handle.close();
        }
      }
      if (parts.includes('diff')) {
        const handle = await openDatabase({ url: await server.create(), maxConnections: 10 });
        try {
          rows.push(...(await benchDiffBackend('postgres', handle, progress('postgres, diff'))));
        } finally {
          await handle.close();
        }
        viewRows.push({ backend: 'postgres', ...(await benchViewChanges({ viewers: VIEWERS, databaseUrl: await server.create(), progress: progress('postgres, View changes') })) });
      }
      if (parts.includes('git')) {
        rows.push(...(await benchGitBackend('postgres', async () => openDatabase({ url: await server.create(), maxConnections: 10 }), progress('postgres, git'))));
      }
      if (parts.includes('api')) rows.push(...(await benchApiBackend('postgres', progress('postgres, API'), await server.create())));
      if (parts.includes('targets')) {
        rows.push(...(await benchTargetsBackend('postgres', async () => openDatabase({ url: await server.create(), maxConnections: 10 }), progress('postgres, targets'))));
        longOutputs.push({ backend: 'postgres', ...(await benchLongOutput({ databaseUrl: await server.create(), progress: progress('postgres, long output') })) });
      }
      // A database of its own on the same server: the app migrates it and applies its pipeline configuration.
      if (parts.includes('ack')) {
        ackRows.push(...(await benchSlackAck('postgres', { ...ACK, databaseUrl: await server.create(), progress: progress('postgres, Slack') })));
      }
      if (parts.includes('cli')) cliRow = await benchCliStart(await server.create(), threeStepConfig, { ...CLI, progress: progress('postgres, command line') });
    } finally {
      await server.drop();
    }
  }

  if (rows.length) {
    console.log('');
    printTable(rows);
  }
  if (drawings.length) console.log('');
  for (const line of drawings) console.log(line);
  if (viewRows.length) {
    console.log('');
    printViewChanges(viewRows);
  }
  if (longOutputs.length) {
    console.log('');
    if (!printLongOutput(longOutputs)) console.log('\nMISSED: the long output of a command target');
  }
  if (ackRows.length) {
    console.log('');
    printAckTable(ackRows, ACK);
  }
  if (cliRow) {
    console.log('');
    printCliTable(cliRow);
  }
  console.log(`Peak RSS of the whole bench process (embedded PGlite included): ${mb(process.resourceUsage().maxRSS * 1024)} MB.`);
}

main().catch((error: unknown) => {
  // Driver errors carry the whole query and its parameters: the first lines of the message and the cause are enough.
  const brief = (e: unknown) => (e instanceof Error ? `${e.message.slice(0, 500)}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}` : String(e));
  console.error(`bench failed: ${brief(error)}`);
  if (error instanceof Error && error.cause) console.error(`caused by: ${brief(error.cause)}`);
  process.exit(1);
});
