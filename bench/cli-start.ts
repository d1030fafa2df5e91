/**
 * The command line's start: `sandbox status --json` on PostgreSQL, each call a new process as scripts and CI run it,
 * beside its floor, a bare Node process that opens the same database with postgres.js and runs one query
 * (bench/cli-floor.mjs). The two alternate, so that the machine's ups and downs hit both alike. Each call's wall time
 * is measured from its spawn to its exit, and its peak resident set size by a preload (bench/peak-memory.mjs).
 * Targets: median ≤ 2.5× the floor's, and peak memory of the call ≤ 100 MB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './measure.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SANDBOX = join(REPO, 'bin/sandbox.mjs');
const FLOOR = join(REPO, 'bench/cli-floor.mjs');
const PEAK = pathToFileURL(join(REPO, 'bench/peak-memory.mjs')).href;
export const CLI_TARGET = { ratio: 2.5, peakMb: 100 };

export interface CliRow {
  command: string;
  ms: number;
  floorMs: number;
  peakMb: number;
  floorPeakMb: number;
  runs: number;
}

interface Call {
  ms: number;
  peakMb: number;
}

/** Runs one process to its end; fails with its stderr when it exits non-zero. */
function call(args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<Call> {
  const peakFile = join(dir, 'peak');
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, args, { env: { ...env, NODE_OPTIONS: `--import=${PEAK}`, PEAK_MEMORY_FILE: peakFile }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - began;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.trim().slice(0, 500)}`));
      resolve({ ms, peakMb: Number(readFileSync(peakFile, 'utf8')) / 1024 / 1024 });
    });
  });
}

/** `runs` alternating pairs after `warmup` of each, on the PostgreSQL database of `databaseUrl` with `configYaml`. */
export async function benchCliStart(databaseUrl: string, configYaml: string, o: { runs: number; warmup: number; progress(text: string): void }): Promise<CliRow> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-bench-'));
  try {
    writeFileSync(join(dir, 'sandbox.config.yml'), configYaml);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, SANDBOX_CONFIG: join(dir, 'sandbox.config.yml') };
    const ours = (): Promise<Call> => call([SANDBOX, 'status', '--json'], env, dir);
    const floor = (): Promise<Call> => call([FLOOR], env, dir);
    // The first call migrates the database and applies the pipeline; the warm-up also fills the file cache.
    for (let i = 0; i < o.warmup; i++) await ours().then(floor);
    const mine: Call[] = [];
    const bare: Call[] = [];
    for (let i = 0; i < o.runs; i++) {
      mine.push(await ours());
      bare.push(await floor());
      o.progress(`sandbox status --json: ${i + 1} of ${o.runs}`);
    }
    return {
      command: 'sandbox status --json',
      ms: median(mine.map((c) => c.ms)),
      floorMs: median(bare.map((c) => c.ms)),
      peakMb: Math.max(...mine.map((c) => c.peakMb)),
      floorPeakMb: Math.max(...bare.map((c) => c.peakMb)),
      runs: o.runs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printCliTable(row: CliRow) {
  const ratio = row.ms / row.floorMs;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log(`Command line start on PostgreSQL (median of ${row.runs} calls each, alternating; peak memory: the highest of them):`);
  console.log('| command | median | floor | ratio | target | peak memory | floor peak | target |');
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: |');
  console.log(
    `| \`${row.command}\` | ${row.ms.toFixed(0)} ms | ${row.floorMs.toFixed(0)} ms | ${ratio.toFixed(2)}× | ≤ ${CLI_TARGET.ratio}× ${verdict(ratio <= CLI_TARGET.ratio)} | ${row.peakMb.toFixed(0)} MB | ${row.floorPeakMb.toFixed(0)} MB | ≤ ${CLI_TARGET.peakMb} MB ${verdict(row.peakMb <= CLI_TARGET.peakMb)} |`,
  );
}
