import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActionContext, type ActionOutcome, type CommandAction, LAST_LINES } from '../domain/actions.ts';
import { durationMs } from '../domain/time.ts';
import { type CommandResult, runCommand } from './command.ts';
import { credential, inWords, masking, missingCredentials } from './credentials.ts';
import { folderLayout } from './folders.ts';
import { launcher } from './launcher.ts';
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
 * (`SANDBOX_PACKAGE_DIR`: its files and `manifest.json`) and the target's state (`SANDBOX_TARGET_DIR`), written ahead
 * when the deployment asked for it (`layOut`), removed after.
 * It gets the credentials its `env` names, and their values are masked in every line it prints.
 */
export function commandActions(o: CommandActionsOptions) {
  const { ledger } = o;
  const base = Object.fromEntries(PASSED_ON.flatMap((name) => (o.environment[name] === undefined ? [] : [[name, o.environment[name]!]])));
  const folders = folderLayout(o.scratch ?? tmpdir());
  return {
    layOut: folders.layOut,
    async run(command: CommandAction & { name: string }, context: ActionContext, line: (text: string, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<ActionOutcome> {
      const missing = missingCredentials(command.env, context, o.environment);
      if (missing) return { ok: false, ms: 0, said: [], summary: missing };
      const credentials = Object.fromEntries(command.env.map((name) => [name, credential(name, context, o.environment)!]));
      const mask = masking(Object.values(credentials));
      const folder = await folders.take(context).catch((error: Error) => error);
      if (folder instanceof Error) return { ok: false, ms: 0, said: [], summary: `its folders could not be written: ${mask(folder.message)}` };
      let forget = () => {};
      const said: string[] = [];
      try {
        const packageDir = join(folder, 'package');
        const targetDir = join(folder, 'target');
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
        launcher.remove(folder);
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
