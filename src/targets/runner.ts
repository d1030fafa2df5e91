import { spawn } from 'node:child_process';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type ActionContext, type ActionOutcome, type CommandAction, LAST_LINES, type PackageFile } from '../domain/actions.ts';
import { durationMs } from '../domain/time.ts';
import { type CommandResult, runCommand } from './command.ts';
import { credential, inWords, masking, missingCredentials } from './credentials.ts';
import { endLeftovers, recordCommand } from './leftovers.ts';

/** What of the bot's own environment a command gets besides its variables and credentials: enough to find its tools. */
const PASSED_ON = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

export interface CommandActionsOptions {
  /** Where commands run: the folder of the pipeline file, so that `./deploy.sh` beside it is found. */
  cwd: string;
  /** Where each command's folders are made (default: the system's temporary folder). */
  scratch?: string;
  /**
   * Where running commands are recorded, so that the next start after a crash ends what they left running: a folder
   * of this machine for this database (none: nothing is recorded).
   */
  ledger?: string;
  /** The bot's environment, where the names of `env` are looked up. */
  environment: NodeJS.ProcessEnv;
}

/**
 * Runs the commands of targets and checks (DESIGN.md section 10): each in a fresh folder holding the package
 * (`SANDBOX_PACKAGE_DIR`: its files and `manifest.json`) and the target's state (`SANDBOX_TARGET_DIR`), removed after.
 * It gets the credentials its `env` names, and their values are masked in every line it prints.
 */
export function commandActions(o: CommandActionsOptions) {
  const { ledger } = o;
  const base = Object.fromEntries(PASSED_ON.flatMap((name) => (o.environment[name] === undefined ? [] : [[name, o.environment[name]!]])));
  return {
    async run(command: CommandAction & { name: string }, context: ActionContext, line: (text: string, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<ActionOutcome> {
      const missing = missingCredentials(command.env, context, o.environment);
      if (missing) return { ok: false, ms: 0, said: [], summary: missing };
      const credentials = Object.fromEntries(command.env.map((name) => [name, credential(name, context, o.environment)!]));
      const mask = masking(Object.values(credentials));
      const folder = await mkdtemp(join(o.scratch ?? tmpdir(), 'sandbox-action-'));
      let forget = () => {};
      const said: string[] = [];
      try {
        const packageDir = join(folder, 'package');
        const targetDir = join(folder, 'target');
        await writeFolders(context, packageDir, targetDir);
        const result = await runCommand({
          command: command.command,
          cwd: o.cwd,
          env: { ...base, ...credentials, ...variables(context), SANDBOX_PACKAGE_DIR: packageDir, SANDBOX_TARGET_DIR: targetDir },
          timeoutMs: durationMs(command.timeout)!,
          idleTimeoutMs: durationMs(command.idleTimeout)!,
          onLine: (output) => {
            const text = mask(output.text);
            said.push(text);
            if (said.length > LAST_LINES) said.shift();
            line(text, output.stream);
          },
          onStart: (group) => {
            if (ledger) forget = recordCommand(ledger, context.run, group);
          },
          signal,
        });
        return { ok: result.ok, summary: describeEnd(result, command), ms: Math.round(result.ms), said };
      } catch (error) {
        return { ok: false, summary: `it could not start: ${mask((error as Error).message)}`, ms: 0, said };
      } finally {
        forget();
        // Removed behind the deployment's back: it need not wait for thousands of files to go.
        removeLater(folder);
      }
    },
    endLeftovers: async () => (ledger ? endLeftovers(ledger) : []),
  };
}

const variables = (context: ActionContext) => ({
  SANDBOX_ACTION: context.action,
  SANDBOX_ENVIRONMENT: context.environment,
  SANDBOX_REQUEST: context.request,
  SANDBOX_RUN: context.run,
});

async function writeFolders(context: ActionContext, packageDir: string, targetDir: string) {
  mkdirSync(packageDir, { recursive: true });
  mkdirSync(targetDir, { recursive: true });
  const manifest = { environment: context.environment, request: context.request, run: context.run, items: context.files.map(({ content: _, ...item }) => item) };
  writeFileSync(join(packageDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeAll(targetDir, context.state);
  // After the package, the target holds each of its files as they are: a link to the target's file costs one call, a
  // file three. (A command that writes into a file in place changes both; they are its to read.)
  const held = new Map(context.state.map((c) => [c.key, c.content]));
  await writeAll(
    packageDir,
    context.files.filter((f): f is PackageFile & { content: string } => f.content !== null),
    (file) => (held.get(file.key) === file.content ? join(targetDir, file.key) : undefined),
  );
}

/** Files written between two turns of the event loop. */
const FILES_PER_TURN = 500;

/**
 * Each component as a file named by its key (`Layout/Account`), under `dir`, or a hard link to the same file elsewhere
 * (`sameAs`). Written synchronously, a slice at a time with a turn of the event loop between slices: a file a call,
 * without the thread pool's round trips, is many times faster for thousands of small files, and requests are still
 * answered meanwhile.
 */
async function writeAll<C extends { key: string; content: string }>(dir: string, components: C[], sameAs: (c: C) => string | undefined = () => undefined) {
  for (const folder of new Set(components.map((c) => dirname(join(dir, c.key))))) mkdirSync(folder, { recursive: true });
  for (let at = 0; at < components.length; at += FILES_PER_TURN) {
    for (const c of components.slice(at, at + FILES_PER_TURN)) {
      const same = sameAs(c);
      if (same) linkSync(same, join(dir, c.key));
      else writeFileSync(join(dir, c.key), c.content);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Removes a command's folders behind the deployment's back, at the lowest priority: unlinking 20,000 files competes
 * for the machine's cores with the deployment and the database otherwise. Removed here when `rm` cannot be started.
 */
function removeLater(folder: string) {
  const rmHere = () => void rm(folder, { recursive: true, force: true }).catch(() => {});
  const child = spawn('nice', ['-n', '19', 'rm', '-rf', '--', folder], { stdio: 'ignore', detached: true });
  child.once('error', rmHere);
  child.once('exit', (code) => code === 0 || rmHere());
  child.unref();
}

function describeEnd(result: CommandResult, command: { timeout: string; idleTimeout: string }): string {
  const after = `after ${inWords(result.ms)}`;
  switch (result.ended) {
    case 'timeout':
      return `it ran longer than its timeout (${command.timeout}) and was stopped`;
    case 'idle':
      return `it printed nothing for ${command.idleTimeout} (its idle timeout) and was stopped`;
    case 'cancelled':
      return `it was stopped ${after}, as the deployment was cut short`;
    default:
      return result.code === 0 ? `succeeded ${after}` : `exited with ${result.code ?? 'a signal'} ${after}`;
  }
}
